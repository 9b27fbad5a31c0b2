// Where the wait sits in the lifecycle, with fakes: after the signal handlers, before the job;
// a wait that says no means no job and stopped sidecars.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInvocation } from '../../src/config/parse.ts';
import type { SignalForwarder } from '../../src/job/forward-signals.ts';
import { runLifecycle, type LifecycleDeps } from '../../src/lifecycle.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { ReadyOutcome } from '../../src/ready/wait.ts';

function fakes(ready: ReadyOutcome) {
  const events: string[] = [];
  const lines: string[] = [];
  const forwarder: SignalForwarder = {
    received: [], delivered: [],
    deliverTo: (pid) => events.push(`deliverTo ${pid}`),
    onSignal: () => {},
    detach: () => events.push('detach'),
    dispose: () => {},
  };
  const deps: LifecycleDeps = {
    forwardSignals: () => {
      events.push('forwardSignals');
      return forwarder;
    },
    waitUntilReady: async (signals) => {
      assert.equal(signals, forwarder);
      events.push('wait');
      return ready;
    },
    startJob: () => {
      events.push('startJob');
      return { pid: 42, outcome: Promise.resolve({ kind: 'exited', code: 5 }) };
    },
    stopSidecars: async (job) => {
      events.push(`stopSidecars ${job.pid}`);
      return { summary: 'nothing to stop' };
    },
    log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }),
    now: () => 0,
  };
  return { deps, events, lines };
}

const invocation = parseInvocation(['--', 'job'], {});
const config = invocation.kind === 'run' ? invocation.config : assert.fail('not a run');

describe('lifecycle with readiness gates', () => {
  it('ready: signal handlers, then the wait, then the job', async () => {
    const f = fakes({ kind: 'ready' });
    assert.equal(await runLifecycle(config, f.deps), 5);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'startJob', 'deliverTo 42', 'detach', 'stopSidecars 42']);
  });

  it('not ready: the job never starts, queued signals are dropped, the sidecars are stopped, the wait decides the status', async () => {
    const f = fakes({ kind: 'not-ready', status: 124, reason: 'readiness gate x did not pass within 1000 ms' });
    assert.equal(await runLifecycle(config, f.deps), 124);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'detach', 'stopSidecars undefined']);
    assert.match(f.lines.join(''), /done: job not started \(readiness gate x did not pass within 1000 ms\); nothing to stop exit=124/);
  });
});
