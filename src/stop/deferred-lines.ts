// The stop's log lines, held while the first signals go out and written right after, each with
// the time it was said: between the job's exit and the last signal of a phase runs nothing but
// the look at the pod, the plan and kill(2)s, no formatting and no write (src/stop/stop-run.ts).
import type { LogFields, Logger, LogLevel } from '../log/logger.ts';

export class HeldLog implements Logger {
  private held: Array<() => void> | undefined;

  constructor(private readonly log: Logger) {}

  debug(message: string, fields?: LogFields, at?: Date): void {
    this.say('debug', message, fields, at);
  }

  info(message: string, fields?: LogFields, at?: Date): void {
    this.say('info', message, fields, at);
  }

  warn(message: string, fields?: LogFields, at?: Date): void {
    this.say('warn', message, fields, at);
  }

  error(message: string, fields?: LogFields, at?: Date): void {
    this.say('error', message, fields, at);
  }

  /**
   * From now on lines wait, until release() or, at the latest, the event loop's next turn (a
   * hold never outlives the synchronous run and its promise jobs that started it).
   */
  hold(): void {
    if (this.held !== undefined) return;
    const lines: Array<() => void> = [];
    this.held = lines;
    setImmediate(() => {
      if (this.held === lines) this.release();
    });
  }

  /** Writes what was held, in order, and ends the hold. */
  release(): void {
    const lines = this.held ?? [];
    this.held = undefined;
    for (const line of lines) line();
  }

  private say(level: LogLevel, message: string, fields: LogFields | undefined, at = new Date()): void {
    if (this.held === undefined) this.log[level](message, fields, at);
    else this.held.push(() => this.log[level](message, fields, at));
  }
}
