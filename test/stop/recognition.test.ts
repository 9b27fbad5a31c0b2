// Recognition wired into the stop, on a fake clock: a recognised sidecar gets its phase, its
// endpoint (only when its port listens) and its signal; --preset and --signal-for win;
// --no-recognize turns it off; a container the plan leaves alone gets nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpEndpoint } from '../../src/config/endpoints.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { RequestShutdown } from '../../src/stop/phase-endpoints.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

const istio = { comm: 'pilot-agent', cmdline: ['/usr/local/bin/pilot-agent', 'proxy', 'sidecar'] };
const listening15020 = () => [{ address: '127.0.0.1', port: 15020, inode: 1 }];

function setUp(listening = listening15020) {
  const pod = new FakePod();
  const proxy = pod.spawn('istio-proxy', istio);
  const urls: string[] = [];
  const lines: string[] = [];
  const request: RequestShutdown = async (call) => {
    urls.push(call.endpoint.url);
    pod.exitAt(proxy, pod.now() + 5);
    return { ok: true, status: 200, ms: 1 };
  };
  const ctx: StopContext = {
    procRoot: '/proc', selfPid: pod.selfPid, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep, request, listening,
    log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }),
  };
  return { pod, proxy, urls, lines, ctx };
}

test('no options: the Istio proxy is recognised, stopped last through its endpoint, and one line says so', async () => {
  const { pod, urls, lines, ctx } = setUp();
  const report = await stopSidecars(stopOptions({ graceMs: 2000 }), ctx);
  assert.deepEqual(urls, ['http://127.0.0.1:15020/quitquitquit']);
  assert.deepEqual(pod.sent, []);
  assert.deepEqual(report.groups.map((g) => [g.phase, g.how, g.recognized?.sidecar]), [['proxies', 'endpoint', 'istio']]);
  const said = lines.filter((line) => /recognised as Istio proxy/.test(line));
  assert.equal(said.length, 1, lines.join(''));
  assert.match(said[0]!, /sidecar container istio-proxy exited: recognised as Istio proxy \(pilot-agent \+ envoy\) \(comm pilot-agent[^)]*:15020 listening\); stopped through its shutdown endpoint \(POST http:\/\/127\.0\.0\.1:15020\/quitquitquit\)/);
});

test('an endpoint whose port does not listen is not called: the signal instead', async () => {
  const { pod, proxy, urls, ctx } = setUp(() => []);
  await stopSidecars(stopOptions({ graceMs: 2000 }), ctx);
  assert.deepEqual(urls, []);
  assert.deepEqual(pod.sent, [`${proxy} SIGTERM`]);
});

test('--preset wins over the recognised endpoint, --signal-for over the recognised signal', async () => {
  const { urls, ctx } = setUp();
  const preset = { source: 'preset istio', endpoint: parseHttpEndpoint('http://127.0.0.1:15999/quitquitquit', 'POST', false), owners: ['pilot-agent', 'envoy'] };
  await stopSidecars(stopOptions({ graceMs: 2000 }), { ...ctx, calls: [preset] });
  assert.deepEqual(urls, ['http://127.0.0.1:15999/quitquitquit']);

  const second = setUp(() => []);
  await stopSidecars(stopOptions({ graceMs: 2000, signalFor: new Map([['pilot-agent', 'INT']]) }), second.ctx);
  assert.deepEqual(second.pod.sent, [`${second.proxy} SIGINT`]);
});

test('--no-recognize: no recognised endpoint, a plain sender; --skip: nothing at all, recognised or not', async () => {
  const off = setUp();
  const report = await stopSidecars(stopOptions({ graceMs: 2000, recognize: false }), off.ctx);
  assert.deepEqual(off.urls, []);
  assert.deepEqual(report.groups.map((g) => [g.phase, g.how, g.recognized]), [['senders', 'signal', undefined]]);

  const skipped = setUp();
  await stopSidecars(stopOptions({ graceMs: 2000, skip: /pilot-agent/ }), skipped.ctx);
  assert.deepEqual(skipped.urls, [], 'recognition never widens what is stopped');
  assert.deepEqual(skipped.pod.sent, []);
});
