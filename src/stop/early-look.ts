// One look at the pod while the job runs, so that the stop after the job's exit reads less. The
// stop's first look must read every process's cgroup and stat (by path: open, read, close) after
// the exit; with 50 sidecar processes that look was most of the time from the job's exit to the
// last signal (8 to 13 ms of 13 to 20, issue 21). Looked at early, those files are held open, and
// the stop's look reads each process it knows with two pread(2)s, in the same order and with the
// same meaning as a read by path (src/proc/held-files.ts); only processes started since are read by
// path. Read-only: it signals nothing, logs nothing, and what it saw decides nothing; the stop's
// own look after the exit does.
import type { RunConfig } from '../config/config.ts';
import { HeldFiles } from '../proc/held-files.ts';
import type { ProcFs } from '../proc/proc-fs.ts';
import { nodePidNamespace } from '../proc/scan.ts';
import { nodeProcFs } from '../proc/proc-fs.ts';
import { lookAtPod } from './look-at-pod.ts';

/**
 * The files of the pod's processes, held; undefined where the stop would not read them again: the
 * node's PID namespace (only the job's leftovers are stopped there, and a node runs hundreds of
 * processes), a PID namespace of jobdone's container alone, or a look that failed (it costs
 * speed only).
 */
export function lookEarly(config: Pick<RunConfig, 'procRoot' | 'stop'>, selfPid: number, fs: ProcFs = nodeProcFs): HeldFiles | undefined {
  const held = new HeldFiles();
  try {
    if (!nodePidNamespace(config.procRoot, fs)) {
      const { pod } = lookAtPod(config.stop, { procRoot: config.procRoot, selfPid, fs: fs === nodeProcFs ? undefined : fs, hold: held });
      if (pod.sharedPidNamespace && pod.pidNamespaceDoubt === undefined) return held;
    }
  } catch {
    // nothing held: the stop reads by path, as it would have
  }
  held.closeAll();
  return undefined;
}
