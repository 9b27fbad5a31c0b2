// A /proc reader written by hand instead of ps-list or tree-kill: those shell out to `ps` or
// `pgrep`, which distroless and slim job images do not have, and they do not expose the cgroup
// and start time that jobdone's decisions depend on.
import type { ProcessInfo } from './process-info.ts';
import { parseCmdline, parseRealUid, parseStat, type StatFields } from './parse.ts';
import { nodeProcFs, type ProcFs } from './proc-fs.ts';

/**
 * Every process visible under procRoot (normally '/proc'). Per process it reads four small files
 * (stat, status, cmdline, cgroup) and nothing else: comm comes from stat, not the comm file.
 * A process that exits during the scan is left out; a file it may not read (EACCES) leaves
 * that field undefined.
 */
export function scanProcesses(procRoot: string, fs: ProcFs = nodeProcFs): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const name of fs.listDir(procRoot)) {
    if (!isPidName(name)) continue;
    const info = readProcess(procRoot, Number(name), fs);
    if (info !== undefined) processes.push(info);
  }
  return processes;
}

/** One process, or undefined when it does not exist (any more) or its stat cannot be read. */
export function readProcess(procRoot: string, pid: number, fs: ProcFs = nodeProcFs): ProcessInfo | undefined {
  const dir = `${procRoot}/${pid}`;
  const stat = readStatOnly(procRoot, pid, fs);
  if (stat === undefined) return undefined;
  const status = readField(fs, `${dir}/status`);
  if (status === gone) return undefined;
  const cmdline = readField(fs, `${dir}/cmdline`);
  if (cmdline === gone) return undefined;
  const cgroup = readField(fs, `${dir}/cgroup`);
  if (cgroup === gone) return undefined;
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    pgrp: stat.pgrp,
    session: stat.session,
    uid: status === undefined ? undefined : parseRealUid(status),
    state: stat.state,
    startTime: stat.startTime,
    comm: stat.comm,
    cmdline: cmdline === undefined ? undefined : parseCmdline(cmdline),
    cgroup,
  };
}

/** The identity of a pid right now: just its stat, the cheapest re-check before a signal. */
export function readStatOnly(procRoot: string, pid: number, fs: ProcFs = nodeProcFs): StatFields | undefined {
  const text = readField(fs, `${procRoot}/${pid}/stat`);
  if (text === gone || text === undefined) return undefined;
  const stat = parseStat(text);
  // A stat that names another pid is not this process (only possible in a broken fixture).
  return stat !== undefined && stat.pid === pid ? stat : undefined;
}

const gone = Symbol('gone');

/** File text; `gone` when the process vanished; undefined when not readable (EACCES and the like). */
function readField(fs: ProcFs, path: string): string | undefined | typeof gone {
  try {
    return fs.readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return gone;
    // EACCES/EPERM (hidepid, ptrace-gated files) and anything unexpected: one unreadable field
    // must not stop jobdone from stopping the rest of the pod.
    return undefined;
  }
}

function isPidName(name: string): boolean {
  if (name.length === 0 || name.length > 10) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
