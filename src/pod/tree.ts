// The process tree of one /proc scan, and the facts about it the pod model is built from.
import type { ProcessInfo } from '../proc/process-info.ts';
import type { ProcMountSource } from './pod.ts';

export interface ProcessTree {
  /** By pid, ascending. */
  sorted: ProcessInfo[];
  byPid: Map<number, ProcessInfo>;
  childrenOf: Map<number, ProcessInfo[]>;
  /** The cgroup a process counts in (see processTree). */
  cgroupOf(p: ProcessInfo): string | undefined;
}

export function processTree(processes: readonly ProcessInfo[], selfPid?: number): ProcessTree {
  const sorted = [...processes].sort((a, b) => a.pid - b.pid);
  const byPid = new Map(sorted.map((p) => [p.pid, p] as const));
  const childrenOf = new Map<number, ProcessInfo[]>();
  for (const p of sorted) {
    const siblings = childrenOf.get(p.ppid);
    if (siblings === undefined) childrenOf.set(p.ppid, [p]);
    else siblings.push(p);
  }
  // A process that has begun to exit (zombies too) has left its cgroup: the kernel reports it
  // elsewhere (the root, seen in the sandbox), which would make it a container of its own. It
  // belongs with its parent, which will reap it; PID 1 is no container's (the pod's infra)
  // unless it is jobdone itself (`docker run` without --init): then the orphans it inherits are
  // its container's, and their zombies were a phantom "sidecar container" of their own.
  const leftItsCgroup = (p: ProcessInfo): boolean => p.state === 'Z' || p.exiting === true;
  const cgroupOf = (p: ProcessInfo): string | undefined => {
    if (!leftItsCgroup(p)) return p.cgroup;
    const parent = byPid.get(p.ppid);
    const inAContainer = parent !== undefined && (parent.pid !== 1 || parent.pid === selfPid) && !leftItsCgroup(parent);
    return inAContainer ? parent.cgroup : p.cgroup;
  };
  return { sorted, byPid, childrenOf, cgroupOf };
}

export function ancestorsOf(self: ProcessInfo | undefined, byPid: ReadonlyMap<number, ProcessInfo>): Set<number> {
  const ancestors = new Set<number>();
  for (let p = self; p !== undefined && p.ppid !== 0 && !ancestors.has(p.ppid); p = byPid.get(p.ppid)) {
    ancestors.add(p.ppid);
  }
  return ancestors;
}
/** Fail closed: any sign that /proc shows less than the whole PID namespace (see Pod.pidNamespaceDoubt). */
export function doubtAboutPidNamespace(byPid: ReadonlyMap<number, ProcessInfo>, self: ProcessInfo | undefined, mount: ProcMountSource, hostPid: boolean): string | undefined {
  // The host PID namespace has its own guard and its own way out (--allow-host-pid).
  if (hostPid || self === undefined) return undefined;
  // Read only here: a look at the node's PID namespace (a host's start) skips the mount table.
  const { hidepid } = typeof mount === 'function' ? mount() : mount;
  if (hidepid !== undefined) return `/proc is mounted with hidepid=${hidepid}, so processes of other users are hidden`;
  if (!byPid.has(1)) return 'PID 1 is not visible (is /proc mounted with hidepid, or is this not a pod?)';
  return undefined;
}

/**
 * PID 2 is kthreadd only in the host's PID namespace; in a pod PID 2 is an ordinary process, and
 * any container's first process may call itself kthreadd (prctl) and empty its command line. So
 * the kernel's own mark decides (PF_KTHREAD, src/proc/parse.ts), not the name.
 */
export function isKthreadd(p: ProcessInfo | undefined): boolean {
  return p !== undefined && p.pid === 2 && p.ppid === 0 && p.kernelThread === true;
}

export function descendantsOf(root: number, childrenOf: ReadonlyMap<number, ProcessInfo[]>, includeRoot: boolean): Set<number> {
  const found = new Set<number>(includeRoot ? [root] : []);
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of childrenOf.get(pid) ?? []) {
      if (found.has(child.pid)) continue;
      found.add(child.pid);
      queue.push(child.pid);
    }
  }
  return found;
}
