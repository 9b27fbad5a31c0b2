// Log lines said during a signal loop, written once the loop is over, each with the time it
// happened: between two kill(2)s runs nothing but the next identity check (src/stop/stop-run.ts).
export class DeferredLines {
  private held: Array<() => void> | undefined;

  /** Writes the line now, or, while held, when the hold ends (with the time it was said). */
  say(line: (at: Date) => void): void {
    const at = new Date();
    if (this.held === undefined) line(at);
    else this.held.push(() => line(at));
  }

  /** From now on lines wait; the returned function writes them, in order, and ends the hold. */
  hold(): () => void {
    const lines: Array<() => void> = [];
    this.held = lines;
    return () => {
      this.held = undefined;
      for (const line of lines) line();
    };
  }
}
