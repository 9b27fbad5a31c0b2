// The whole stop, in order: read /proc, tell the containers apart, decide, act; then look once
// more for containers that were still starting or started late, while the grace period lasts.
import type { StopOptions } from '../config/config.ts';
import { buildPod, type Pod } from '../pod/pod.ts';
import { readProcMount } from '../proc/mount.ts';
import { scanProcesses } from '../proc/scan.ts';
import { execute, type ExecuteContext, type StopReport } from './execute.ts';
import { planStop, type PlannedGroup, type RuntimeInitRule, type StopPlan } from './plan.ts';
import type { ProcessInfo } from '../proc/process-info.ts';

export interface StopContext extends ExecuteContext {
  selfPid: number;
  /** The job's pid; its leftovers are stopped too. */
  jobPid?: number | undefined;
  /** When the job exited, in clock ticks since boot (src/proc/clock.ts); see PodIdentity. */
  jobExitedAt?: number | undefined;
}

const startingPollMs = 20;

/** One look at the pod: scan /proc, tell the containers apart, plan. `jobdone ps` prints the same plan. */
export function lookAtPod(
  options: StopOptions,
  at: { procRoot: string; selfPid: number; jobPid?: number | undefined; jobExitedAt?: number | undefined; fs?: ExecuteContext['fs'] },
  runtimeInit: RuntimeInitRule = 'starting',
): { pod: Pod; plan: StopPlan } {
  const pod = buildPod(scanProcesses(at.procRoot, at.fs), { selfPid: at.selfPid, jobPid: at.jobPid, jobExitedAt: at.jobExitedAt }, at.fs === undefined ? readProcMount(at.procRoot) : {});
  return { pod, plan: planStop(pod, options, { exited: true }, runtimeInit) };
}

/** Called once the job has exited: stops the pod's other containers and the job's leftovers. */
export async function stopSidecars(options: StopOptions, ctx: StopContext): Promise<StopReport> {
  const now = ctx.now ?? (() => performance.now());
  const deadline = now() + options.graceMs;
  const look = (graceMs: number, runtimeInit: RuntimeInitRule = 'starting'): { pod: Pod; plan: StopPlan } => lookAtPod({ ...options, graceMs }, ctx, runtimeInit);
  const { pod, plan: first } = look(options.graceMs);
  // A group's processes now, by the same rules as the first look (what a fresh plan would stop).
  // Groups that finish in the same poll round share one look instead of a scan each.
  let recent: { at: number; plan: StopPlan } | undefined;
  const membersNow = (group: PlannedGroup): ProcessInfo[] => {
    if (recent === undefined || now() - recent.at > 2) recent = { at: now(), plan: look(0).plan };
    const same = recent.plan.groups.find((g) => g.kind === group.kind && g.cgroup === group.cgroup);
    return (same?.processes ?? []).filter((p) => p.action.kind === 'signal' || p.action.kind === 'watch').map((p) => p.process);
  };
  ctx = { ...ctx, membersNow };
  let report = await execute(first, ctx);
  // No second look where no sidecar can be stopped anyway: it would only cost another scan.
  if (options.dryRun || !pod.sharedPidNamespace || (pod.hostPidNamespace && !options.allowHostPid) || pod.pidNamespaceDoubt !== undefined) return report;

  // A job that ends quickly can end before a sidecar container has started (a slow image pull,
  // a runtime that starts containers in parallel): that container is either still the runtime's
  // init (not signalled, see isRuntimeInit) or not there at all at the first look. Such a
  // container would outlive jobdone and hold the pod, so look again until none is starting.
  const isStarting = (p: StopPlan['processes'][number]): boolean => p.action.kind === 'never' && p.action.reason === 'starting';
  const seen = new Set(first.groups.filter((group) => !group.processes.every(isStarting)).map((group) => group.cgroup));
  let waitingForInit = first.processes.some(isStarting);
  while (now() < deadline) {
    const { plan } = look(Math.max(0, Math.round(deadline - now())));
    const late = plan.groups.filter((group) => group.kind === 'sidecar' && group.targeted && !seen.has(group.cgroup));
    if (late.length > 0) {
      ctx.log.info(`${late.length} container(s) started after the first look; stopping them too`);
      for (const group of late) seen.add(group.cgroup);
      report = merge(report, await execute({ ...plan, groups: late, warnings: [] }, { ...ctx, waitBeforeSignalMs: 0 }));
    } else if (!plan.processes.some(isStarting)) {
      waitingForInit = false;
      break;
    } else {
      waitingForInit = true;
      await new Promise((resolve) => setTimeout(resolve, startingPollMs));
    }
  }
  // The grace period is over and a container still shows the runtime's init: whatever it is, it
  // does not get to outlive jobdone. Stopped now like any container, with no grace left.
  if (!waitingForInit) return report;
  const { plan: last } = look(0, 'stop');
  const stillStarting = last.groups.filter((group) => group.kind === 'sidecar' && group.targeted && !seen.has(group.cgroup));
  if (stillStarting.length > 0) {
    ctx.log.warn(`${stillStarting.length} container(s) still in the runtime's init when the grace period ended; stopping them now`);
    report = merge(report, await execute({ ...last, groups: stillStarting, warnings: [] }, { ...ctx, waitBeforeSignalMs: 0 }));
  }
  return report;
}

function merge(a: StopReport, b: StopReport): StopReport {
  const totals = { ...a.totals };
  for (const [outcome, n] of Object.entries(b.totals) as Array<[keyof StopReport['totals'], number]>) totals[outcome] += n;
  return { groups: [...a.groups, ...b.groups], totals, ms: a.ms + b.ms, warnings: a.warnings };
}
