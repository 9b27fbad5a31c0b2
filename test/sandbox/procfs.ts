// Host-side reads of /proc about processes the sandbox started. This kernel has no
// /proc/<pid>/task/<pid>/children, so children are found by scanning PPids.
import { readdirSync, readFileSync } from 'node:fs';
import { readStatOnly } from '../../src/proc/scan.ts';

export interface ProcStat {
  readonly state: string;
  readonly ppid: number;
}

/** The parser jobdone itself uses (comm may hold spaces and parentheses). */
export function readStat(pid: number): ProcStat | undefined {
  return readStatOnly('/proc', pid);
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
