// The whole life of jobdone, in order: forward signals, run the job, stop the
// sidecars, report, exit with the job's status. Everything that touches the
// system comes in through LifecycleDeps so the order can be tested with fakes.
import type { RunConfig } from './config/config.ts';
import type { SignalForwarder } from './job/forward-signals.ts';
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
  /** The job just started is jobdone itself (src/job/nested.ts): it does the stop, this one passes its status through. */
  jobIsJobdone(pid: number): boolean;
  /** The stop step (src/stop/stop-after-job.ts), told the status jobdone will exit with (--keep-sidecars-on-failure). */
  stopSidecars(job: { pid: number | undefined; status: number }): Promise<SidecarStopSummary>;
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
  const started = deps.startJob(config.command, config.args);
  const job = config.timeoutMs === undefined ? started : deps.withDeadline(started, config.timeoutMs);
  if (job.pid !== undefined) signals.deliverTo(job.pid);
  if (job.pid !== undefined && deps.jobIsJobdone(job.pid)) return passStatusThrough(job.pid, job.outcome, signals, deps.log);
  const outcome = await job.outcome;
  signals.detach();
  logJobOutcome(deps.log, outcome, job.pid);
  const status = exitStatusOf(outcome);
  const stopped = await deps.stopSidecars({ pid: job.pid, status });
  const ms = Math.round(deps.now() - startedAt);
  deps.log.info(`done: job ${describeOutcome(outcome)}; ${stopped.summary}`, { exit: status, ms });
  deps.finished({ outcome, status, stopped, ms });
  return status;
}

/**
 * The job is a jobdone (an ENTRYPOINT repeated in the command): it stops the sidecars, logs the
 * stop and writes the termination message. A second stop would find nothing and warn about
 * shareProcessNamespace, and a second message would overwrite the first, so this one only
 * forwards signals (already set up) and exits with the inner one's status.
 */
async function passStatusThrough(pid: number, outcome: Promise<JobOutcome>, signals: SignalForwarder, log: Logger): Promise<number> {
  log.info(`the job is jobdone itself (pid ${pid}): it stops the sidecars and reports; this one forwards signals and passes its exit status through`);
  const status = exitStatusOf(await outcome);
  signals.detach();
  return status;
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
