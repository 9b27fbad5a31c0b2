// What the build runs before it takes V8's code cache of the bundle (scripts/sea-code-cache.cjs):
// the stop on a made-up pod in both log formats (src/warm-up.ts), then the rest of a run's path
// that needs no job, no pod and no signal: the lifecycle over stand-ins, the readiness step with
// no gates, the nested check on the build's own process, the termination message in both
// formats. V8 compiles a function on its first call, and each of these was compiled in every
// start, between the job's start and jobdone's exit (the nested check alone: 0.6 -> 0.3 ms, on
// the critical path when the job ends first). The signal handlers are not put in: that would
// take the early SIGUSR1 counter out of the process it runs in (src/job/early-sigusr1.ts).
import { parseInvocation } from './config/parse.ts';
import type { SignalForwarder } from './job/forward-signals.ts';
import { innerRunOf } from './job/nested.ts';
import { runLifecycle } from './lifecycle.ts';
import { createLogger, type LogFormat } from './log/logger.ts';
import { monotonicMs } from './monotonic.ts';
import { waitForSidecars } from './ready/wait-for-sidecars.ts';
import { terminationMessageAs } from './report/termination.ts';
import { warmUp } from './warm-up.ts';

/** Never throws (a failed warm-up costs speed, nothing else); false when a part did not run to its end. */
export async function warmUpForCache(): Promise<boolean> {
  await warmUp(['text', 'json']);
  try {
    for (const format of ['text', 'json'] as const) if ((await lifecycleOnce(format)) !== 0) return false;
    return true;
  } catch {
    return false;
  }
}

async function lifecycleOnce(format: LogFormat): Promise<number | undefined> {
  const invocation = parseInvocation(['--log-format', format, '--', 'job'], {});
  if (invocation.kind !== 'run') return undefined;
  const { config } = invocation;
  const log = createLogger({ ...config.log, level: 'debug', write: () => {} });
  return runLifecycle(config, {
    forwardSignals: standInForwarder,
    waitUntilReady: (signals) => waitForSidecars(config, signals, log),
    // This process stands in for the job: the nested check reads its /proc entry, nothing else.
    startJob: () => ({ pid: process.pid, outcome: Promise.resolve({ kind: 'exited', code: 0 }) }),
    withDeadline: (job) => job,
    jobIsJobdone: (pid) => innerRunOf(pid),
    stopSidecars: () => Promise.resolve({ summary: 'nothing to stop' }),
    finished: (run) => {
      terminationMessageAs(config.terminationFormat ?? format, run);
    },
    log,
    now: monotonicMs,
  });
}

function standInForwarder(): SignalForwarder {
  return { deliverTo() {}, received: [], onSignal() {}, delivered: [], detach() {}, dispose() {} };
}
