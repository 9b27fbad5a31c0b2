// The whole stop, as one function of named phases over one budget: look at the pod, recognise
// its sidecars and put them in --stop-order's phases (senders, then proxies), stop each phase
// (its endpoints, then signals), look once more for containers that started late or were
// restarted by the kubelet, then SIGKILL what is left when the grace ends (execute.ts).
import type { StopOptions } from '../config/config.ts';
import type { ShutdownCall } from '../config/gates.ts';
import type { ProcMountView } from '../pod/pod.ts';
import { HeldFiles } from '../proc/held-files.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { readListeningSockets } from '../recognize/listening.ts';
import { recognizeContainer, type ListeningSocket } from '../recognize/recognize.ts';
import { Budget } from './budget.ts';
import { execute, type ExecuteContext } from './execute.ts';
import { lookLate, type Look } from './late-look.ts';
import { lookAtPod, procMountOf, type LookAt } from './look-at-pod.ts';
import { phasesOf, type PhaseInputs } from './phases.ts';
import type { PlannedGroup, StopPlan } from './plan.ts';
import { portOf } from './port.ts';
import type { StopReport } from './report.ts';

export interface StopContext extends ExecuteContext, LookAt {
  /** Shutdown calls from the options (presets, --shutdown-http); each is made in its container's phase. */
  calls?: readonly ShutdownCall[];
  /** When the stop began (its budget starts then); default: now. */
  startedAt?: number;
  /** The pod's listening sockets (recognition's ports); default: <procRoot>/net/tcp{,6}. */
  listening?: () => ListeningSocket[];
}

/** Called once the job has exited: stops the pod's other containers and the job's leftovers. */
export async function stopSidecars(options: StopOptions, ctx: StopContext): Promise<StopReport> {
  const port = portOf(ctx);
  const budget = new Budget(ctx.startedAt ?? port.now(), options.graceMs);
  // The proc mount is jobdone's own and read once, when a look needs it: the looks that follow
  // come every few ms, and one of the node's PID namespace does not need it at all.
  let mount: ProcMountView | undefined;
  // Every look's files stay open for the checks before each signal and poll, and for the looks
  // after it; the first reads those the look while the job ran held, where there was one.
  const held = ctx.held ?? new HeldFiles();
  const at: LookAt = { ...ctx, hold: held, mount: ctx.mount ?? (() => (mount ??= procMountOf(ctx))) };
  const look: Look = (graceMs, runtimeInit = 'starting') => lookAtPod({ ...options, graceMs }, at, runtimeInit);
  const { pod, plan: first } = lookAtPod(options, at);
  ctx.log.debug(`first look: ${pod.processes.length} processes, ${held.hits} of them read from the files held since the job ran`);
  const inputs = phaseInputs(options, ctx);
  const phased = phasesOf(first.groups, inputs);
  const plan: StopPlan = { ...first, groups: phased.groups };
  const lateInputs = { ...inputs, calls: [] };
  // No second look where no sidecar can be stopped anyway: it would only cost another scan.
  const lateLookUseful = !options.dryRun && pod.sharedPidNamespace && !(pod.hostPidNamespace && !options.allowHostPid) && pod.pidNamespaceDoubt === undefined;
  try {
    return await execute(plan, { ...ctx, held, membersNow: membersNowOf(look, port.now) }, {
      ...phased,
      budget,
      lateLook: lateLookUseful ? (run) => lookLate(run, budget, look, (groups) => phasesOf(groups, lateInputs)) : undefined,
    });
  } finally {
    held.closeAll();
  }
}

export function phaseInputs(options: StopOptions, ctx: Pick<StopContext, 'procRoot' | 'fs' | 'calls' | 'listening'>): PhaseInputs {
  let listening: ListeningSocket[] | undefined;
  const sockets = (): ListeningSocket[] => (listening ??= ctx.listening?.() ?? readListeningSockets(ctx.procRoot, ctx.fs === undefined ? undefined : { readText: (path) => ctx.fs!.readText(path) }));
  return {
    order: options.stopOrder,
    calls: ctx.calls ?? [],
    signalFor: options.signalFor,
    // A function, not the list: /proc/net/tcp{,6} costs the kernel a walk of its whole TCP hash
    // table (about 10 ms each here, whatever the pod holds), so recognition reads it only when a
    // recognised sidecar's endpoint port must be checked, once per stop.
    recognize: options.recognize ? (processes) => recognizeContainer(processes, sockets) : undefined,
  };
}

/**
 * A group's processes now, by the same rules as the first look (what a fresh plan would stop),
 * except that nothing in a container being stopped counts as "starting": a process that renamed
 * itself runc:[2:INIT] after SIGTERM is in it all the same. Groups that finish in the same poll
 * round share one look instead of a scan each, unless a fresh one is asked for.
 */
function membersNowOf(look: Look, now: () => number): (group: PlannedGroup, fresh?: boolean) => ProcessInfo[] {
  let recent: { at: number; plan: StopPlan } | undefined;
  return (group, fresh = false) => {
    if (fresh || recent === undefined || now() - recent.at > 2) recent = { at: now(), plan: look(0, 'stop').plan };
    const same = recent.plan.groups.find((g) => g.kind === group.kind && g.cgroup === group.cgroup);
    return (same?.processes ?? []).filter((p) => p.action.kind === 'signal' || p.action.kind === 'watch').map((p) => p.process);
  };
}
