// What to do with every process of the pod once the job has ended: pure, so `jobdone ps` can
// print it and tests can check each rule over fixture data.
import type { StopOptions } from '../config/config.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { shellComms, sidecarsOutOfReach, type Container, type Pod, type Role } from '../pod/pod.ts';
import { planWarnings } from './plan-warnings.ts';

export type NeverReason =
  | 'pid1'
  | 'self'
  | 'ancestor'
  | 'kernel'
  | 'own-container'
  /** The job is still running: its processes are its own business. */
  | 'job-running'
  | 'skip'
  | 'host-pid'
  /** /proc may not show the whole pod (Pod.pidNamespaceDoubt): nothing outside jobdone's own session is signalled. */
  | 'pid-namespace-unproven'
  | 'unknown-cgroup'
  | 'not-only'
  /** Already exited, waiting to be reaped: counts as gone. */
  | 'zombie'
  /** Its container is still being set up by the runtime (runc init): looked at again, signalled once it runs. */
  | 'starting'
  /** Its container is a declared native sidecar (--native-sidecar): the kubelet stops it after the job. */
  | 'native-sidecar';

export type Action<Reason = NeverReason> =
  | { kind: 'signal'; signal: string }
  /** In a targeted container but not signalled first: waited for, SIGKILLed at grace end. */
  | { kind: 'watch' }
  | { kind: 'never'; reason: Reason };

export interface PlannedProcess {
  process: ProcessInfo;
  role: Role;
  /** Short id of its container, when known. */
  container: string | undefined;
  action: Action;
}

/** A container to stop (a sidecar), or the job's leftovers. */
export interface PlannedGroup {
  kind: 'sidecar' | 'job';
  shortId: string;
  /** Whole cgroup text; '' for the job group (its processes are found by pid, not cgroup). */
  cgroup: string;
  processes: PlannedProcess[];
  /** At least one process gets a signal. */
  targeted: boolean;
}

export interface StopPlan {
  /** Every scanned process, by pid. */
  processes: PlannedProcess[];
  /** Sidecar containers (targeted or not) then the job's leftovers, if any. */
  groups: PlannedGroup[];
  warnings: string[];
  graceMs: number;
  noKill: boolean;
  dryRun: boolean;
}

export interface JobState {
  /** False while the job runs (e.g. `jobdone ps` during the job): its processes are not touched. */
  exited: boolean;
}

/**
 * 'starting': a container still in the runtime's init is left alone and looked at again;
 * 'stop': the wait is over (the grace period has passed), it is stopped like any other.
 */
export type RuntimeInitRule = 'starting' | 'stop';

export function planStop(pod: Pod, options: StopOptions, job: JobState = { exited: true }, runtimeInit: RuntimeInitRule = 'starting'): StopPlan {
  const actions = new Map<number, Action>();
  const hostPidBlocks = pod.hostPidNamespace && !options.allowHostPid;
  const signalOf = (p: ProcessInfo): string => options.signalFor.get(p.comm) ?? options.signal;
  const skipped = (p: ProcessInfo): boolean => matches(options.skip, p);

  for (const p of pod.processes) {
    const fixed = fixedAction(pod, p, job, hostPidBlocks);
    if (fixed !== undefined) actions.set(p.pid, fixed);
  }

  const groups: PlannedGroup[] = [];
  for (const container of pod.others) {
    const sidecars = container.processes.filter((p) => !actions.has(p.pid));
    const outOfReach = sidecarsOutOfReach(pod, options.allowHostPid);
    const decided = outOfReach !== undefined
      ? new Map(sidecars.map((p) => [p.pid, never(outOfReach)] as const))
      : planSidecar(container, sidecars, options, signalOf, skipped, runtimeInit);
    for (const [pid, action] of decided) actions.set(pid, action);
  }

  const planned = (p: ProcessInfo): PlannedProcess => ({
    process: p,
    role: pod.roleOf.get(p.pid) ?? 'unknown-cgroup',
    container: pod.containerOf.get(p.pid)?.shortId,
    action: actions.get(p.pid) ?? never('unknown-cgroup'),
  });

  // The job's leftovers: they must not outlive jobdone, and nothing else will stop them.
  const leftovers = pod.processes.filter((p) => pod.roleOf.get(p.pid) === 'job' && !actions.has(p.pid));
  for (const p of leftovers) actions.set(p.pid, skipped(p) ? never('skip') : { kind: 'signal', signal: signalOf(p) });

  for (const container of pod.others) {
    const processes = container.processes.filter((p) => pod.roleOf.get(p.pid) === 'sidecar').map(planned);
    groups.push({ kind: 'sidecar', shortId: container.shortId, cgroup: container.cgroup, processes, targeted: processes.some(isSignalled) });
  }
  if (leftovers.length > 0) {
    const processes = leftovers.map(planned);
    groups.push({ kind: 'job', shortId: pod.ownContainer?.shortId ?? 'job', cgroup: '', processes, targeted: processes.some(isSignalled) });
  }

  return {
    processes: pod.processes.map(planned),
    groups,
    warnings: planWarnings(pod, options, hostPidBlocks, groups),
    graceMs: options.graceMs,
    noKill: options.noKill,
    dryRun: options.dryRun,
  };
}

/** Rules that hold whatever the options say. */
function fixedAction(pod: Pod, p: ProcessInfo, job: JobState, hostPidBlocks: boolean): Action | undefined {
  const role = pod.roleOf.get(p.pid);
  switch (role) {
    case 'infra':
      return never('pid1');
    case 'self':
      return never('self');
    case 'ancestor':
      return never('ancestor');
    case 'kernel':
      return never('kernel');
    case 'own-container':
      return never('own-container');
    case 'unknown-cgroup':
    case undefined:
      return never('unknown-cgroup');
    case 'job':
      if (!job.exited) return never('job-running');
      if (p.state === 'Z') return never('zombie');
      return undefined;
    case 'sidecar':
      return p.state === 'Z' ? never('zombie') : undefined;
  }
}

/**
 * One sidecar container. By default the signal goes to its main process, as the kubelet would
 * send it, except when the main process is a shell with children: then the children get it, so
 * the script runs on and exits 0 by itself instead of dying of the signal (exit 143 would fail
 * the Job). That is the 2020 `pkill sleep` workaround, done for every such container.
 */
function planSidecar(
  container: Container,
  live: ProcessInfo[],
  options: StopOptions,
  signalOf: (p: ProcessInfo) => string,
  skipped: (p: ProcessInfo) => boolean,
  runtimeInit: RuntimeInitRule,
): Map<number, Action> {
  const decided = new Map<number, Action>();
  if (runtimeInit === 'starting' && live.some(isRuntimeInit)) {
    for (const p of live) decided.set(p.pid, never('starting'));
    return decided;
  }
  const liveSet = new Set(live);
  const liveMains = container.mains.filter((m) => liveSet.has(m));
  const native = (p: ProcessInfo): boolean => matches(options.nativeSidecar, p);
  if (liveMains.some(skipped) || liveMains.some(native)) {
    for (const p of live) decided.set(p.pid, never(liveMains.some(native) ? 'native-sidecar' : 'skip'));
    return decided;
  }
  const signalled = new Set<ProcessInfo>();
  if (options.only !== undefined) {
    for (const p of live) if (matches(options.only, p) && !skipped(p)) signalled.add(p);
    // `bash -c "sleep infinity; echo done"` matches `sleep` by its command line, like its sleep:
    // as by default, a shell whose children are signalled is left to finish its script (exit 0).
    for (const p of [...signalled]) {
      if (shellComms.has(p.comm) && live.some((child) => child.ppid === p.pid && signalled.has(child))) signalled.delete(p);
    }
  } else {
    for (const main of liveMains) {
      const children = shellComms.has(main.comm) ? live.filter((p) => p.ppid === main.pid && !skipped(p)) : [];
      for (const p of children.length > 0 ? children : [main]) signalled.add(p);
    }
  }
  const notTargeted = never(options.only !== undefined ? 'not-only' : 'skip');
  for (const p of live) {
    if (skipped(p)) decided.set(p.pid, never('skip'));
    else if (signalled.has(p)) decided.set(p.pid, { kind: 'signal', signal: signalOf(p) });
    else decided.set(p.pid, signalled.size > 0 ? { kind: 'watch' } : notTargeted);
  }
  return decided;
}

/**
 * --only/--skip match the comm or the whole command line joined by spaces, like `pkill -f`. The
 * pattern runs in linear time (src/config/parse.ts); the command line is as read from /proc,
 * at most maxCmdlineBytes (src/proc/scan.ts), so one match is bounded in time too.
 */
export function matches(pattern: RegExp | undefined, p: ProcessInfo): boolean {
  if (pattern === undefined) return false;
  pattern.lastIndex = 0;
  if (pattern.test(p.comm)) return true;
  if (p.cmdline === undefined || p.cmdline.length === 0) return false;
  pattern.lastIndex = 0;
  return pattern.test(p.cmdline.join(' '));
}

/**
 * The runtime's own process inside a container it is still starting: runc's init stage shows
 * as `runc:[2:INIT]` until it execs the container's command. Signalling it makes the container
 * fail to start (seen under podman); it is the container's real command that should get it.
 * comm is anyone's to choose (prctl), and a sidecar that named itself so was never stopped: runc
 * also runs its init as `runc init` (argv), which a sidecar's own command line is not; and the
 * wait ends with the grace period (RuntimeInitRule).
 */
export function isRuntimeInit(p: ProcessInfo): boolean {
  if (!/^runc:\[\d:/.test(p.comm)) return false;
  const argv = p.cmdline;
  return argv !== undefined && argv.length === 2 && argv[1] === 'init' && /(?:^|\/)runc[^/]*$/.test(argv[0]!);
}

function never(reason: NeverReason): Action {
  return { kind: 'never', reason };
}

function isSignalled(p: PlannedProcess): boolean {
  return p.action.kind === 'signal';
}
