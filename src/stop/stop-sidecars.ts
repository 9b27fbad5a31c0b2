// The whole stop by signals, in order: look at the pod, carry out the plan, then look once more
// for containers that were still starting or started late, while the grace period lasts.
import type { StopOptions } from '../config/config.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { execute, type ExecuteContext } from './execute.ts';
import { stopLateContainers, type Look } from './late-look.ts';
import { lookAtPod, type LookAt } from './look-at-pod.ts';
import type { PlannedGroup, StopPlan } from './plan.ts';
import { portOf } from './port.ts';
import type { StopReport } from './report.ts';

export interface StopContext extends ExecuteContext, LookAt {}

/** Called once the job has exited: stops the pod's other containers and the job's leftovers. */
export async function stopSidecars(options: StopOptions, ctx: StopContext): Promise<StopReport> {
  const port = portOf(ctx);
  const deadline = port.now() + options.graceMs;
  const look: Look = (graceMs, runtimeInit = 'starting') => lookAtPod({ ...options, graceMs }, ctx, runtimeInit);
  const { pod, plan: first } = look(options.graceMs);
  // A group's processes now, by the same rules as the first look (what a fresh plan would stop).
  // Groups that finish in the same poll round share one look instead of a scan each.
  let recent: { at: number; plan: StopPlan } | undefined;
  const membersNow = (group: PlannedGroup): ProcessInfo[] => {
    if (recent === undefined || port.now() - recent.at > 2) recent = { at: port.now(), plan: look(0).plan };
    const same = recent.plan.groups.find((g) => g.kind === group.kind && g.cgroup === group.cgroup);
    return (same?.processes ?? []).filter((p) => p.action.kind === 'signal' || p.action.kind === 'watch').map((p) => p.process);
  };
  const withMembers = { ...ctx, membersNow };
  const report = await execute(first, withMembers);
  // No second look where no sidecar can be stopped anyway: it would only cost another scan.
  if (options.dryRun || !pod.sharedPidNamespace || (pod.hostPidNamespace && !options.allowHostPid) || pod.pidNamespaceDoubt !== undefined) return report;
  return stopLateContainers(first, report, deadline, look, withMembers, port);
}
