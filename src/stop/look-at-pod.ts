// One look at the pod: scan /proc, tell the containers apart, plan. A run stops what it shows;
// `jobdone ps` prints the same plan.
import type { StopOptions } from '../config/config.ts';
import { buildPod, type Pod, type ProcMountSource, type ProcMountView } from '../pod/pod.ts';
import type { HeldFiles } from '../proc/held-files.ts';
import { readProcMount } from '../proc/mount.ts';
import type { ProcFs } from '../proc/proc-fs.ts';
import { scanProcesses } from '../proc/scan.ts';
import { planStop, type RuntimeInitRule, type StopPlan } from './plan.ts';

export interface LookAt {
  procRoot: string;
  selfPid: number;
  /** The job's pid; its leftovers are stopped too. */
  jobPid?: number | undefined;
  /** When the job exited, in clock ticks since boot (src/proc/clock.ts); see PodIdentity. */
  jobExitedAt?: number | undefined;
  /** Another /proc than the real one (an in-memory pod); then no mount is read either. */
  fs?: ProcFs | undefined;
  /** The proc mount, read at most once for a whole stop (its looks repeat every few ms); default: read when needed. */
  mount?: ProcMountSource | undefined;
  /** Keeps the stat and cgroup files this look reads open, and reads those an earlier look kept (src/proc/held-files.ts). */
  hold?: HeldFiles | undefined;
}

export function lookAtPod(options: StopOptions, at: LookAt, runtimeInit: RuntimeInitRule = 'starting'): { pod: Pod; plan: StopPlan } {
  const pod = buildPod(scanProcesses(at.procRoot, at.fs, at.hold), { selfPid: at.selfPid, jobPid: at.jobPid, jobExitedAt: at.jobExitedAt }, at.mount ?? (() => procMountOf(at)));
  return { pod, plan: planStop(pod, options, { exited: true }, runtimeInit) };
}

/** How the proc root is mounted (hidepid), or nothing to say for an in-memory /proc. */
export function procMountOf(at: Pick<LookAt, 'procRoot' | 'fs'>): ProcMountView {
  return at.fs === undefined ? readProcMount(at.procRoot) : {};
}
