// The lifecycle's "wait for the sidecars" step: the gates of the configuration, probed for real.
import type { RunConfig } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { probe } from './probes.ts';
import { waitUntilReady, type ReadyOutcome, type WaitDeps } from './wait.ts';
import { monotonicMs } from '../monotonic.ts';

export function waitForSidecars(config: RunConfig, signals: WaitDeps['signals'], log: Logger): Promise<ReadyOutcome> {
  if (config.ready === undefined || config.ready.gates.length === 0) return Promise.resolve({ kind: 'ready' });
  return waitUntilReady(config.ready, {
    probe: (gate, timeoutMs) => probe(gate, timeoutMs, { procRoot: config.procRoot, selfPid: process.pid, allowHostPid: config.stop.allowHostPid }),
    signals,
    log,
    now: monotonicMs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}
