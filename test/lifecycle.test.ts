// The lifecycle's order and exit status, with fakes: signal handlers first, then the wait, the
// job, the stop; a wait that says no means no job and stopped sidecars.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInvocation } from '../src/config/parse.ts';
import type { SignalForwarder } from '../src/job/forward-signals.ts';
import { runLifecycle, type LifecycleDeps } from '../src/lifecycle.ts';
import { createLogger } from '../src/log/logger.ts';
import type { ReadyOutcome } from '../src/ready/wait.ts';
import type { JobOutcome } from '../src/job/run-job.ts';

function fakes(ready: ReadyOutcome, outcome: JobOutcome = { kind: 'exited', code: 5 }, startedPid: number | 'not started' = 42) {
  const pid = startedPid === 'not started' ? undefined : startedPid;
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
      return { pid, outcome: Promise.resolve(outcome) };
    },
    withDeadline: (job) => job,
    jobIsJobdone: () => undefined,
    stopSidecars: async (job, inner) => {
      events.push(`stopSidecars ${job.pid}${inner === undefined ? '' : ` after inner (skip ${inner.skip?.source})`}`);
      return { summary: 'nothing to stop' };
    },
    log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }),
    now: () => 0,
    finished: () => events.push('finished'),
  };
  return { deps, events, lines };
}

const invocation = parseInvocation(['--', 'job'], {});
const config = invocation.kind === 'run' ? invocation.config : assert.fail('not a run');

describe('lifecycle', () => {
  it('ready: signal handlers, then the wait, then the job', async () => {
    const f = fakes({ kind: 'ready' });
    assert.equal(await runLifecycle(config, f.deps), 5);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'startJob', 'deliverTo 42', 'detach', 'stopSidecars 42', 'finished']);
  });

  it('a job that is jobdone itself: signals reach it, its status passes through, and this one stops after it, with the inner one\'s --skip', async () => {
    const f = fakes({ kind: 'ready' }, { kind: 'exited', code: 3 });
    f.deps.jobIsJobdone = (pid) => {
      f.events.push(`jobIsJobdone ${pid}`);
      return { skip: /fluent/ };
    };
    assert.equal(await runLifecycle(config, f.deps), 3);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'startJob', 'deliverTo 42', 'jobIsJobdone 42', 'detach', 'stopSidecars 42 after inner (skip fluent)', 'finished']);
    assert.match(f.lines[0]!, /the job is jobdone itself \(pid 42\): it stops the sidecars first; this one stops what is left after it/);
  });

  it('an error in any step after the job started (the nested check, the deadline, signals, the message) keeps the status and the stop', async () => {
    const timed = parseInvocation(['--timeout', '30s', '--', 'job'], {});
    const timedConfig = timed.kind === 'run' ? timed.config : assert.fail('not a run');
    const f = fakes({ kind: 'ready' }, { kind: 'exited', code: 4 });
    const boom = (what: string) => () => { throw new Error(`${what} failed`); };
    f.deps.withDeadline = boom('deadline');
    f.deps.jobIsJobdone = boom('ENOENT: stat /jobdone/jobdone');
    f.deps.finished = boom('message');
    const forwarder = f.deps.forwardSignals();
    forwarder.deliverTo = boom('deliver');
    forwarder.detach = boom('detach');
    f.deps.forwardSignals = () => forwarder;
    f.deps.stopSidecars = async (job) => {
      f.events.push(`stopSidecars ${job.pid}`);
      throw new Error('stop failed');
    };
    assert.equal(await runLifecycle(timedConfig, f.deps), 4);
    assert.ok(f.events.includes('stopSidecars 42'), f.events.join());
    const text = f.lines.join('');
    for (const what of ['deadline', 'ENOENT: stat /jobdone/jobdone', 'message', 'deliver', 'detach']) assert.match(text, new RegExp(`internal error in .*: ${what} failed; the job's status and the stop are kept`), text);
    assert.match(text, /done: job exited with code 4; sidecars not stopped \(stop failed\) exit=4/);
  });

  it('not ready: the job never starts, queued signals are dropped, the sidecars are stopped, the wait decides the status', async () => {
    const f = fakes({ kind: 'not-ready', status: 124, reason: 'readiness gate x did not pass within 1000 ms' });
    assert.equal(await runLifecycle(config, f.deps), 124);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'detach', 'stopSidecars undefined', 'finished']);
    assert.match(f.lines.join(''), /done: job not started \(readiness gate x did not pass within 1000 ms\); nothing to stop exit=124/);
  });

  it('a job killed by a signal gives 128+N, after the sidecars were stopped', async () => {
    const f = fakes({ kind: 'ready' }, { kind: 'signaled', signal: 'TERM' });
    assert.equal(await runLifecycle(config, f.deps), 143);
    assert.deepEqual(f.events.slice(-3), ['detach', 'stopSidecars 42', 'finished']);
    assert.match(f.lines.join(''), /job killed by SIGTERM \(exit 143\)/);
  });

  it('a job that cannot start gives 127, one error line, and the sidecars are still stopped so the pod ends', async () => {
    const f = fakes({ kind: 'ready' }, { kind: 'not-started', code: 127, reason: 'command "x" not found in PATH (ENOENT)' }, 'not started');
    assert.equal(await runLifecycle(config, f.deps), 127);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'startJob', 'detach', 'stopSidecars undefined', 'finished']);
    assert.match(f.lines.join(''), /error: cannot start the job: command "x" not found in PATH/);
  });

  it('--timeout: the started job is put under its deadline before signals reach it and before anything waits on it', async () => {
    const timed = parseInvocation(['--timeout', '30s', '--', 'job'], {});
    const timedConfig = timed.kind === 'run' ? timed.config : assert.fail('not a run');
    const f = fakes({ kind: 'ready' });
    f.deps.withDeadline = (job, timeoutMs) => {
      f.events.push(`withDeadline ${timeoutMs}`);
      return job;
    };
    assert.equal(await runLifecycle(timedConfig, f.deps), 5);
    assert.deepEqual(f.events, ['forwardSignals', 'wait', 'startJob', 'withDeadline 30000', 'deliverTo 42', 'detach', 'stopSidecars 42', 'finished']);
    const untimed = fakes({ kind: 'ready' });
    untimed.deps.withDeadline = () => assert.fail('no --timeout, no deadline');
    assert.equal(await runLifecycle(config, untimed.deps), 5);
  });
});
