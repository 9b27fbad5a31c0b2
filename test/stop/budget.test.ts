// The one budget (src/stop/budget.ts), on a fake clock: each phase spends it, the late look and
// SIGKILL end at its one deadline, whatever an endpoint answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpEndpoint } from '../../src/config/endpoints.ts';
import { createLogger } from '../../src/log/logger.ts';
import { Budget, minimumReserveMs } from '../../src/stop/budget.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

function on(pod: FakePod): StopContext {
  const log = createLogger({ format: 'text', level: 'error', write: () => {} });
  return { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep };
}

test('a phase leaves the later phases the kubelet\'s minimum, or what they need, but never more than half of what is left', () => {
  const budget = new Budget(1000, 10_000);
  assert.equal(budget.deadline, 11_000);
  assert.equal(budget.phaseEnd(1000, undefined), 11_000, 'the last phase runs to the deadline');
  assert.equal(budget.phaseEnd(1000, 0), 11_000 - minimumReserveMs);
  assert.equal(budget.phaseEnd(1000, 4000), 7000, 'a proxy that drains 4 s gets its 4 s');
  assert.equal(budget.phaseEnd(1000, 60_000), 6000, 'but the senders keep half');
  assert.equal(new Budget(0, 1000).phaseEnd(0, 0), 500, 'a short grace is shared');
  assert.equal(budget.left(20_000), 0);
});

// Issue 17: after an endpoint answered, the late look ended at half the grace, so a container
// still in runc init got SIGTERM and SIGKILL at once while seconds of the grace remained.
test('after an endpoint answered, a container still in runc init gets its signal once it runs, and SIGKILL only at the deadline', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'] });
  // The runtime's init for 6 s (past half the grace), then the container's command, which takes 1 s to exit on SIGTERM.
  const slow = pod.spawn('slow', { comm: 'runc:[2:INIT]', cmdline: ['runc', 'init'], ignores: ['SIGTERM'] });
  pod.at(6000, () => pod.exec(slow, 'sleep', ['sleep', '30']));
  const times: string[] = [];
  await stopSidecars(stopOptions({ graceMs: 10_000 }), {
    ...on(pod),
    calls: [{ source: 'preset envoy', endpoint: parseHttpEndpoint('http://127.0.0.1:15000/quitquitquit', 'POST', false), owners: ['envoy'] }],
    request: async () => {
      pod.exitAt(proxy, pod.now() + 5);
      return { ok: true, status: 200, ms: 1 };
    },
    kill: (pid, signal) => {
      times.push(`${pid === slow ? 'slow' : pid} ${signal} ${pod.now()}`);
      pod.kill(pid, signal);
      if (pid === slow && signal === 'SIGTERM') pod.exitAt(slow, pod.now() + 1000);
    },
  });
  assert.equal(times.length, 1, times.join(', '));
  assert.match(times[0]!, /^slow SIGTERM (\d+)$/);
  const at = Number(times[0]!.split(' ')[2]);
  assert.ok(at >= 6000 && at < 6200, `signalled at ${at} ms, once it ran its command`);
  assert.equal(pod.endOf(slow)?.code, 0, 'it exited by itself within the grace, no SIGKILL');
});

test('the stop\'s time is wall time from its start, late look included', async () => {
  const pod = new FakePod();
  pod.spawn('early');
  const late = pod.spawn('late', { comm: 'runc:[2:INIT]', cmdline: ['runc', 'init'] });
  pod.at(600, () => pod.exec(late, 'sleep', ['sleep', '31']));
  const report = await stopSidecars(stopOptions({ graceMs: 5000 }), on(pod));
  assert.deepEqual(report.groups.map((g) => g.outcome), ['exited', 'exited']);
  assert.ok(report.ms >= 600, `${report.ms} ms`);
  assert.equal(report.ms, Math.round(pod.now()));
});
