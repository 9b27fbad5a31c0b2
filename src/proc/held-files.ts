// The stat and cgroup files of the processes a look saw, kept open. Every signal is preceded by a
// read of its target's stat (the start time must still match) and every poll reads one; with the
// file held, that read is one pread(2), not open + read + close: 5-8 us instead of 11-19 here.
// A look with the files of an earlier one (the look while the job runs: src/stop/early-look.ts)
// reads each process it knows the same way, cgroup then stat, as a scan by path would (issue 21).
// A held file is also a stronger check than the start time: a file opened while a process ran
// names that process, so once it is gone the read fails (ESRCH), whoever has the pid by then.
import type { HeldFile } from './proc-fs.ts';

/** Processes whose files are kept (two fds each); with the job's, far below RLIMIT_NOFILE (1024 soft, at the least). */
export const maxHeldProcesses = 256;

interface Held {
  startTime: number;
  stat: HeldFile;
  /** Undefined when the look could not hold it (unreadable): such a process is read by path again. */
  cgroup: HeldFile | undefined;
}

export class HeldFiles {
  private readonly files = new Map<number, Held>();
  /** Processes readBoth read from held files (the debug line after the stop's first look). */
  hits = 0;

  constructor(private readonly capacity = maxHeldProcesses) {}

  hasRoom(): boolean {
    return this.files.size < this.capacity;
  }

  /** Keeps the files of pid, read when it started at startTime (a pid kept twice keeps its first). */
  keep(pid: number, startTime: number, stat: HeldFile, cgroup?: HeldFile): void {
    if (this.files.has(pid) || !this.hasRoom()) {
      closeQuietly(stat);
      if (cgroup !== undefined) closeQuietly(cgroup);
    } else {
      this.files.set(pid, { startTime, stat, cgroup });
    }
  }

  /**
   * The stat of the process scanned as pid and startTime, now, or undefined when its file is not
   * held (read it by path then). Throws the read's error: ESRCH once that process is gone.
   */
  reread(pid: number, startTime: number): string | undefined {
    const held = this.files.get(pid);
    return held === undefined || held.startTime !== startTime ? undefined : held.stat.reread();
  }

  /**
   * For a scan: pid's cgroup, then its stat, from the files held for it, in the order a scan by
   * path reads them (src/proc/scan.ts, readProcess). Undefined when they are not both held, or a
   * read fails: the files are closed then (the process is gone, or unreadable now), and the scan
   * reads the pid by path, which finds whatever has it now.
   */
  readBoth(pid: number): { cgroup: string; stat: string; startTime: number } | undefined {
    const held = this.files.get(pid);
    if (held === undefined) return undefined;
    try {
      if (held.cgroup === undefined) throw new Error('cgroup not held');
      const cgroup = held.cgroup.reread();
      const stat = held.stat.reread();
      this.hits += 1;
      return { cgroup, stat, startTime: held.startTime };
    } catch {
      this.drop(pid);
      return undefined;
    }
  }

  /** Closes the files of every pid that `listed` does not accept: /proc no longer lists it, so its process is gone. */
  retainOnly(listed: (pid: number) => boolean): void {
    for (const pid of [...this.files.keys()]) if (!listed(pid)) this.drop(pid);
  }

  drop(pid: number): void {
    const held = this.files.get(pid);
    if (held === undefined) return;
    this.files.delete(pid);
    closeQuietly(held.stat);
    if (held.cgroup !== undefined) closeQuietly(held.cgroup);
  }

  get size(): number {
    return this.files.size;
  }

  closeAll(): void {
    for (const pid of [...this.files.keys()]) this.drop(pid);
  }
}

function closeQuietly(file: HeldFile): void {
  try {
    file.close();
  } catch {
    // An fd that will not close is nothing the stop can act on.
  }
}
