// --timeout on a fake clock (node:test's mock timers) with a made-up job and an injected kill:
// the order TERM, grace, KILL and the outcome, without waiting for real time to pass.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withDeadline } from '../../src/job/deadline.ts';
import type { JobOutcome, RunningJob } from '../../src/job/run-job.ts';
import { createLogger } from '../../src/log/logger.ts';

const pid = 4242;

/** A job that ends when the test says so, a kill that records, and the log lines. */
function setUp(t: TestContext, kill: (target: number, signal: NodeJS.Signals) => void = () => {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let end!: (outcome: JobOutcome) => void;
  const job: RunningJob = { pid, outcome: new Promise((resolve) => { end = resolve; }) };
  const sent: string[] = [];
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) });
  const timed = withDeadline(job, {
    timeoutMs: 1000, graceMs: 500, log,
    kill: (target, signal) => {
      sent.push(`${signal} ${target}`);
      kill(target, signal);
    },
  });
  return { timed, end, sent, lines, tick: (ms: number) => t.mock.timers.tick(ms) };
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('--timeout', () => {
  it('a job that ends in time keeps its own outcome and is never signalled', async (t) => {
    const { timed, end, sent, lines, tick } = setUp(t);
    tick(999);
    end({ kind: 'exited', code: 3 });
    assert.deepEqual(await timed.outcome, { kind: 'exited', code: 3 });
    tick(10_000);
    assert.deepEqual(sent, []);
    assert.deepEqual(lines, []);
    assert.equal(timed.pid, pid);
  });

  it('at the deadline SIGTERM goes to the job\'s process group, SIGKILL after the grace, and the outcome says timed out', async (t) => {
    const { timed, end, sent, lines, tick } = setUp(t);
    tick(999);
    assert.deepEqual(sent, []);
    tick(1);
    assert.deepEqual(sent, [`SIGTERM -${pid}`]);
    tick(499);
    assert.deepEqual(sent, [`SIGTERM -${pid}`]);
    tick(1);
    assert.deepEqual(sent, [`SIGTERM -${pid}`, `SIGKILL -${pid}`]);
    end({ kind: 'signaled', signal: 'KILL' });
    assert.deepEqual(await timed.outcome, { kind: 'timed-out', afterMs: 1000, then: { kind: 'signaled', signal: 'KILL' } });
    assert.deepEqual(lines, [
      `jobdone: warn: timeout: the job ran longer than --timeout 1s; sending SIGTERM pid=${pid} signal=TERM outcome=timeout ms=1000\n`,
      `jobdone: warn: timeout: the job still runs 500ms after SIGTERM; sending SIGKILL pid=${pid} signal=KILL outcome=timeout\n`,
    ]);
  });

  it('a job that exits within the grace gets no SIGKILL and still reads as timed out, with its own exit', async (t) => {
    const { timed, end, sent, tick } = setUp(t);
    tick(1000);
    end({ kind: 'exited', code: 0 });
    assert.deepEqual(await timed.outcome, { kind: 'timed-out', afterMs: 1000, then: { kind: 'exited', code: 0 } });
    tick(10_000);
    assert.deepEqual(sent, [`SIGTERM -${pid}`]);
  });

  it('no such process group: the pid itself gets the signal', async (t) => {
    const { sent, lines, tick } = setUp(t, (target) => {
      if (target < 0) throw errno('ESRCH');
    });
    tick(1000);
    tick(500);
    assert.deepEqual(sent, [`SIGTERM -${pid}`, `SIGTERM ${pid}`, `SIGKILL -${pid}`, `SIGKILL ${pid}`]);
    assert.equal(lines.filter((line) => line.includes('cannot send')).length, 0);
  });

  it('any other failure is one error line per signal, and the pid is not tried instead', async (t) => {
    const { sent, lines, tick } = setUp(t, () => {
      throw errno('EPERM');
    });
    tick(1000);
    assert.deepEqual(sent, [`SIGTERM -${pid}`]);
    assert.equal(lines[1], `jobdone: error: timeout: cannot send SIGTERM to the job: EPERM pid=${pid} signal=TERM\n`);
  });

  it('a job that never started has no deadline', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const job: RunningJob = { pid: undefined, outcome: Promise.resolve({ kind: 'not-started', code: 127, reason: 'x' }) };
    const sent: string[] = [];
    const timed = withDeadline(job, { timeoutMs: 1, graceMs: 1, log: createLogger({ format: 'text', level: 'debug', write: () => assert.fail('logged') }), kill: (target) => sent.push(String(target)) });
    t.mock.timers.tick(100);
    assert.equal(timed, job);
    assert.deepEqual(sent, []);
  });
});
