import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { forwardSignals } from '../../src/job/forward-signals.ts';
import { repoRoot } from '../helpers/jobdone.ts';

const trapper = join(repoRoot, 'test', 'fixtures', 'jobs', 'trap-signals.mjs');

it('a signal that arrives before the job has started is delivered, in order, once it starts', async (t) => {
  const forwarder = forwardSignals();
  t.after(() => forwarder.dispose());
  // Signals to this very process, before any job exists.
  process.kill(process.pid, 'SIGUSR2');
  process.kill(process.pid, 'SIGHUP');
  // Node runs signal handlers from its event loop: wait for both, however loaded the machine
  // (a fixed 50 ms saw none of them once, on 2 busy cores).
  while (forwarder.received.length < 2) await sleep(10);
  assert.deepEqual(forwarder.received, ['SIGUSR2', 'SIGHUP']);
  assert.deepEqual(forwarder.delivered, []);

  const job = spawn(process.execPath, [trapper, '2', '0', 'USR2', 'HUP'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => job.kill('SIGKILL'));
  let out = '';
  job.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  while (!out.includes('ready')) await sleep(10);
  forwarder.deliverTo(job.pid!);
  const [code] = await once(job, 'exit');
  assert.equal(code, 0);
  // Sent in order; the kernel hands a process its pending signals lowest number first.
  assert.deepEqual(out.split('\n').filter((l) => l.startsWith('got-')).sort(), ['got-HUP', 'got-USR2']);
  assert.deepEqual(forwarder.delivered, ['SIGUSR2', 'SIGHUP']);
});

/** Resolves at the next signal the forwarder receives (after it has forwarded or queued it). */
function nextSignal(forwarder: ReturnType<typeof forwardSignals>): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let done = false;
    // A pending signal handler does not keep the event loop alive; this does, until it comes.
    const keepAlive = setInterval(() => {}, 1000);
    forwarder.onSignal((signal) => {
      if (done) return;
      done = true;
      clearInterval(keepAlive);
      resolve(signal);
    });
  });
}

it('after detach, signals are recorded but not sent', async (t) => {
  // Every attempt is recorded before anything can throw: a detach that does nothing shows as a
  // second entry (an earlier version threw first, so this test could not fail).
  const sent: Array<[number, string]> = [];
  const forwarder = forwardSignals({ kill: (pid, signal) => { sent.push([pid, signal]); } });
  t.after(() => forwarder.dispose());
  forwarder.deliverTo(4242);
  let arrived = nextSignal(forwarder);
  process.kill(process.pid, 'SIGUSR2');
  await arrived;
  assert.deepEqual(sent, [[4242, 'SIGUSR2']]);
  forwarder.detach();
  arrived = nextSignal(forwarder);
  process.kill(process.pid, 'SIGUSR2');
  await arrived;
  assert.deepEqual(sent, [[4242, 'SIGUSR2']], 'a signal after detach() must not be sent');
  assert.deepEqual(forwarder.received, ['SIGUSR2', 'SIGUSR2']);
});

it('ESRCH from a job that just died is not an error; anything else is reported', async (t) => {
  const errors: string[] = [];
  const forwarder = forwardSignals({
    kill: (pid) => { throw Object.assign(new Error('refused'), { code: pid === 999_999 ? 'ESRCH' : 'EPERM' }); },
    onForwardError: (signal, error) => errors.push(`${signal} ${error.code}`),
  });
  t.after(() => forwarder.dispose());
  forwarder.deliverTo(999_999);
  let arrived = nextSignal(forwarder);
  process.kill(process.pid, 'SIGUSR2');
  await arrived;
  assert.deepEqual(errors, []);
  forwarder.deliverTo(4242);
  arrived = nextSignal(forwarder);
  process.kill(process.pid, 'SIGUSR2');
  await arrived;
  assert.deepEqual(errors, ['SIGUSR2 EPERM']);
});
