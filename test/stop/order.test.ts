// The stop's waits in order, on a fake clock over an in-memory /proc (fake-pod.ts): the wait
// before signals, which containers wait, and what --no-kill leaves running after the grace period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

const defaults = stopOptions({ graceMs: 2000 });

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) }), lines };
}

function on(pod: FakePod, log: Logger): StopContext {
  return { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep };
}

test('--no-kill: a sidecar still running after the grace period is reported, not killed', async () => {
  const pod = new FakePod();
  // sh -c "trap '' TERM; exec sleep 30"
  const stubborn = pod.spawn('stubborn', { ignores: ['SIGTERM'] });
  const { log, lines } = capture();
  const report = await stopSidecars({ ...defaults, graceMs: 100, noKill: true }, on(pod, log));
  assert.equal(report.groups[0]?.outcome, 'still-running');
  assert.equal(pod.isAlive(stubborn), true);
  assert.match(lines.join(''), /still running after the 100 ms grace period; not killed \(--no-kill\) pid=\d+ comm=sleep container=stubborn/);
});

test('waitBeforeSignalMs: a sidecar that exits on its own is not signalled', async () => {
  const pod = new FakePod();
  // sleep 0.1
  pod.exitAt(pod.spawn('short', { cmdline: ['sleep', '0.1'] }), 100);
  const report = await stopSidecars(defaults, { ...on(pod, capture().log), waitBeforeSignalMs: 3000, kill: () => assert.fail('signalled') });
  assert.equal(report.groups[0]?.outcome, 'exited');
  assert.ok(report.ms < 2000, `${report.ms} ms`);
});

test('waitOnlyFor: only the container whose endpoint answered waits; a log shipper beside it is signalled at once', async () => {
  const pod = new FakePod();
  // sleep 0.3: the proxy asked through its endpoint leaves by itself.
  pod.exitAt(pod.spawn('proxy', { cmdline: ['sleep', '0.3'] }), 300);
  const shipper = pod.spawn('shipper', { comm: 'tail', cmdline: ['tail', '-f', '/dev/null'] });
  const signalledAt = new Map<number, number>();
  const start = pod.now();
  const report = await stopSidecars(defaults, {
    ...on(pod, capture().log), waitBeforeSignalMs: 3000, waitOnlyFor: new Set(['sleep']),
    kill: (pid, signal) => {
      signalledAt.set(pid, pod.now() - start);
      pod.kill(pid, signal);
    },
  });
  assert.deepEqual([...signalledAt.keys()], [shipper], 'the proxy left by itself and was never signalled');
  assert.ok(signalledAt.get(shipper)! < 1000, `the shipper waited ${signalledAt.get(shipper)} ms for another container's endpoint`);
  assert.deepEqual(report.groups.map((g) => g.outcome), ['exited', 'exited']);
  assert.ok(report.ms < 2000, `${report.ms} ms`);
});
