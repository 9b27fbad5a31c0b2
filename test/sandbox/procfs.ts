// Host-side reads of /proc about processes the sandbox started. This kernel has no
// /proc/<pid>/task/<pid>/children, so children are found by scanning PPids.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly state: string;
  readonly ppid: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: the fields we want follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const ppid = Number(fields[1]);
  if (state === undefined || !Number.isInteger(ppid)) return undefined;
  return { state, ppid };
}

/** Running (not zombie, not dead) with the given parent, so a recycled PID is not mistaken for it. */
export function isRunningChildOf(pid: number, ppid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.ppid === ppid && stat.state !== 'Z' && stat.state !== 'X';
}

export function childrenOf(ppid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (readStat(pid)?.ppid === ppid) children.push(pid);
  }
  return children;
}

/** The PID of a host process as seen in the innermost PID namespace it belongs to (the pod's). */
export function innermostPid(hostPid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${hostPid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('NSpid:'));
  const last = line?.trim().split(/\s+/).at(-1);
  return last === undefined ? undefined : Number(last);
}

export function readComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
