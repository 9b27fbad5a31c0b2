// Issue 17 acceptance, in the pod sandbox with no options: a log shipper that flushes through the
// proxy's port on SIGTERM succeeds, because the proxy (recognised: a process named envoy) is
// stopped only after the shipper has exited, all within the grace. And a kubelet-like restarter
// that brings a stopped sidecar back at once: the replacement is never signalled, and jobdone does
// not wait for it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jobdoneArgv, repoRoot } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/sidecars/${name}`, import.meta.url));

describe('the stop in phases, in a pod', { skip, timeout: 120_000 }, () => {
  it('a log shipper flushes through the proxy on SIGTERM: the flush succeeds, the proxy is stopped after the shipper exited, within the grace', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-envoy-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync(process.execPath, join(dir, 'envoy'));
    const pod = await createPod({ name: 'shipper', t });
    const proxy = await pod.start({ name: 'proxy', command: [join(dir, 'envoy'), fixture('gate-proxy.mjs'), '18080'] });
    await proxy.waitForOutput('ready', { timeoutMs: 20_000 });
    const shipper = await pod.start({ name: 'shipper', command: [process.execPath, fixture('flushing-shipper.mjs'), '18080', '300'] });
    await shipper.waitForOutput('ready', { timeoutMs: 20_000 });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '20s', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await shipper.exited, { code: 0, signal: null }, `the flush failed:\n${shipper.stdout.text}\n${main.stderr.text}`);
    assert.deepEqual(await proxy.exited, { code: 0, signal: null });
    const flushed = Number(/flushed at (\d+)/.exec(shipper.stdout.text)?.[1]);
    const stopped = Number(/stopped at (\d+)/.exec(proxy.stdout.text)?.[1]);
    assert.ok(flushed > 0 && stopped >= flushed, `proxy stopped at ${stopped}, shipper flushed at ${flushed}`);
    const text = main.stderr.text;
    assert.match(text, /sidecar container proxy exited: recognised as Envoy/);
    assert.doesNotMatch(text, /SIGKILL/);
    const ms = Number(/stopped 2 container\(s\) in (\d+) ms/.exec(text)?.[1]);
    assert.ok(ms < 20_000, `within the grace: ${ms} ms\n${text}`);
    assert.ok(text.indexOf('phase senders: shipper') < text.indexOf('phase proxies: proxy (envoy)'), text);
  });

  it('a kubelet-like restarter brings a stopped sidecar back at once: the replacement is never signalled, jobdone does not wait for it', async (t) => {
    const pod = await createPod({ name: 'restart', t });
    const command = ['sleep', '1000'];
    const agent = await pod.start({ name: 'agent', command });
    // The kubelet restarts a native sidecar that exits before the pod is done: a new container, the same command.
    const replacement = agent.exited.then(() => pod.start({ name: 'agent-2', command }));
    // Keeps the stop going for a while, so the replacement appears during it.
    const slow = await pod.start({ name: 'slow', command: [process.execPath, '-e', "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 2000)); console.log('ready'); setInterval(() => {}, 1000)"] });
    await slow.waitForOutput('ready', { timeoutMs: 10_000 });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '30s', '--stop-order', 'all', '--', 'sh', '-c', 'exit 3'] });
    const started = performance.now();
    assert.equal((await main.exited).code, 3, main.stderr.text);
    const took = performance.now() - started;
    const second = await replacement;
    assert.equal(second.running, true, `the replacement was stopped:\n${main.stderr.text}`);
    assert.match(main.stderr.text, /container agent-2 runs "sleep" again, as agent did before it was stopped: the kubelet restarted it/);
    assert.doesNotMatch(main.stderr.text, /still-running|SIGKILL/);
    // The 30 s grace would have been spent on a replacement jobdone waited for.
    assert.ok(took < 15_000, `jobdone took ${Math.round(took)} ms`);
  });

  it('--keep-sidecars-on-failure: a failing job exits at once with its status, the sidecar runs on and the JSON verdict says kept; a passing one stops it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-keep-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pod = await createPod({ name: 'keep', t });
    const sidecar = await pod.start({ name: 'proxy', command: ['sleep', '1000'] });
    const options = ['--keep-sidecars-on-failure', '--grace', '20s', '--termination-format', 'json'];
    const failing = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), ...options, '--termination-log', join(dir, 'failed'), '--', 'sh', '-c', 'exit 3'] });
    assert.equal((await failing.exited).code, 3, failing.stderr.text);
    assert.equal(sidecar.running, true, failing.stderr.text);
    const verdict = JSON.parse(readFileSync(join(dir, 'failed'), 'utf8'));
    assert.deepEqual([verdict.exit, verdict.sidecars.map((s: { container: string; how: string }) => `${s.container} ${s.how}`)], [3, ['proxy kept']]);
    const passing = await pod.start({ name: 'retry', cwd: repoRoot, command: [...jobdoneArgv(), ...options, '--termination-log', join(dir, 'passed'), '--', 'true'] });
    assert.equal((await passing.exited).code, 0, passing.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 143, signal: 'SIGTERM' });
    assert.equal(JSON.parse(readFileSync(join(dir, 'passed'), 'utf8')).sidecars[0].how, 'signal');
  });
});
