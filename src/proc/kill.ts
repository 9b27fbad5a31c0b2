// The one way jobdone sends a signal. kill(2) gives 0, 1 and -1 meanings that are never a
// process of the pod: 0 is jobdone's own process group (it killed itself when a hostile
// --proc-root listed a /proc/0), -1 is every process it may signal, 1 is the pod's infra process,
// whose death tears the pod down. Whatever a scan or a caller says, those never reach kill(2);
// a negative pid below -1 is a process group (the job's, for --timeout) and is allowed.

/** Throws like process.kill; code EINVAL for a target jobdone never signals. */
export function sendSignal(target: number, signal: string | number): void {
  if (!isSignallableTarget(target)) {
    throw Object.assign(new Error(`refusing to signal pid ${String(target)}: 0, 1, -1 and non-integers are never signalled`), { code: 'EINVAL' });
  }
  process.kill(target, signal);
}

export function isSignallableTarget(target: number): boolean {
  return Number.isSafeInteger(target) && Math.abs(target) > 1;
}
