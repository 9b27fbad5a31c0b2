// Captures a stream completely while letting a test wait for a line such as "ready".
import type { Readable } from 'node:stream';

export class CapturedOutput {
  private readonly chunks: Buffer[] = [];
  private readonly listeners = new Set<() => void>();
  private ended = false;

  constructor(stream: Readable | null) {
    if (stream === null) {
      this.ended = true;
      return;
    }
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.notify();
    });
    stream.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.buffer.toString('utf8');
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Calls `listener` after every chunk and at the end; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface WaitForOutputOptions {
  /** Which stream to search; `both` matches either. Default stdout. */
  readonly stream?: 'stdout' | 'stderr' | 'both';
  readonly timeoutMs?: number;
}

/** Resolves with the first match of `pattern` (the matched text), rejects on timeout or when the streams end without it. */
export function waitForMatch(
  label: string,
  outputs: readonly CapturedOutput[],
  pattern: string | RegExp,
  timeoutMs: number,
): Promise<string> {
  const find = (): string | undefined => {
    for (const output of outputs) {
      const text = output.text;
      if (typeof pattern === 'string') {
        if (text.includes(pattern)) return pattern;
      } else {
        const match = pattern.exec(text);
        if (match !== null) return match[0];
      }
    }
    return undefined;
  };
  return new Promise((resolve, reject) => {
    const unsubscribes: Array<() => void> = [];
    const finish = (error: Error | undefined, value?: string): void => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (error !== undefined) reject(error);
      else resolve(value!);
    };
    const describe = (): string => outputs.map((o) => JSON.stringify(o.text.slice(-2000))).join(' / ');
    const check = (): void => {
      const found = find();
      if (found !== undefined) finish(undefined, found);
      else if (outputs.every((o) => o.isEnded)) finish(new Error(`${label}: output ended without ${String(pattern)}; output: ${describe()}`));
    };
    const timer = setTimeout(() => finish(new Error(`${label}: no ${String(pattern)} within ${timeoutMs} ms; output so far: ${describe()}`)), timeoutMs);
    for (const output of outputs) unsubscribes.push(output.subscribe(check));
    check();
  });
}
