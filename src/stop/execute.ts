// Carries out a stop in named phases over one budget (budget.ts), as the kubelet's killContainer
// spends one grace period: each --stop-order phase (senders, then proxies) calls its containers'
// shutdown endpoints, signals the others, and waits for its containers to exit; then the late
// look (containers that started after the first look); then the end of the grace, SIGKILL for
// what is left and the check that it is gone (or --no-kill); then the last line.
import type { Logger } from '../log/logger.ts';
import type { HeldFiles } from '../proc/held-files.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { Budget } from './budget.ts';
import { callPhaseEndpoints, type RequestShutdown } from './phase-endpoints.ts';
import { laterNeeds, type GroupStop, type Phase } from './phases.ts';
import type { PlannedGroup, StopPlan } from './plan.ts';
import { portOf, type StopPort } from './port.ts';
import type { StopReport } from './report.ts';
import { fieldsOf, logGroup, logPhase, logSummary, logVerdicts } from './stop-log.ts';
import { plannedOf, StopRun, type Tracked } from './stop-run.ts';

export interface ExecuteContext extends Partial<StopPort> {
  procRoot: string;
  log: Logger;
  /** After SIGKILL, how long to wait for the processes to be gone (and to SIGKILL newcomers). */
  confirmMs?: number;
  /**
   * A targeted group's processes as /proc shows them now (its container's cgroup, or the job's
   * leftovers), as a fresh plan would stop them. Without it only the first look's processes are
   * tracked: a container that forks, or daemonizes on SIGTERM, was reported stopped with
   * processes still in it.
   */
  membersNow?: (group: PlannedGroup, fresh?: boolean) => ProcessInfo[];
  /** During the grace period, one line this often naming what still runs (default 5 s). */
  progressEveryMs?: number;
  /** Shutdown calls (src/http); without it no endpoint is called. */
  request?: RequestShutdown | undefined;
  /** The first look's stat files, held open: each check before a signal or in a poll reads one (src/proc/held-files.ts). */
  held?: HeldFiles | undefined;
}

/** The stop's shape: its phases, how each container is stopped, the one budget, and the late look. */
export interface Phased {
  phases: Phase[];
  stopOf: ReadonlyMap<PlannedGroup, GroupStop>;
  budget: Budget;
  lateLook?: (run: StopRun) => Promise<void>;
}

const defaultConfirmMs = 1000;
const defaultProgressMs = 5000;

export async function execute(plan: StopPlan, ctx: ExecuteContext, phased?: Phased): Promise<StopReport> {
  const port = portOf(ctx);
  const { phases, stopOf, budget, lateLook } = phased ?? oneShot(plan, port);
  const run = new StopRun(plan, ctx, port, budget.start, stopOf);
  // What is about to happen is said once the first signals are out (HeldLog), with its own time.
  run.log.hold();
  for (const warning of plan.warnings) run.log.warn(warning);
  for (const t of run.tracked) logGroup(run.log, t.group, plan.dryRun, t.stop);
  if (plan.dryRun) {
    const report = dryRun(run, phases);
    run.log.release();
    return report;
  }

  for (const [index, phase] of phases.entries()) await stopPhase(run, phase, budget.phaseEnd(port.now(), laterNeeds(phases, index, stopOf)), budget, ctx);
  await lateLook?.(run);
  await graceEnds(run, budget, ctx.progressEveryMs ?? defaultProgressMs);
  const left = run.running();
  if (left.length > 0 && plan.noKill) leaveRunning(run, left);
  else if (left.length > 0) await killAndConfirm(run, left, ctx.confirmMs ?? defaultConfirmMs);

  const result = run.report();
  run.log.release();
  logVerdicts(ctx.log, result);
  logSummary(ctx.log, result);
  return result;
}

/** Without phases (a plan alone): one phase, everything at once, over the plan's grace. */
function oneShot(plan: StopPlan, port: StopPort): Phased {
  return { phases: [{ name: 'all', groups: plan.groups, unownedCalls: [] }], stopOf: new Map(), budget: new Budget(port.now(), plan.graceMs) };
}

/** --dry-run: every call and signal that would be sent is logged, none is. */
function dryRun(run: StopRun, phases: readonly Phase[]): StopReport {
  for (const phase of phases) {
    const members = run.trackedOf(phase.groups);
    logPhase(run.log, phase, members, true);
    for (const t of members) {
      for (const p of t.group.processes) {
        if (p.action.kind === 'signal') run.log.info(`dry run: would send SIG${p.action.signal}`, fieldsOf(p, t.group, { signal: p.action.signal }));
      }
      t.outcome = 'dry-run';
      t.state = 'done';
    }
    for (const call of [...phase.unownedCalls, ...members.flatMap((t) => (t.stop?.call ? [t.stop.call] : []))]) {
      run.log.info(`dry run: would call ${call.endpoint.method} ${call.endpoint.url} (${call.source})`);
    }
  }
  const result = run.report();
  run.log.info(`dry run: would stop ${result.totals['dry-run']} container(s); nothing was sent`, { ms: result.ms });
  return result;
}

/**
 * One phase: its containers' endpoints are called; those that answered get half the phase to
 * exit by themselves, then the signal; the others get the signal at once. The phase ends when
 * its containers are gone, or at `end`, whichever comes first.
 */
async function stopPhase(run: StopRun, phase: Phase, end: number, budget: Budget, ctx: ExecuteContext): Promise<void> {
  const members = run.trackedOf(phase.groups).filter((t) => t.state === 'running');
  if (members.length === 0 && phase.unownedCalls.length === 0) return;
  logPhase(run.log, phase, members, false);
  const unownedAnswered = await callPhaseEndpoints(run, phase, members, budget, ctx.request);
  // An answered call that names no container may be any of them: all of the phase wait for it.
  const waits = (t: Tracked): boolean => t.endpoint === 'answered' || (unownedAnswered && t.endpoint === undefined);
  run.signal(...members.filter((t) => t.state === 'running' && !waits(t)));
  const waiting = members.filter(waits);
  if (waiting.length > 0) {
    await run.pollUntilSettled(run.port.now() + Math.max(0, (end - run.port.now()) / 2), undefined, waiting);
    run.signal(...waiting.filter((t) => t.state === 'running' && t.signalledAt === undefined));
  }
  await run.pollUntilSettled(end, ctx.progressEveryMs ?? defaultProgressMs, members);
  run.settleExited(members);
}

async function graceEnds(run: StopRun, budget: Budget, progressEveryMs: number): Promise<void> {
  run.signal(...run.running().filter((t) => t.signalledAt === undefined && t.endpoint !== 'answered'));
  await run.pollUntilSettled(budget.deadline, progressEveryMs);
  run.settleExited();
}

/** --no-kill: what outlived the grace period is named and left running. */
function leaveRunning(run: StopRun, left: Tracked[]): void {
  for (const t of left) {
    // Polls look only until one process runs: name only what really is left.
    run.refresh(t, true);
    if (t.state === 'done') continue;
    t.outcome = 'still-running';
    run.adoptNewcomers(t);
    for (const p of t.alive.values()) {
      run.log.warn(`still running after the ${run.plan.graceMs} ms grace period; not killed (--no-kill)`, fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
    }
    t.state = 'done';
    run.settle(t, 'still-running');
  }
}

/**
 * SIGKILL for what is left, then until the containers are empty (newcomers are SIGKILLed as they
 * appear). Empty means empty at several fresh looks: one look can miss a lineage that changes pid
 * faster than /proc is read, which was reported killed while it ran on (docs/limitations.md).
 */
async function killAndConfirm(run: StopRun, left: Tracked[], confirmMs: number): Promise<void> {
  run.killing = true;
  for (const t of left) run.killAll(t, `: still running after the ${run.plan.graceMs} ms grace period`);
  const until = run.port.now() + confirmMs;
  for (;;) {
    await run.pollUntilSettled(until, undefined, left);
    let found = false;
    for (const t of left) if (t.outcome === undefined && t.state === 'done' && await run.foundAgain(t)) found = true;
    if (!found || run.port.now() >= until) break;
  }
  for (const t of left) {
    if (t.outcome !== undefined) continue;
    // Polls look only until one process runs: name only what really is left.
    if (t.state !== 'done') run.refresh(t, true);
    if (t.state !== 'done') {
      for (const p of t.alive.values()) run.log.error('still running after SIGKILL', fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
      t.state = 'done';
      run.settle(t, 'still-running');
    } else {
      run.settle(t, 'killed');
      if (t.appearedAfterKill > 0) run.log.warn(escapeWarning(t), { container: t.group.shortId, outcome: 'killed' });
    }
  }
}

/** Seen empty, after processes kept appearing: say what /proc cannot prove (docs/limitations.md). */
function escapeWarning(t: Tracked): string {
  return `${t.appearedAfterKill} process(es) appeared in container ${t.group.shortId} after its SIGKILL; it looks empty now, but a lineage ` +
    'that changes pid faster than /proc can be read may have escaped every look: only the runtime (which kills the container when its main process exits) or cgroup.kill catches one for sure';
}
