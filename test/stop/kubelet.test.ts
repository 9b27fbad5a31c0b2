// What belongs to the kubelet, on a fake clock: a native sidecar it restarts during the stop, a
// declared native sidecar (--native-sidecar), and sidecars kept for an OnFailure retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { stopAfterJob } from '../../src/stop/stop-after-job.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { runConfig, stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }), lines };
}

function on(pod: FakePod, log: Logger): StopContext {
  return { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep };
}

const vector = ['/usr/bin/vector', '--config', '/etc/vector/vector.yaml'];

test('a stopped sidecar that the kubelet brings back at once: the replacement is never signalled nor waited for', async () => {
  const pod = new FakePod();
  const first = pod.spawn('agent-1', { comm: 'vector', cmdline: vector });
  let replacement: number | undefined;
  const { log, lines } = capture();
  // Recorded, not asserted in kill(): the stopper logs an exception from kill and goes on.
  const report = await stopSidecars(stopOptions({ graceMs: 30_000 }), {
    ...on(pod, log),
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      // The kubelet restarts a native sidecar that exited: a new container, the same command.
      if (pid === first) replacement = pod.spawn('agent-2', { comm: 'vector', cmdline: vector });
    },
  });
  assert.ok(replacement !== undefined && pod.isAlive(replacement));
  assert.deepEqual(pod.sent, [`${first} SIGTERM`], 'only the first container was signalled');
  assert.deepEqual(report.groups.map((g) => [g.shortId, g.how]), [['agent-1', 'signal'], ['agent-2', 'kubelet']]);
  assert.equal(report.totals['still-running'] + report.totals.eperm, 0, 'not a failure');
  assert.ok(pod.now() < 1000, `the stop took ${pod.now()} ms of a 30 s grace: it did not wait for the replacement`);
  const said = lines.filter((line) => /the kubelet restarted it/.test(line));
  assert.equal(said.length, 1, lines.join(''));
  assert.match(said[0]!, /container agent-2 runs "vector" again, as agent-1 did before it was stopped/);
});

// Recognition reads a command line only for a process whose comm a rule names: an unknown
// program's is read when its container is tracked, while it runs, or the stopped main has none
// left to compare (CI found the replacement of an unknown sidecar signalled).
test('an unknown program the kubelet brings back is known by the command line read before its stop', async () => {
  const pod = new FakePod();
  const agent = ['/bin/my-agent', '--serve'];
  const first = pod.spawn('agent-1', { comm: 'my-agent', cmdline: agent });
  let replacement: number | undefined;
  const report = await stopSidecars(stopOptions({ graceMs: 30_000 }), {
    ...on(pod, capture().log),
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      if (pid === first) replacement = pod.spawn('agent-2', { comm: 'my-agent', cmdline: agent });
    },
  });
  assert.ok(replacement !== undefined && pod.isAlive(replacement));
  assert.deepEqual(pod.sent, [`${first} SIGTERM`], 'only the first container was signalled');
  assert.deepEqual(report.groups.map((g) => [g.shortId, g.how]), [['agent-1', 'signal'], ['agent-2', 'kubelet']]);
});

test('a new container with another command during the stop is a late sidecar, stopped as before', async () => {
  const pod = new FakePod();
  const first = pod.spawn('agent-1', { comm: 'vector', cmdline: vector });
  let other: number | undefined;
  await stopSidecars(stopOptions({ graceMs: 5000 }), {
    ...on(pod, capture().log),
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      if (pid === first) other = pod.spawn('late', { comm: 'sleep', cmdline: ['sleep', '30'] });
    },
  });
  assert.deepEqual(pod.endOf(other!), { code: null, signal: 'SIGTERM' });
});

test('--native-sidecar: a declared native sidecar is never signalled, reported as left to the kubelet', async () => {
  const pod = new FakePod();
  const native = pod.spawn('native', { comm: 'envoy', cmdline: ['envoy', '-c', '/etc/envoy.yaml'], ignores: ['SIGTERM'] });
  const classic = pod.spawn('classic');
  const native_ = stopOptions({ graceMs: 2000, nativeSidecar: /^envoy -c \/etc\/envoy\.yaml$/ });
  const { log, lines } = capture();
  const report = await stopSidecars(native_, on(pod, log));
  assert.equal(pod.isAlive(native), true);
  assert.deepEqual(pod.sent, [`${classic} SIGTERM`], 'the native sidecar got nothing');
  assert.deepEqual(pod.endOf(classic), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(report.groups.map((g) => [g.shortId, g.how]), [['native', 'kubelet'], ['classic', 'signal']]);
  assert.match(lines.join(''), /leaving alone sidecar container native: \d+ envoy \(never: native-sidecar\)/);
  assert.ok(pod.now() < 1000, 'not waited for');
});

/** The pod's stop as the lifecycle calls it, for a job that ended with `status`. */
async function stopAfter(status: number, argv: string[]) {
  const pod = new FakePod();
  const proxy = pod.spawn('proxy', { comm: 'envoy', cmdline: ['envoy'] });
  const { log, lines } = capture();
  const config = { ...runConfig(['--grace', '2s', ...argv]), procRoot: '/proc' };
  const stopped = await stopAfterJob(config, { pid: undefined, status }, log, { selfPid: pod.selfPid, port: { fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep } });
  return { pod, proxy, stopped, lines };
}

test('--keep-sidecars-on-failure: a failed job (non-zero, signal, timeout) leaves the sidecars running and says so', async () => {
  for (const status of [1, 137, 124]) {
    const { pod, proxy, stopped, lines } = await stopAfter(status, ['--keep-sidecars-on-failure']);
    assert.equal(pod.isAlive(proxy), true, `exit ${status}`);
    assert.deepEqual(pod.sent, []);
    assert.deepEqual(stopped.report?.groups.map((g) => [g.shortId, g.how]), [['proxy', 'kept']]);
    assert.equal(stopped.summary, '1 container(s) kept running for the retry');
    assert.match(lines.join(''), new RegExp(`the job failed \\(exit ${status}\\): leaving 1 sidecar container\\(s\\) running for the kubelet's retry`));
    assert.equal(pod.now(), 0, 'at once');
  }
});

// The verdict names every sidecar container: a declared native sidecar is the kubelet's on a
// failure too (it was left out of the kept report, so the JSON verdict had no word of it).
test('--keep-sidecars-on-failure with a declared native sidecar: the verdict keeps the classic one and leaves the native one to the kubelet', async () => {
  const pod = new FakePod();
  const native = pod.spawn('native', { comm: 'agent', cmdline: ['agent', '--native'] });
  const classic = pod.spawn('classic', { comm: 'envoy', cmdline: ['envoy'] });
  const { log } = capture();
  const config = { ...runConfig(['--grace', '2s', '--keep-sidecars-on-failure', '--native-sidecar', '^agent --native$']), procRoot: '/proc' };
  const stopped = await stopAfterJob(config, { pid: undefined, status: 3 }, log, { selfPid: pod.selfPid, port: { fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep } });
  assert.deepEqual(pod.sent, []);
  assert.equal(pod.isAlive(native) && pod.isAlive(classic), true);
  assert.deepEqual(stopped.report?.groups.map((g) => [g.shortId, g.how]).sort(), [['classic', 'kept'], ['native', 'kubelet']]);
  assert.equal(stopped.summary, '1 container(s) kept running for the retry, 1 left to the kubelet');
});

test('--keep-sidecars-on-failure: a job that succeeded still stops them; without the flag a failure stops them too', async () => {
  const ok = await stopAfter(0, ['--keep-sidecars-on-failure']);
  assert.deepEqual(ok.pod.endOf(ok.proxy), { code: null, signal: 'SIGTERM' });
  const failed = await stopAfter(1, []);
  assert.deepEqual(failed.pod.endOf(failed.proxy), { code: null, signal: 'SIGTERM' });
});
