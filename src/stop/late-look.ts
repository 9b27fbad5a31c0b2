// The late look: a job that ends quickly can end before a sidecar container has started (a slow
// image pull, a runtime that starts containers in parallel): that container is either still the
// runtime's init (not signalled, see isRuntimeInit) or not there at all at the first look. Such a
// container would outlive jobdone and hold the pod, so look again, until the budget's deadline,
// while one is starting. A new container whose main process has the command line of one this
// stop saw exit is the kubelet's restart of it (a native sidecar): it is left to the kubelet.
import type { Pod } from '../pod/pod.ts';
import type { Budget } from './budget.ts';
import { mainFirst, type PhasedStop } from './phases.ts';
import type { PlannedGroup, RuntimeInitRule, StopPlan } from './plan.ts';
import type { StopRun } from './stop-run.ts';

const startingPollMs = 20;

export type Look = (graceMs: number, runtimeInit?: RuntimeInitRule) => { pod: Pod; plan: StopPlan };

const isStarting = (p: StopPlan['processes'][number]): boolean => p.action.kind === 'never' && p.action.reason === 'starting';

/** How a late container is stopped (recognition's signal and phase); no shutdown call this late. */
export type Prepare = (groups: PlannedGroup[]) => Pick<PhasedStop, 'groups' | 'stopOf'>;

/** Stops, until the deadline, the containers that were starting or absent at the first look. */
export async function lookLate(run: StopRun, budget: Budget, look: Look, prepare: Prepare): Promise<void> {
  const { port } = run;
  const seen = new Set(run.tracked.filter((t) => !t.group.processes.every(isStarting)).map((t) => t.group.cgroup));
  const restarts = new Restarts(run);
  const previous = new Map<string, string>();
  let waiting = run.plan.processes.some(isStarting);
  while (port.now() < budget.deadline) {
    const { plan } = look(Math.round(budget.left(port.now())));
    const unseen = plan.groups.filter((group) => group.kind === 'sidecar' && !seen.has(group.cgroup));
    let settling = false;
    const ready: PlannedGroup[] = [];
    for (const group of unseen) {
      if (restarts.claim(group)) seen.add(group.cgroup);
      else if (!group.targeted) continue;
      else if (previous.get(group.cgroup) !== identity(group)) settling = true;
      else ready.push(group);
    }
    for (const group of unseen) previous.set(group.cgroup, identity(group));
    if (ready.length > 0) {
      run.log.info(`${ready.length} container(s) started after the first look; stopping them too`);
      startStopping(run, ready, prepare, seen);
    }
    waiting = settling || unseen.some((group) => !seen.has(group.cgroup) && group.processes.some(isStarting));
    if (!waiting) return;
    await port.sleep(startingPollMs);
  }
  if (waiting) stopStillStarting(run, look, prepare, seen, restarts);
}

/**
 * The grace period is over and a container still shows the runtime's init: whatever it is, it
 * does not get to outlive jobdone. Signalled now, SIGKILLed at once by the end of the grace.
 */
function stopStillStarting(run: StopRun, look: Look, prepare: Prepare, seen: Set<string>, restarts: Restarts): void {
  const { plan: last } = look(0, 'stop');
  const still = last.groups.filter((group) => group.kind === 'sidecar' && group.targeted && !seen.has(group.cgroup) && !restarts.claim(group));
  if (still.length === 0) return;
  run.log.warn(`${still.length} container(s) still in the runtime's init when the grace period ended; stopping them now`);
  startStopping(run, still, prepare, seen);
}

function startStopping(run: StopRun, groups: PlannedGroup[], prepare: Prepare, seen: Set<string>): void {
  const prepared = prepare(groups);
  for (const group of prepared.groups) {
    seen.add(group.cgroup);
    run.signal(run.add(group, prepared.stopOf.get(group)));
  }
}

/** A container acts only once its main process is the same at two looks: one still being set up (an exec chain) is not its command yet. */
function identity(group: PlannedGroup): string {
  const main = mainFirst(group)[0];
  return main === undefined ? '' : `${main.pid} ${main.startTime} ${(main.cmdline ?? []).join('\0')}`;
}

/** The containers this stop saw gone, by their main process's command line; each can be restarted once. */
class Restarts {
  private readonly claimed = new Set<string>();

  constructor(private readonly run: StopRun) {}

  claim(group: PlannedGroup): boolean {
    const command = commandOf(group);
    if (command === undefined) return false;
    const original = this.run.tracked.find((t) => t.group.kind === 'sidecar' && t.group.targeted && t.state === 'done' && !this.claimed.has(t.group.cgroup) && commandOf(t.group) === command);
    if (original === undefined) return false;
    this.claimed.add(original.group.cgroup);
    const main = mainFirst(group)[0]!;
    this.run.log.info(
      `container ${group.shortId} runs ${JSON.stringify(main.comm)} again, as ${original.group.shortId} did before it was stopped: the kubelet restarted it (a native sidecar); leaving it to the kubelet, not waiting for it`,
      { container: group.shortId, pid: main.pid, comm: main.comm, outcome: 'kubelet' },
    );
    this.run.add(group, undefined, 'kubelet');
    return true;
  }
}

function commandOf(group: PlannedGroup): string | undefined {
  const argv = mainFirst(group)[0]?.cmdline;
  return argv === undefined || argv.length === 0 ? undefined : argv.join('\0');
}
