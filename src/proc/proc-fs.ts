// The only place that touches the filesystem for /proc. Reads are synchronous: /proc files are
// generated in memory by the kernel, so a sync read never waits on a disk, and a scan of
// thousands of small files is several times faster without a promise per file.
import { closeSync, constants, openSync, readdirSync, readSync } from 'node:fs';

/** What the scanner needs from a filesystem; tests inject one to produce EACCES as a non-root reader would see it. */
export interface ProcFs {
  listDir(path: string): string[];
  /**
   * The file as UTF-8 text, at most maxBytes of it (default maxProcFileBytes); throws the fs
   * error (with `code`) when it cannot.
   */
  readText(path: string, maxBytes?: number): string;
  /**
   * Like readText, and the file stays open to be read again (src/proc/held-files.ts). Optional:
   * a filesystem without it is read again by path.
   */
  readAndHold?(path: string): { text: string; held: HeldFile };
}

/**
 * A /proc/<pid> file kept open. Opened while its process ran, it names that process, not the pid:
 * once the process is gone (reaped), reading it fails with ESRCH, even when a newer process has
 * the pid by then.
 */
export interface HeldFile {
  /** The file's text now (a read from offset 0: /proc generates it afresh); throws the fs error. */
  reread(): string;
  close(): void;
}

/**
 * The kernel's stat, status and cgroup files are a few KB at most: anything bigger is not the
 * kernel's (a --proc-root tree with a file linked to /dev/zero grew jobdone until the OOM killer
 * came). cmdline is capped separately (maxCmdlineBytes in scan.ts).
 */
export const maxProcFileBytes = 64 * 1024;

// One buffer reused for every read: readFileSync allocates, fstat()s (which reports size 0 for
// /proc files anyway) and reads in chunks; open + read + close into a shared buffer halves the cost.
let buffer = Buffer.allocUnsafe(16 * 1024);

// O_NONBLOCK: a FIFO (or a device) where a /proc file should be must not hang jobdone; it reads
// as empty or fails with EAGAIN, and that process is then left out like an unreadable one.
const openFlags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function readText(path: string, maxBytes = maxProcFileBytes): string {
  const fd = openSync(path, openFlags);
  try {
    return readOpen(fd, maxBytes, null);
  } finally {
    closeSync(fd);
  }
}

/** The file's text from its position (null: the fd's own, just opened) or from offset 0. */
function readOpen(fd: number, maxBytes: number, from: 0 | null): string {
  let length = 0;
  for (;;) {
    const wanted = Math.min(buffer.length, maxBytes) - length;
    if (wanted <= 0) break;
    const n = readSync(fd, buffer, length, wanted, from === null ? null : length);
    length += n;
    // A short read is the end: /proc's stat, status and cgroup are generated whole (single_open)
    // and handed out as far as they fit, cmdline is copied until the count or its end. This
    // saves the read() that would only return 0, a quarter of a scan's system calls.
    if (n < wanted) break;
    if (length >= maxBytes) break;
    // The buffer is full (a long cmdline): grow it and read on.
    const bigger = Buffer.allocUnsafe(buffer.length * 2);
    buffer.copy(bigger, 0, 0, length);
    buffer = bigger;
  }
  return buffer.toString('utf8', 0, length);
}

/** readText, with the fd kept: a reread is one pread(2) instead of open, read and close. */
function readAndHold(path: string): { text: string; held: HeldFile } {
  const fd = openSync(path, openFlags);
  let text: string;
  try {
    text = readOpen(fd, maxProcFileBytes, null);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { text, held: { reread: () => readOpen(fd, maxProcFileBytes, 0), close: () => closeSync(fd) } };
}

export const nodeProcFs: ProcFs = {
  listDir: (path) => readdirSync(path),
  readText,
  readAndHold,
};
