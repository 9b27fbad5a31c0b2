// One container (or the job's leftovers) while a stop runs: what is still alive in it, when it
// was signalled and emptied, how its endpoint answered, and its report line once settled.
import type { ProcessInfo } from '../proc/process-info.ts';
import type { GroupStop } from './phases.ts';
import { mainFirst } from './phases.ts';
import type { PlannedGroup, PlannedProcess } from './plan.ts';
import { howOf, type GroupReport, type Outcome } from './report.ts';

export interface Tracked {
  group: PlannedGroup;
  /** Signalled and watched processes not yet seen gone. */
  alive: Map<number, ProcessInfo>;
  state: 'running' | 'done' | 'eperm';
  outcome: Outcome | undefined;
  signalledAt: number | undefined;
  doneAt: number | undefined;
  /** Its phase, recognition's answer and its own endpoint (phases.ts). */
  stop: GroupStop | undefined;
  endpoint: 'answered' | 'failed' | undefined;
  /** Its main process as the first look saw it, and whether it had to be SIGKILLed. */
  main: ProcessInfo | undefined;
  mainKilled: boolean;
  /** Processes that appeared after its SIGKILL: a lineage changing pid may have escaped every look. */
  appearedAfterKill: number;
  /** When it got its SIGKILL round. */
  killedAt: number | undefined;
}

/** A declared native sidecar's container (--native-sidecar): the kubelet stops it, never jobdone. */
export function isNativeSidecar(group: PlannedGroup): boolean {
  return group.kind === 'sidecar' && group.processes.some((p) => p.action.kind === 'never' && p.action.reason === 'native-sidecar');
}

export function track(group: PlannedGroup, stop: GroupStop | undefined): Tracked {
  // A container left to the kubelet (a declared native sidecar) is never signalled nor waited for.
  const native = isNativeSidecar(group);
  const main = group.kind === 'sidecar' ? mainFirst(group)[0] : undefined;
  // Its command line is read now, while it runs (the scan reads it on first use): a container the
  // kubelet brings back after the stop is known by it (late-look.ts), and once stopped the main
  // has no command line left to read.
  if (group.targeted) void main?.cmdline;
  return {
    group,
    alive: new Map(group.processes.filter(isStopped).map((p) => [p.process.pid, p.process] as const)),
    state: group.targeted ? 'running' : 'done',
    outcome: group.targeted ? undefined : native ? 'kubelet' : 'skipped',
    signalledAt: undefined,
    doneAt: undefined,
    stop,
    endpoint: undefined,
    main,
    mainKilled: false,
    appearedAfterKill: 0,
    killedAt: undefined,
  };
}

export function isStopped(p: PlannedProcess): boolean {
  return p.action.kind === 'signal' || p.action.kind === 'watch';
}

export function plannedOf(t: Tracked, p: ProcessInfo): PlannedProcess {
  return t.group.processes.find((planned) => planned.process === p) ?? { process: p, role: 'sidecar', container: t.group.shortId, action: { kind: 'watch' } };
}

export function elapsed(t: Tracked, start: number): number {
  if (t.doneAt === undefined) return 0;
  return Math.round(t.doneAt - (t.signalledAt ?? start));
}

export function groupReport(t: Tracked, start: number): GroupReport {
  const outcome = t.outcome ?? 'still-running';
  const recognized = t.stop?.recognized;
  return {
    kind: t.group.kind,
    shortId: t.group.shortId,
    processes: t.group.processes.filter(isStopped).length,
    outcome,
    ms: elapsed(t, start),
    how: howOf(outcome, t.signalledAt !== undefined, t.endpoint === 'answered'),
    phase: t.stop?.phase,
    main: t.main === undefined ? undefined : { pid: t.main.pid, comm: t.main.comm },
    recognized: recognized === undefined ? undefined : { sidecar: recognized.sidecar, display: recognized.display, advice: recognized.advice, exitOnSignal: recognized.exitOnSignal },
    mainKilled: t.mainKilled || undefined,
  };
}
