// `jobdone sidecar -- CMD`: run a sidecar whose command you control like the job (signals
// forwarded, stdio inherited), but turn a requested stop into success. A container whose main
// process dies of SIGTERM exits 143, and one non-zero container marks the pod Failed; when the
// signal that ended CMD is one jobdone forwarded (the kubelet's or a main jobdone's stop request),
// the sidecar exits exitCodeOnStop (0) instead. It never looks at or stops other containers.
import type { SidecarConfig } from '../config/config.ts';
import { signalNumber } from '../signals.ts';
import type { SignalForwarder } from '../job/forward-signals.ts';
import { describeOutcome, exitStatusOf, type JobOutcome, type RunningJob } from '../job/run-job.ts';
import type { Logger } from '../log/logger.ts';

export interface SidecarDeps {
  forwardSignals(): SignalForwarder;
  startJob(command: string, args: readonly string[]): RunningJob;
  log: Logger;
  /** Last step: the termination message (src/report/termination.ts). */
  finished?(run: { outcome: JobOutcome; status: number; stoppedOnRequest: boolean }): void;
}

export async function runSidecar(config: SidecarConfig, deps: SidecarDeps): Promise<number> {
  const signals = deps.forwardSignals();
  const command = deps.startJob(config.command, config.args);
  if (command.pid !== undefined) signals.deliverTo(command.pid);
  const outcome = await command.outcome;
  signals.detach();
  const status = sidecarExitStatus(outcome, signals.delivered, config.exitCodeOnStop);
  const fields = { pid: command.pid, exit: status };
  if (outcome.kind === 'not-started') deps.log.error(`cannot start the sidecar: ${outcome.reason}`, fields);
  else if (status !== exitStatusOf(outcome)) {
    deps.log.info(`sidecar stopped on request: ${describeOutcome(outcome)}, a signal jobdone forwarded; exiting ${status}`, { ...fields, outcome: 'stopped' });
  } else deps.log.info(`sidecar ${describeOutcome(outcome)}`, fields);
  deps.finished?.({ outcome, status, stoppedOnRequest: outcome.kind !== 'not-started' && status !== exitStatusOf(outcome) });
  return status;
}

/** exitCodeOnStop when CMD died of a signal jobdone delivered to it; otherwise CMD's own status. */
export function sidecarExitStatus(outcome: JobOutcome, delivered: readonly string[], exitCodeOnStop: number): number {
  if (outcome.kind === 'signaled' && delivered.some((signal) => signalNumber(signal) === signalNumber(outcome.signal))) return exitCodeOnStop;
  return exitStatusOf(outcome);
}
