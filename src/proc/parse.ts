// Parsers for the /proc/<pid> files jobdone reads. Pure functions over text, so the tricky
// cases (a comm with spaces, parentheses or newlines) are tested without processes.

export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  startTime: number;
  /**
   * PF_EXITING in the flags (field 9): the process has begun to exit. From then on the kernel
   * reports its cgroup v1 paths as `/`, before it is a zombie (state Z) and after.
   */
  exiting: boolean;
  /**
   * PF_KTHREAD in the flags: a kernel thread. Only the kernel sets it, unlike comm (prctl), the
   * command line (a process may unmap its argv) or the parent (PID 2 in a pod has ppid 0 too).
   */
  kernelThread: boolean;
}

/** include/linux/sched.h */
const PF_EXITING = 0x4;
const PF_KTHREAD = 0x0020_0000;

/**
 * Parses /proc/<pid>/stat. comm is whatever the process set (prctl PR_SET_NAME), so it may hold
 * spaces, ')' and newlines: it runs from the first '(' to the LAST ')', and only the fields after
 * it are split on spaces. Returns undefined for text that is not a stat line.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open - 1));
  // Fields after comm, numbered as in proc(5), cut at single spaces from two characters after
  // the ')' as split(' ') would; only the six used become strings (splitting all 20 made a scan
  // of 10,000 processes spend a tenth of its time allocating and collecting).
  let state = '';
  let ppid = NaN;
  let pgrp = NaN;
  let session = NaN;
  let flags = NaN;
  let startTime = NaN;
  for (let n = 3, start = close + 2; n <= 22 && start <= text.length; n++) {
    const space = text.indexOf(' ', start);
    const end = space < 0 ? text.length : space;
    if (n === 3) state = text.slice(start, end);
    else if (n === 4) ppid = Number(text.slice(start, end));
    else if (n === 5) pgrp = Number(text.slice(start, end));
    else if (n === 6) session = Number(text.slice(start, end));
    else if (n === 9) flags = Number(text.slice(start, end));
    else if (n === 22) startTime = Number(text.slice(start, end));
    if (space < 0) break;
    start = space + 1;
  }
  if (!Number.isInteger(pid) || state.length !== 1 || !Number.isInteger(ppid) || !Number.isInteger(startTime)) {
    return undefined;
  }
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, session, startTime, exiting: (flags & PF_EXITING) !== 0, kernelThread: (flags & PF_KTHREAD) !== 0 };
}

/** Real uid from /proc/<pid>/status (`Uid:\treal\teffective\tsaved\tfs`). */
export function parseRealUid(status: string): number | undefined {
  const at = status.startsWith('Uid:') ? 0 : status.indexOf('\nUid:') + 1;
  if (at === 0 && !status.startsWith('Uid:')) return undefined;
  let i = at + 4;
  while (status.charCodeAt(i) === 9 || status.charCodeAt(i) === 32) i++;
  let uid = 0;
  let digits = 0;
  for (let c = status.charCodeAt(i); c >= 48 && c <= 57; c = status.charCodeAt(++i)) {
    uid = uid * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? uid : undefined;
}

/** argv from /proc/<pid>/cmdline: NUL-separated, NUL-terminated; empty for kernel threads and zombies. */
export function parseCmdline(text: string): string[] {
  if (text.length === 0) return [];
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}
