// The late look: a job that ends quickly can end before a sidecar container has started (a slow
// image pull, a runtime that starts containers in parallel): that container is either still the
// runtime's init (not signalled, see isRuntimeInit) or not there at all at the first look. Such a
// container would outlive jobdone and hold the pod, so look again until none is starting.
import type { Pod } from '../pod/pod.ts';
import { execute, type ExecuteContext } from './execute.ts';
import type { RuntimeInitRule, StopPlan } from './plan.ts';
import type { StopPort } from './port.ts';
import { mergeReports, type StopReport } from './report.ts';

const startingPollMs = 20;

export type Look = (graceMs: number, runtimeInit?: RuntimeInitRule) => { pod: Pod; plan: StopPlan };

const isStarting = (p: StopPlan['processes'][number]): boolean => p.action.kind === 'never' && p.action.reason === 'starting';

/** Stops, until the deadline, the containers that were starting or absent at the first look. */
export async function stopLateContainers(first: StopPlan, report: StopReport, deadline: number, look: Look, ctx: ExecuteContext, port: StopPort): Promise<StopReport> {
  const seen = new Set(first.groups.filter((group) => !group.processes.every(isStarting)).map((group) => group.cgroup));
  let waitingForInit = first.processes.some(isStarting);
  while (port.now() < deadline) {
    const { plan } = look(Math.max(0, Math.round(deadline - port.now())));
    const late = plan.groups.filter((group) => group.kind === 'sidecar' && group.targeted && !seen.has(group.cgroup));
    if (late.length > 0) {
      ctx.log.info(`${late.length} container(s) started after the first look; stopping them too`);
      for (const group of late) seen.add(group.cgroup);
      report = mergeReports(report, await execute({ ...plan, groups: late, warnings: [] }, { ...ctx, waitBeforeSignalMs: 0 }));
    } else if (!plan.processes.some(isStarting)) {
      waitingForInit = false;
      break;
    } else {
      waitingForInit = true;
      await port.sleep(startingPollMs);
    }
  }
  if (!waitingForInit) return report;
  return stopStillStarting(report, seen, look, ctx);
}

/**
 * The grace period is over and a container still shows the runtime's init: whatever it is, it
 * does not get to outlive jobdone. Stopped now like any container, with no grace left.
 */
async function stopStillStarting(report: StopReport, seen: Set<string>, look: Look, ctx: ExecuteContext): Promise<StopReport> {
  const { plan: last } = look(0, 'stop');
  const stillStarting = last.groups.filter((group) => group.kind === 'sidecar' && group.targeted && !seen.has(group.cgroup));
  if (stillStarting.length === 0) return report;
  ctx.log.warn(`${stillStarting.length} container(s) still in the runtime's init when the grace period ended; stopping them now`);
  return mergeReports(report, await execute({ ...last, groups: stillStarting, warnings: [] }, { ...ctx, waitBeforeSignalMs: 0 }));
}
