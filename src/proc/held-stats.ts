// The stat files of a stop's first look, kept open until the stop ends. Every signal is preceded
// by a read of its target's stat (the start time must still match) and every poll reads one; with
// the file held from the scan on, that read is one pread(2), not open + read + close: 5-8 us
// instead of 11-19 here, for each of 50 targets between the job's exit and the last signal
// (issue 21). It is also a stronger check than the start time: a file opened while a process ran
// names that process, so once it is gone the read fails (ESRCH), whoever has the pid by then.
import type { HeldFile } from './proc-fs.ts';

/** What the scan keeps; its own fds and the job's stay far below RLIMIT_NOFILE (1024 soft, at the least). */
export const maxHeldStats = 256;

export class HeldStats {
  private readonly files = new Map<number, { startTime: number; file: HeldFile }>();

  constructor(private readonly capacity = maxHeldStats) {}

  hasRoom(): boolean {
    return this.files.size < this.capacity;
  }

  /** Keeps the stat file of pid, read when it started at startTime (a pid kept twice keeps its first). */
  keep(pid: number, startTime: number, file: HeldFile): void {
    if (this.files.has(pid) || !this.hasRoom()) file.close();
    else this.files.set(pid, { startTime, file });
  }

  /**
   * The stat of the process scanned as pid and startTime, now, or undefined when its file is not
   * held (read it by path then). Throws the read's error: ESRCH once that process is gone.
   */
  reread(pid: number, startTime: number): string | undefined {
    const held = this.files.get(pid);
    return held === undefined || held.startTime !== startTime ? undefined : held.file.reread();
  }

  get size(): number {
    return this.files.size;
  }

  closeAll(): void {
    for (const { file } of this.files.values()) {
      try {
        file.close();
      } catch {
        // An fd that will not close is nothing the stop can act on.
      }
    }
    this.files.clear();
  }
}
