// The whole life of jobdone, in order: forward signals, run the job, stop the
// sidecars, report, exit with the job's status. Everything that touches the
// system comes in through LifecycleDeps so the order can be tested with fakes.
// Once the job has started nothing may lose its status or skip the stop: every step from
// there on runs through afterStart, which logs a step's failure and goes on.
import type { RunConfig } from './config/config.ts';
import type { SignalForwarder } from './job/forward-signals.ts';
import type { InnerRun } from './job/nested.ts';
import { describeOutcome, exitStatusOf, type JobOutcome, type RunningJob } from './job/run-job.ts';
import type { Logger } from './log/logger.ts';
import type { ReadyOutcome } from './ready/wait.ts';
import type { SidecarStopSummary } from './stop/report.ts';

export interface LifecycleDeps {
  forwardSignals(): SignalForwarder;
  /** Readiness gates (src/ready): may hold the job back, or cancel it. */
  waitUntilReady(signals: SignalForwarder): Promise<ReadyOutcome>;
  startJob(command: string, args: readonly string[]): RunningJob;
  /** --timeout (src/job/deadline.ts): past timeoutMs the job gets SIGTERM, then SIGKILL after the grace period. */
  withDeadline(job: RunningJob, timeoutMs: number): RunningJob;
  /** The job just started is jobdone itself (src/job/nested.ts), with its own options; undefined when it is not. */
  jobIsJobdone(pid: number): InnerRun | undefined;
  /**
   * The stop step (src/stop/stop-after-job.ts), told the status jobdone will exit with
   * (--keep-sidecars-on-failure); `inner` when the job was a jobdone that stopped the pod first.
   */
  stopSidecars(job: { pid: number | undefined; status: number }, inner?: InnerRun): Promise<SidecarStopSummary>;
  /** Last step: the termination message (src/report/termination.ts). */
  finished(run: { outcome: JobOutcome | { kind: 'not-ready'; reason: string }; status: number; stopped: SidecarStopSummary; ms: number }): void;
  log: Logger;
  now(): number;
}

export async function runLifecycle(config: RunConfig, deps: LifecycleDeps): Promise<number> {
  const startedAt = deps.now();
  const signals = deps.forwardSignals();
  const ready = await deps.waitUntilReady(signals);
  if (ready.kind === 'not-ready') return endWithoutJob(ready, signals, deps, startedAt);
  return afterStart(config, deps.startJob(config.command, config.args), signals, deps, startedAt);
}

/**
 * From the job's start to jobdone's exit. Every step is guarded: a failure (jobdone's own file
 * gone when the nested check stats it, say) is one error line, and the job's status, the stop
 * and the termination message still follow. The outer of a nested run stops too, after the
 * inner: whatever the inner did (--version, killed, a dry run), the pod ends stopped.
 */
async function afterStart(config: RunConfig, started: RunningJob, signals: SignalForwarder, deps: LifecycleDeps, startedAt: number): Promise<number> {
  const step = guarded(deps.log);
  const timeoutMs = config.timeoutMs;
  const job = (timeoutMs === undefined ? undefined : step('--timeout', () => deps.withDeadline(started, timeoutMs))) ?? started;
  const pid = job.pid;
  if (pid !== undefined) step('forwarding signals', () => signals.deliverTo(pid));
  const inner = pid === undefined ? undefined : step('the nested check', () => deps.jobIsJobdone(pid));
  if (inner !== undefined) deps.log.info(`the job is jobdone itself (pid ${pid}): it stops the sidecars first; this one stops what is left after it`);
  const outcome = await job.outcome;
  step('detaching signals', () => signals.detach());
  logJobOutcome(deps.log, outcome, pid);
  const status = exitStatusOf(outcome);
  const stopped = await deps.stopSidecars({ pid, status }, inner).catch((error: unknown) => ({ summary: `sidecars not stopped (${messageOf(error)})` }));
  const ms = Math.round(deps.now() - startedAt);
  deps.log.info(`done: job ${describeOutcome(outcome)}; ${stopped.summary}`, { exit: status, ms });
  step('the termination message', () => deps.finished({ outcome, status, stopped, ms }));
  return status;
}

/** Runs one step after the job has started; a failure is logged and the step's result is undefined. */
function guarded(log: Logger): <T>(what: string, run: () => T) => T | undefined {
  return (what, run) => {
    try {
      return run();
    } catch (error) {
      log.error(`internal error in ${what}: ${messageOf(error)}; the job's status and the stop are kept`);
      return undefined;
    }
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The sidecars never became ready, or the pod is going away: no job, and the sidecars are stopped so the pod does not hang. */
async function endWithoutJob(ready: { status: number; reason: string }, signals: SignalForwarder, deps: LifecycleDeps, startedAt: number): Promise<number> {
  // Signals queued for the job are dropped with it: it never starts.
  signals.detach();
  const stopped = await deps.stopSidecars({ pid: undefined, status: ready.status });
  const ms = Math.round(deps.now() - startedAt);
  deps.log.info(`done: job not started (${ready.reason}); ${stopped.summary}`, { exit: ready.status, ms });
  deps.finished({ outcome: { kind: 'not-ready', reason: ready.reason }, status: ready.status, stopped, ms });
  return ready.status;
}

function logJobOutcome(log: Logger, outcome: JobOutcome, pid: number | undefined): void {
  if (outcome.kind === 'not-started') log.error(`cannot start the job: ${outcome.reason}`, { exit: outcome.code });
  else log.info(`job ${describeOutcome(outcome)}`, { pid, exit: exitStatusOf(outcome) });
}
