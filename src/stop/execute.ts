// Carries out a StopPlan in named phases: (dry run,) wait first, signal, grace, then kill and
// confirm the containers empty, or leave them running (--no-kill); then the last line. The
// phases work on a StopRun (src/stop/stop-run.ts) over a StopPort (signals, clock, sleep, /proc).
import type { Logger } from '../log/logger.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import type { PlannedGroup, StopPlan } from './plan.ts';
import { portOf, type StopPort } from './port.ts';
import type { StopReport } from './report.ts';
import { fieldsOf, logGroup, logSummary } from './stop-log.ts';
import { plannedOf, StopRun, type Tracked } from './stop-run.ts';

export interface ExecuteContext extends Partial<StopPort> {
  procRoot: string;
  log: Logger;
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
}

const defaultConfirmMs = 1000;
const defaultProgressMs = 5000;

export async function execute(plan: StopPlan, ctx: ExecuteContext): Promise<StopReport> {
  const run = new StopRun(plan, ctx, portOf(ctx));
  for (const warning of plan.warnings) ctx.log.warn(warning);
  for (const t of run.tracked) logGroup(ctx.log, t.group, plan.dryRun);
  if (plan.dryRun) return dryRun(run);

  await waitFirst(run, ctx);
  signalTheRest(run);
  await grace(run, ctx.progressEveryMs ?? defaultProgressMs);
  const left = run.running();
  if (left.length > 0 && plan.noKill) leaveRunning(run, left);
  else if (left.length > 0) {
    kill(run, left);
    await confirmEmpty(run, left, ctx.confirmMs ?? defaultConfirmMs);
  }

  const result = run.report();
  logSummary(ctx.log, result);
  return result;
}

/** --dry-run: every signal that would be sent is logged, none is. */
function dryRun(run: StopRun): StopReport {
  for (const t of run.running()) {
    for (const p of t.group.processes) {
      if (p.action.kind === 'signal') run.log.info(`dry run: would send SIG${p.action.signal}`, fieldsOf(p, t.group, { signal: p.action.signal }));
    }
    t.outcome = 'dry-run';
    t.state = 'done';
  }
  const result = run.report();
  run.log.info(`dry run: would stop ${result.totals['dry-run']} container(s); nothing was sent`, { ms: result.ms });
  return result;
}

/** Containers asked through their shutdown endpoint get time to exit on their own; the others are signalled now. */
async function waitFirst(run: StopRun, ctx: ExecuteContext): Promise<void> {
  const waitBefore = ctx.waitBeforeSignalMs ?? 0;
  if (waitBefore <= 0) return;
  // A log shipper beside a proxy that was asked to quit has nothing to wait for.
  const waits = (t: Tracked): boolean => ctx.waitOnlyFor === undefined || t.group.processes.some((p) => ctx.waitOnlyFor!.has(p.process.comm));
  for (const t of run.running()) if (!waits(t)) run.signal(t);
  await run.pollUntilSettled(run.start + waitBefore);
  run.settleExited();
}

function signalTheRest(run: StopRun): void {
  for (const t of run.running()) if (t.signalledAt === undefined) run.signal(t);
}

async function grace(run: StopRun, progressEveryMs: number): Promise<void> {
  await run.pollUntilSettled(run.port.now() + run.plan.graceMs, progressEveryMs);
  run.settleExited();
}

/** --no-kill: what outlived the grace period is named and left running. */
function leaveRunning(run: StopRun, left: Tracked[]): void {
  for (const t of left) {
    t.outcome = 'still-running';
    run.adoptNewcomers(t);
    for (const p of t.alive.values()) {
      run.log.warn(`still running after the ${run.plan.graceMs} ms grace period; not killed (--no-kill)`, fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
    }
    t.state = 'done';
    run.settle(t, 'still-running');
  }
}

function kill(run: StopRun, left: Tracked[]): void {
  run.killing = true;
  for (const t of left) run.killAll(t, `: still running after the ${run.plan.graceMs} ms grace period`);
}

/** After SIGKILL, until the containers are empty (newcomers are SIGKILLed as they appear). */
async function confirmEmpty(run: StopRun, left: Tracked[], confirmMs: number): Promise<void> {
  await run.pollUntilSettled(run.port.now() + confirmMs);
  for (const t of left) {
    if (t.outcome !== undefined) continue;
    if (t.state !== 'done') {
      for (const p of t.alive.values()) run.log.error('still running after SIGKILL', fieldsOf(plannedOf(t, p), t.group, { outcome: 'still-running' }));
      t.state = 'done';
      run.settle(t, 'still-running');
    } else {
      run.settle(t, 'killed');
    }
  }
}
