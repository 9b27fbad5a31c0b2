// Hold the job back until every readiness gate has passed. Pure orchestration over injected
// probes, clock and signals: a gate that passed stays passed, the others are polled with a short
// growing interval, and the wait ends early on a terminating signal (the pod is being deleted).
import type { ReadinessGate, ReadyOptions } from '../config/gates.ts';
import { describeGate } from '../config/gates.ts';
import { signalNumber } from '../signals.ts';
import { ExitCode, exitCodeForSignal } from '../exit-codes.ts';
import type { Logger } from '../log/logger.ts';
import type { ProbeResult } from './probes.ts';

export type ReadyOutcome =
  | { kind: 'ready' }
  /** Do not start the job: exit with status after stopping the sidecars. */
  | { kind: 'not-ready'; status: number; reason: string };

export interface WaitDeps {
  probe(gate: ReadinessGate, timeoutMs: number): Promise<ProbeResult>;
  signals: { readonly received: readonly NodeJS.Signals[]; onSignal(listener: (signal: NodeJS.Signals) => void): void };
  log: Logger;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Signals whose default action ends a process: had the job been running they would have ended
 * it, so during the wait they end jobdone's run instead. Others (WINCH, CONT, URG, TSTP...) stay
 * queued for the job as before.
 */
export const terminatingSignals: ReadonlySet<string> = new Set([
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR',
]);

const firstPollMs = 20;
const maxPollMs = 250;
/** One attempt of one gate; a hung endpoint must not eat the whole timeout in one go. */
const maxAttemptMs = 1000;

export async function waitUntilReady(options: ReadyOptions, deps: WaitDeps): Promise<ReadyOutcome> {
  const { gates, timeoutMs } = options;
  if (gates.length === 0) return { kind: 'ready' };
  const { log, now } = deps;
  const start = now();
  const deadline = start + timeoutMs;
  log.info(`waiting for ${gates.map(describeGate).join(', ')} before starting the job`, { timeout: timeoutMs });

  let wake: () => void = () => {};
  let stopSignal = deps.signals.received.find((s) => terminatingSignals.has(s));
  let waiting = true;
  deps.signals.onSignal((signal) => {
    if (!waiting || stopSignal !== undefined || !terminatingSignals.has(signal)) return;
    stopSignal = signal;
    wake();
  });
  // Resolves when a terminating signal arrives, so neither a probe nor a pause delays the answer.
  const interrupted = new Promise<void>((resolve) => {
    wake = resolve;
    if (stopSignal !== undefined) resolve();
  });

  const pending = new Map<ReadinessGate, string>(gates.map((gate) => [gate, 'not checked yet']));
  let delay = firstPollMs;
  try {
    for (;;) {
      if (stopSignal !== undefined) return interruptedBy(stopSignal, log, now() - start);
      // A last attempt of a few ms would only report "no answer" instead of the real reason.
      if (deadline - now() < firstPollMs && now() > start) return timedOut(options, pending, log);
      const attemptMs = Math.max(1, Math.min(maxAttemptMs, deadline - now()));
      const round = Promise.all([...pending.keys()].map(async (gate) => {
        const result = await deps.probe(gate, attemptMs);
        if (!pending.has(gate)) return;
        if (result.ok) {
          pending.delete(gate);
          log.info(`ready: ${describeGate(gate)} (${gate.source}): ${result.detail}`, { ms: Math.round(now() - start) });
        } else {
          if (pending.get(gate) !== result.detail) log.debug(`not ready yet: ${describeGate(gate)}: ${result.detail}`);
          pending.set(gate, result.detail);
        }
      }));
      await Promise.race([round, interrupted]);
      if (stopSignal !== undefined) return interruptedBy(stopSignal, log, now() - start);
      if (pending.size === 0) {
        log.info(`all ${gates.length} readiness gate(s) passed; starting the job`, { ms: Math.round(now() - start) });
        return { kind: 'ready' };
      }
      const remaining = deadline - now();
      if (remaining <= 0) return timedOut(options, pending, log);
      await Promise.race([deps.sleep(Math.min(delay, remaining)), interrupted]);
      delay = Math.min(delay * 2, maxPollMs);
    }
  } finally {
    waiting = false;
  }
}

function interruptedBy(signal: NodeJS.Signals, log: Logger, ms: number): ReadyOutcome {
  const status = exitCodeForSignal(signalNumber(signal.replace(/^SIG/, '')));
  const reason = `${signal} arrived while waiting for the sidecars`;
  log.warn(`${reason}: not starting the job`, { signal: signal.replace(/^SIG/, ''), ms: Math.round(ms), exit: status });
  return { kind: 'not-ready', status, reason };
}

function timedOut(options: ReadyOptions, pending: ReadonlyMap<ReadinessGate, string>, log: Logger): ReadyOutcome {
  const failed = [...pending].map(([gate, last]) => `${describeGate(gate)} (${gate.source}; last: ${last})`).join(', ');
  const reason = `readiness gate ${failed} did not pass within ${options.timeoutMs} ms`;
  if (options.startOnTimeout) {
    log.warn(`${reason}; starting the job anyway (--wait-timeout-start)`);
    return { kind: 'ready' };
  }
  log.error(`${reason}; not starting the job (raise --wait-timeout, or pass --wait-timeout-start to start anyway)`, { exit: ExitCode.timeout });
  return { kind: 'not-ready', status: ExitCode.timeout, reason };
}
