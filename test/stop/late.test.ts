// Containers that were still starting, or started at all only after the job ended, are stopped
// too while the grace period lasts: otherwise they outlive jobdone and hold the pod.
// On a fake clock over an in-memory /proc (fake-pod.ts): the runtime's init is a process whose
// comm is runc:[2:INIT] and whose argv is `runc init` until it execs the container's command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

const options = stopOptions({ graceMs: 3000 });
const runcInit = { comm: 'runc:[2:INIT]', cmdline: ['runc', 'init'] };

function capture() {
  const lines: string[] = [];
  return { log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }), lines };
}

function on(pod: FakePod, log: StopContext['log']): StopContext {
  return { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep };
}

test('a container that appears after the first look is stopped too', async () => {
  const pod = new FakePod();
  const early = pod.spawn('early');
  let late: number | undefined;
  const { log, lines } = capture();
  const report = await stopSidecars(options, {
    ...on(pod, log),
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      // The first signal goes out; meanwhile the runtime starts a slow container (another
      // command: one with the stopped container's command line would be the kubelet's restart of it).
      late ??= pod.spawn('late', { cmdline: ['sleep', '31'] });
    },
  });
  assert.ok(late !== undefined);
  assert.deepEqual(pod.endOf(early), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(pod.endOf(late), { code: null, signal: 'SIGTERM' });
  assert.equal(report.totals.exited, 2, lines.join(''));
  assert.match(lines.join(''), /1 container\(s\) started after the first look; stopping them too/);
});

test("a container still in the runtime's init (runc:[2:INIT]) is not signalled until it runs its command", async () => {
  const pod = new FakePod();
  // runc's init runs `sleep 0.4; exec sleep 30`: a child for 400 ms, then it becomes sleep.
  const slow = pod.spawn('slow', runcInit);
  const child = pod.spawn('slow', { ppid: slow, cmdline: ['sleep', '0.4'] });
  pod.exitAt(child, 400);
  pod.at(400, () => pod.exec(slow, 'sleep', ['sleep', '30']));
  assert.equal(pod.proc.get(slow)?.comm, 'runc:[2:INIT]');
  const commAtSignal: string[] = [];
  const { log, lines } = capture();
  const report = await stopSidecars(options, {
    ...on(pod, log),
    kill: (pid, signal) => {
      commAtSignal.push(pod.proc.get(pid)?.comm ?? '?');
      pod.kill(pid, signal);
    },
  });
  assert.deepEqual(pod.endOf(slow), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(commAtSignal, ['sleep'], 'signalled only once it had become its command');
  assert.match(lines.join(''), /never: starting/);
  assert.equal(report.totals.exited, 1, lines.join(''));
});

// Issue 10 item 6: a sidecar that named itself runc:[2:INIT] was taken for a container still
// starting, and never stopped.
test('a process named runc:[2:INIT] whose argv is not `runc init` is an ordinary sidecar', async () => {
  const pod = new FakePod();
  const sidecar = pod.spawn('impostor', { comm: 'runc:[2:INIT]', cmdline: ['/tmp/jobdone-runc-x/runc:[2:INIT]', '-c', 'sleep 30; :'] });
  pod.spawn('impostor', { ppid: sidecar });
  const { log, lines } = capture();
  await stopSidecars({ ...options, graceMs: 500 }, on(pod, log));
  assert.deepEqual(pod.endOf(sidecar), { code: null, signal: 'SIGTERM' });
  assert.doesNotMatch(lines.join(''), /never: starting/);
});

test('a container that stays in the runtime\'s init is stopped when the grace period ends', async () => {
  const pod = new FakePod();
  // `trap "" TERM; sleep 30; :` in runc's init: both ignore SIGTERM.
  const stuck = pod.spawn('stuck', { ...runcInit, ignores: ['SIGTERM'] });
  pod.spawn('stuck', { ppid: stuck, ignores: ['SIGTERM'] });
  const { log, lines } = capture();
  const started = pod.now();
  await stopSidecars({ ...options, graceMs: 300 }, { ...on(pod, log), confirmMs: 2000 });
  assert.deepEqual(pod.endOf(stuck), { code: null, signal: 'SIGKILL' });
  assert.match(lines.join(''), /never: starting/);
  assert.match(lines.join(''), /1 container\(s\) still in the runtime's init when the grace period ended; stopping them now/);
  assert.ok(pod.now() - started < 5000);
});
