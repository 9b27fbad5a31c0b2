// Carries out a StopPlan: signal, watch until the targeted containers are gone, SIGKILL what is
// left when the grace period ends, and report. Every signal is preceded by a fresh read of the
// pid's stat: a pid whose start time changed belongs to another process now and is never signalled.
import type { Logger } from '../log/logger.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { nodeProcFs, type ProcFs } from '../proc/proc-fs.ts';
import { isSignallableTarget, sendSignal } from '../proc/kill.ts';
import { readStatOnly } from '../proc/scan.ts';
import type { PlannedGroup, PlannedProcess, StopPlan } from './plan.ts';

export type Outcome = 'exited' | 'killed' | 'eperm' | 'still-running' | 'skipped' | 'dry-run';

export interface GroupReport {
  kind: 'sidecar' | 'job';
  shortId: string;
  /** Processes stopped and waited for (signalled or watched). */
  processes: number;
  outcome: Outcome;
  /** From the first signal (or from the start, if it exited before any) until it was gone. */
  ms: number;
}

export interface StopReport {
  groups: GroupReport[];
  totals: Record<Outcome, number>;
  /** From the start of execute until the last group was settled. */
  ms: number;
  warnings: string[];
}

export interface ExecuteContext {
  procRoot: string;
  log: Logger;
  /** Sends a signal ('SIGTERM'); throws an error with code ESRCH/EPERM like process.kill. */
  kill?: (pid: number, signal: string) => void;
  now?: () => number;
  /** Wait this long for targeted containers to exit on their own before signalling. */
  waitBeforeSignalMs?: number;
  /**
   * Only containers with a process of one of these comms wait (those whose shutdown endpoint
   * answered, e.g. pilot-agent); the others are signalled at once. Unset: every container waits.
   */
  waitOnlyFor?: ReadonlySet<string>;
  /** After SIGKILL, how long to wait for the processes to be gone (and to SIGKILL newcomers). */
  confirmMs?: number;
  /**
   * A targeted group's processes as /proc shows them now (its container's cgroup, or the job's
   * leftovers), as a fresh plan would stop them. Without it only the first look's processes are
   * tracked: a container that forks, or daemonizes on SIGTERM, was reported stopped with
   * processes still in it.
   */
  membersNow?: (group: PlannedGroup) => ProcessInfo[];
  /** During the grace period, one line this often naming what still runs (default 5 s). */
  progressEveryMs?: number;
  fs?: ProcFs;
}

const firstPollMs = 2;
const maxPollMs = 50;
const defaultConfirmMs = 1000;
const defaultProgressMs = 5000;

interface Tracked {
  group: PlannedGroup;
  /** Signalled and watched processes not yet seen gone. */
  alive: Map<number, ProcessInfo>;
  state: 'running' | 'done' | 'eperm';
  outcome: Outcome | undefined;
  signalledAt: number | undefined;
  doneAt: number | undefined;
}

export async function execute(plan: StopPlan, ctx: ExecuteContext): Promise<StopReport> {
  const now = ctx.now ?? (() => performance.now());
  const kill = ctx.kill ?? sendSignal;
  const fs = ctx.fs ?? nodeProcFs;
  const { log } = ctx;
  const start = now();

  for (const warning of plan.warnings) log.warn(warning);
  const tracked: Tracked[] = plan.groups.map((group) => ({
    group,
    alive: new Map(group.processes.filter(isStopped).map((p) => [p.process.pid, p.process] as const)),
    state: group.targeted ? 'running' : 'done',
    outcome: group.targeted ? undefined : 'skipped',
    signalledAt: undefined,
    doneAt: undefined,
  }));
  for (const t of tracked) logGroup(log, t.group, plan.dryRun);

  if (plan.dryRun) {
    for (const t of tracked) {
      if (t.state !== 'running') continue;
      for (const p of t.group.processes) {
        if (p.action.kind === 'signal') log.info(`dry run: would send SIG${p.action.signal}`, fieldsOf(p, t.group, { signal: p.action.signal }));
      }
      t.outcome = 'dry-run';
      t.state = 'done';
    }
    const result = report(plan, tracked, start, now);
    log.info(`dry run: would stop ${result.totals['dry-run']} container(s); nothing was sent`, { ms: result.ms });
    return result;
  }

  const isGone = (p: ProcessInfo): boolean => stateNow(ctx.procRoot, p, fs) !== 'alive';
  let killing = false;
  /**
   * A container is stopped when it is empty, not when the processes of the first look are gone:
   * when those are, look at the container again and track what is in it now (a daemon forked on
   * SIGTERM, children forked since). Once the grace period is over, newcomers get SIGKILL at once.
   */
  const adoptNewcomers = (t: Tracked): void => {
    if (ctx.membersNow === undefined || t.state !== 'running') return;
    for (const p of ctx.membersNow(t.group)) {
      if (t.alive.has(p.pid) || isGone(p)) continue;
      t.alive.set(p.pid, p);
      log.debug(`${p.pid} ${p.comm} appeared in ${t.group.shortId} after the first look; tracking it`, fieldsOf(plannedOf(t, p), t.group, {}));
      if (killing && !send(t, plannedOf(t, p), 'KILL', ': appeared in a container being killed')) t.state = 'eperm';
    }
  };
  const refresh = (t: Tracked): void => {
    for (const [pid, p] of t.alive) if (isGone(p)) t.alive.delete(pid);
    if (t.alive.size === 0) adoptNewcomers(t);
    if (t.alive.size === 0) {
      t.state = 'done';
      t.doneAt = now();
    }
  };
  const running = (): Tracked[] => tracked.filter((t) => t.state === 'running');

  /** Signals one process unless it is gone; false when the container cannot be signalled (EPERM). */
  const send = (t: Tracked, planned: PlannedProcess, signal: string, why = ''): boolean => {
    const p = planned.process;
    // Checked here as well as in sendSignal, so an injected kill is held to it too; only a pid
    // above 1 is a process of the pod (a scan of a hostile --proc-root may list 0 or 1).
    if (p.pid <= 1 || !isSignallableTarget(p.pid)) {
      t.alive.delete(p.pid);
      log.error(`not sending SIG${signal} to pid ${p.pid}: only a pid above 1 can be a process of the pod`, fieldsOf(planned, t.group, { signal, outcome: 'refused' }));
      return true;
    }
    const state = stateNow(ctx.procRoot, p, fs);
    if (state !== 'alive') {
      t.alive.delete(p.pid);
      const why = state === 'reused' ? `pid ${p.pid} now belongs to another process (its start time changed)` : `already ${state}`;
      log.debug(`not sending SIG${signal}: ${why}`, fieldsOf(planned, t.group, { signal, outcome: state }));
      return true;
    }
    // The scan reads uid on first use (src/proc/scan.ts); read it before the signal, since a
    // process that exits at once could no longer tell it to the log line.
    void p.uid;
    try {
      kill(p.pid, `SIG${signal}`);
      log.info(`sent SIG${signal}${why}`, fieldsOf(planned, t.group, { signal }));
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') {
        t.alive.delete(p.pid);
        return true;
      }
      if (code === 'EPERM') {
        const uid = p.uid === undefined ? 'its uid' : `uid ${p.uid}`;
        log.error(
          `cannot send SIG${signal} to pid ${p.pid} (${p.comm}, ${uid}): permission denied; ` +
            `run the job container as root (which has CAP_KILL by default), or as ${uid}, ` +
            'or stop this sidecar through its shutdown endpoint. Not waiting for this container',
          fieldsOf(planned, t.group, { signal, outcome: 'eperm' }),
        );
        return false;
      }
      log.error(`sending SIG${signal} failed: ${(error as Error).message}`, fieldsOf(planned, t.group, { signal, outcome: 'error' }));
      return true;
    }
  };

  const signal = (t: Tracked): void => {
    t.signalledAt = now();
    for (const planned of t.group.processes) {
      if (planned.action.kind !== 'signal') continue;
      if (!send(t, planned, planned.action.signal)) t.state = 'eperm';
    }
    if (t.state === 'eperm') {
      t.outcome = 'eperm';
      logOutcome(log, t, start);
    }
  };

  const waitBefore = ctx.waitBeforeSignalMs ?? 0;
  if (waitBefore > 0) {
    // A log shipper beside a proxy that was asked to quit has nothing to wait for.
    const waits = (t: Tracked): boolean => ctx.waitOnlyFor === undefined || t.group.processes.some((p) => ctx.waitOnlyFor!.has(p.process.comm));
    for (const t of running()) if (!waits(t)) signal(t);
    await pollUntilSettled(start + waitBefore);
    for (const t of tracked) {
      if (t.outcome === undefined && t.state === 'done') {
        t.outcome = 'exited';
        logOutcome(log, t, start);
      }
    }
  }

  for (const t of running()) if (t.signalledAt === undefined) signal(t);

  const signalledAt = now();
  await pollUntilSettled(signalledAt + plan.graceMs, ctx.progressEveryMs ?? defaultProgressMs);
  for (const t of tracked) {
    if (t.state === 'done' && t.outcome === undefined) {
      t.outcome = 'exited';
      logOutcome(log, t, start);
    }
  }

  const left = running();
  if (left.length > 0 && plan.noKill) {
    for (const t of left) {
      t.outcome = 'still-running';
      adoptNewcomers(t);
      for (const p of t.alive.values()) {
        log.warn(`still running after the ${plan.graceMs} ms grace period; not killed (--no-kill)`, fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
      }
      t.state = 'done';
      logOutcome(log, t, start);
    }
  } else if (left.length > 0) {
    killing = true;
    for (const t of left) {
      // What the container holds now, not only what the first look saw: children forked during
      // the grace period would otherwise outlive their killed parent.
      adoptNewcomers(t);
      for (const p of [...t.alive.values()]) {
        if (!send(t, plannedOf(t, p), 'KILL', `: still running after the ${plan.graceMs} ms grace period`)) t.state = 'eperm';
      }
      if (t.state === 'eperm') {
        t.outcome = 'eperm';
        logOutcome(log, t, start);
      }
    }
    await pollUntilSettled(now() + (ctx.confirmMs ?? defaultConfirmMs));
    for (const t of left) {
      if (t.outcome !== undefined) continue;
      t.outcome = t.state === 'done' ? 'killed' : 'still-running';
      if (t.state !== 'done') {
        for (const p of t.alive.values()) log.error('still running after SIGKILL', fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
        t.state = 'done';
      }
      logOutcome(log, t, start);
    }
  }

  const result = report(plan, tracked, start, now);
  logSummary(log, result);
  return result;

  /** Polls the running groups with a short, growing interval until all are settled or the deadline. */
  async function pollUntilSettled(deadline: number, progressEveryMs?: number): Promise<void> {
    let delay = firstPollMs;
    let nextProgress = progressEveryMs === undefined ? Infinity : now() + progressEveryMs;
    for (;;) {
      for (const t of running()) refresh(t);
      const remaining = deadline - now();
      if (running().length === 0 || remaining <= 0) return;
      if (now() >= nextProgress) {
        logProgress(log, running(), remaining);
        nextProgress += progressEveryMs!;
      }
      await sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, maxPollMs);
    }
  }
}

/** Whether the scanned process still runs; 'reused' when its pid now names a newer process. */
function stateNow(procRoot: string, p: ProcessInfo, fs: ProcFs): 'alive' | 'exited' | 'zombie' | 'reused' {
  const stat = readStatOnly(procRoot, p.pid, fs);
  if (stat === undefined) return 'exited';
  if (stat.startTime !== p.startTime) return 'reused';
  // A zombie has exited and only waits to be reaped by its parent: it counts as gone.
  return stat.state === 'Z' || stat.state === 'X' ? 'zombie' : 'alive';
}

function isStopped(p: PlannedProcess): boolean {
  return p.action.kind === 'signal' || p.action.kind === 'watch';
}

function plannedOf(t: Tracked, p: ProcessInfo): PlannedProcess {
  return t.group.processes.find((planned) => planned.process === p) ?? { process: p, role: 'sidecar', container: t.group.shortId, action: { kind: 'watch' } };
}

function fieldsOf(planned: PlannedProcess, group: PlannedGroup, extra: { signal?: string; outcome?: string }) {
  const p = planned.process;
  return { pid: p.pid, comm: p.comm, container: group.shortId, uid: p.uid, ...extra };
}

function describe(group: PlannedGroup): string {
  return group.processes
    .map((p) => `${p.process.pid} ${p.process.comm} (${p.action.kind === 'signal' ? `SIG${p.action.signal}` : p.action.kind === 'watch' ? 'watch' : `never: ${p.action.reason}`})`)
    .join(', ');
}

function logGroup(log: Logger, group: PlannedGroup, dryRun: boolean): void {
  const what = group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const verb = group.targeted ? (dryRun ? 'would stop' : 'stopping') : 'leaving alone';
  log.info(`${verb} ${what} ${group.shortId}: ${describe(group)}`, { container: group.shortId, processes: group.processes.length });
}

function logOutcome(log: Logger, t: Tracked, start: number): void {
  const ms = elapsed(t, start);
  const what = t.group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const line = `${what} ${t.group.shortId} ${t.outcome}`;
  const fields = { container: t.group.shortId, outcome: t.outcome, ms };
  if (t.outcome === 'exited' || t.outcome === 'killed') log.info(line, fields);
  else log.warn(line, fields);
}

function elapsed(t: Tracked, start: number): number {
  if (t.doneAt === undefined) return 0;
  return Math.round(t.doneAt - (t.signalledAt ?? start));
}

function report(plan: StopPlan, tracked: Tracked[], start: number, now: () => number): StopReport {
  const totals: Record<Outcome, number> = { exited: 0, killed: 0, eperm: 0, 'still-running': 0, skipped: 0, 'dry-run': 0 };
  const groups = tracked.map((t): GroupReport => {
    const outcome = t.outcome ?? 'still-running';
    totals[outcome]++;
    return { kind: t.group.kind, shortId: t.group.shortId, processes: t.group.processes.filter(isStopped).length, outcome, ms: elapsed(t, start) };
  });
  return { groups, totals, ms: Math.round(now() - start), warnings: plan.warnings };
}

function logSummary(log: Logger, result: StopReport): void {
  const stopped = result.groups.filter((g) => g.outcome !== 'skipped');
  if (stopped.length === 0) {
    log.info('no sidecar to stop', { ms: result.ms });
    return;
  }
  const line = `stopped ${stopped.length} container(s) in ${result.ms} ms: ${outcomeCounts(result)}`;
  const clean = result.totals.eperm === 0 && result.totals['still-running'] === 0;
  if (clean) log.info(line, { ms: result.ms });
  else log.warn(line, { ms: result.ms });
}

/** "3 exited, 1 killed": how the containers that were acted on ended. */
export function outcomeCounts(report: StopReport): string {
  return (Object.entries(report.totals) as [Outcome, number][])
    .filter(([outcome, n]) => n > 0 && outcome !== 'skipped')
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
}

/** A long grace period should not look like a hang in `kubectl logs`. */
function logProgress(log: Logger, left: Tracked[], remainingMs: number): void {
  const what = left.map((t) => `${t.group.shortId} (${[...t.alive.values()].map((p) => `${p.pid} ${p.comm}`).join(', ')})`).join('; ');
  log.info(`waiting for ${left.length} container(s), ${Math.ceil(remainingMs / 1000)} s of grace left: ${what}`, { outcome: 'waiting', ms: Math.round(remainingMs) });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
