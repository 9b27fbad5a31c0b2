// The stop's phases and waits in order, on a fake clock over an in-memory /proc (fake-pod.ts):
// senders before proxies, endpoints in their container's phase, the one budget's deadline,
// --stop-order, and what --no-kill leaves running after the grace period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { parseHttpEndpoint } from '../../src/config/endpoints.ts';
import type { ShutdownCall } from '../../src/config/gates.ts';
import { parseStopOrder } from '../../src/config/stop-order.ts';
import type { RequestShutdown } from '../../src/stop/phase-endpoints.ts';
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

const presetCall = (comm: string, path = '/quitquitquit'): ShutdownCall => ({ source: `preset ${comm}`, endpoint: parseHttpEndpoint(`http://127.0.0.1:15000${path}`, 'POST', false), owners: [comm] });
const answers = (): RequestShutdown => async () => ({ ok: true, status: 200, ms: 1 });

test('a sidecar whose shutdown endpoint answered and that exits on its own is not signalled', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy', '-c', '/etc/envoy.yaml'] });
  pod.exitAt(proxy, 100);
  // pod.sent, not an assertion in kill(): the stopper logs an exception from kill and goes on.
  const report = await stopSidecars(defaults, { ...on(pod, capture().log), calls: [presetCall('envoy')], request: answers() });
  assert.deepEqual(pod.sent, [], 'never signalled');
  assert.deepEqual(report.groups.map((g) => [g.outcome, g.how]), [['exited', 'endpoint']]);
  assert.ok(report.ms < 2000, `${report.ms} ms`);
});

/** A log shipper that flushes for `flushMs` after SIGTERM (through the proxy), then exits 0. */
function flushingShipper(pod: FakePod, flushMs: number): { pid: number; kill: (pid: number, signal: string) => void; times: Map<string, number> } {
  const pid = pod.spawn('shipper', { comm: 'fluent-bit', cmdline: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf'], ignores: ['SIGTERM'] });
  const times = new Map<string, number>();
  const kill = (target: number, signal: string): void => {
    times.set(`${target} ${signal}`, pod.now());
    pod.kill(target, signal);
    if (target === pid && signal === 'SIGTERM') pod.exitAt(pid, pod.now() + flushMs);
  };
  return { pid, kill, times };
}

test('senders first: the proxy is stopped only after the log shipper has exited, all within the grace', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy', '-c', '/etc/envoy.yaml'] });
  const shipper = flushingShipper(pod, 700);
  const calledAt: number[] = [];
  const { log, lines } = capture();
  const report = await stopSidecars({ ...defaults, graceMs: 5000 }, {
    ...on(pod, log), kill: shipper.kill, calls: [presetCall('envoy')],
    request: async () => {
      calledAt.push(pod.now());
      pod.exitAt(proxy, pod.now() + 10);
      return { ok: true, status: 200, ms: 1 };
    },
  });
  assert.equal(shipper.times.get(`${shipper.pid} SIGTERM`), 0, 'the shipper is signalled at once');
  assert.equal(calledAt.length, 1);
  assert.ok(calledAt[0]! >= 700, `the proxy was asked to quit at ${calledAt[0]} ms, before the shipper (700 ms) had flushed`);
  assert.ok(!shipper.times.has(`${proxy} SIGTERM`), 'the proxy left through its endpoint');
  assert.deepEqual(report.groups.map((g) => [g.phase, g.how]), [['proxies', 'endpoint'], ['senders', 'signal']]);
  assert.ok(pod.now() < 5000, `took ${pod.now()} ms of a 5000 ms grace`);
  assert.match(lines.join(''), /phase senders: shipper[^\n]*\n(?:.*\n)*.*phase proxies: proxy/);
});

test('a sender that outlasts its phase does not take the proxies\' time: they start with the reserve, and SIGKILL comes at the one deadline', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'], ignores: ['SIGTERM'] });
  const shipper = flushingShipper(pod, 60_000);
  const report = await stopSidecars({ ...defaults, graceMs: 10_000 }, { ...on(pod, capture().log), kill: shipper.kill, calls: [presetCall('envoy')], request: async () => ({ ok: false, error: 'refused', ms: 1 }) });
  // The proxies' phase keeps the kubelet's minimum (2 s) of the 10 s.
  assert.equal(shipper.times.get(`${proxy} SIGTERM`), 8000);
  assert.equal(shipper.times.get(`${shipper.pid} SIGKILL`), 10_000);
  assert.equal(shipper.times.get(`${proxy} SIGKILL`), 10_000);
  assert.deepEqual(report.groups.map((g) => g.how), ['killed', 'killed']);
});

test('--stop-order all: one phase, every container signalled at once', async () => {
  const pod = new FakePod();
  pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'] });
  const shipper = flushingShipper(pod, 700);
  await stopSidecars({ ...defaults, stopOrder: parseStopOrder('all', '--stop-order') }, { ...on(pod, capture().log), kill: shipper.kill, calls: [presetCall('envoy')], request: async () => ({ ok: false, error: 'refused', ms: 1 }) });
  assert.deepEqual([...shipper.times.values()].slice(0, 2), [0, 0]);
});

test('--stop-order with names: the named container first, then the rest in the order given', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'], ignores: ['SIGTERM'] });
  const shipper = flushingShipper(pod, 300);
  const kill = (pid: number, signal: string): void => {
    shipper.kill(pid, signal);
    if (pid === proxy && signal === 'SIGTERM') pod.exitAt(proxy, pod.now() + 400);
  };
  const report = await stopSidecars({ ...defaults, stopOrder: parseStopOrder('envoy,senders', '--stop-order') }, { ...on(pod, capture().log), kill });
  assert.equal(shipper.times.get(`${proxy} SIGTERM`), 0);
  assert.ok(shipper.times.get(`${shipper.pid} SIGTERM`)! >= 400, 'the shipper waited for the proxy\'s phase');
  assert.deepEqual(report.groups.map((g) => [g.phase, g.outcome]), [['envoy', 'exited'], ['senders', 'exited']]);
});

test('--dry-run: each phase, each call and each signal is logged, nothing is called or sent', async () => {
  const pod = new FakePod();
  pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'] });
  pod.spawn('shipper', { comm: 'tail', cmdline: ['tail', '-f', '/dev/null'] });
  const { log, lines } = capture();
  const calls: string[] = [];
  const report = await stopSidecars({ ...defaults, dryRun: true }, {
    ...on(pod, log), calls: [presetCall('envoy')],
    request: async (call) => {
      calls.push(call.endpoint.url);
      return { ok: true, status: 200, ms: 1 };
    },
  });
  assert.deepEqual(calls, []);
  assert.deepEqual(pod.sent, []);
  assert.deepEqual(report.groups.map((g) => g.how), ['dry-run', 'dry-run']);
  const text = lines.join('');
  assert.match(text, /dry run: phase senders: shipper[^\n]*\n(?:.*\n)*jobdone: dry run: would send SIGTERM pid=\d+ comm=tail[^\n]*\n(?:.*\n)*jobdone: dry run: phase proxies: proxy/);
  assert.match(text, /dry run: would call POST http:\/\/127\.0\.0\.1:15000\/quitquitquit \(preset envoy\)/);
});

test('--shutdown-http names no container: called in the last phase that has containers, whose containers wait for it', async () => {
  const pod = new FakePod();
  // An unrecognised proxy of another uid (EPERM for a signal) and a shipper: both senders.
  const proxy = pod.spawn('proxy', { comm: 'my-proxy', cmdline: ['my-proxy'] });
  const shipper = pod.spawn('shipper', { comm: 'tail', cmdline: ['tail', '-f', '/dev/null'] });
  const call: ShutdownCall = { source: '--shutdown-http', endpoint: parseHttpEndpoint('http://127.0.0.1:9000/quit', 'POST', false) };
  const report = await stopSidecars(defaults, {
    ...on(pod, capture().log), calls: [call],
    request: async () => {
      pod.exitAt(proxy, pod.now() + 20);
      pod.exitAt(shipper, pod.now() + 30);
      return { ok: true, status: 200, ms: 1 };
    },
  });
  assert.deepEqual(pod.sent, [], 'both left after the call, before any signal');
  assert.deepEqual(report.groups.map((g) => [g.phase, g.outcome]), [['senders', 'exited'], ['senders', 'exited']]);
});
