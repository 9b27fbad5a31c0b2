// The stand-in sidecars (test/fixtures/stand-ins) in pods (test/sandbox): first that recognition
// takes each for its sidecar over the real /proc and /proc/net/tcp{,6} of a pod, then that jobdone
// with no options stops each its own way and it exits 0, and that an Istio proxy (uid 1337) of a
// uid-1000 job quits through its endpoint at once, not after the grace.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { readProcess } from '../../src/proc/scan.ts';
import { readListeningSockets } from '../../src/recognize/listening.ts';
import { recognizeContainer } from '../../src/recognize/recognize.ts';
import { standInBin } from '../fixtures/stand-ins/build.ts';
import { jobdoneArgv, repoRoot } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Container, type Pod } from '../sandbox/pod.ts';
import { standInCases, standInFiles, type StandInCase } from './stand-in-cases.ts';

const skip = sandboxSkipReason();
let bin = '';
let files = '';

async function startStandIn(pod: Pod, c: StandInCase): Promise<Container> {
  const sidecar = await pod.start({ name: 'sidecar', uid: c.uid, command: c.argv(bin, files), ...(c.env ? { env: c.env } : {}) });
  await sidecar.waitForOutput(c.ready, { timeoutMs: 30_000 });
  return sidecar;
}

/** Its exit status, or a failure naming it when it still runs after `ms` (a sidecar nobody stopped). */
async function exited(container: Container, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${container.stdout.text}`)), ms);
  });
  return Promise.race([container.exited, late]).finally(() => clearTimeout(timer));
}

function jobdone(pod: Pod, c: StandInCase, args: string[]): Promise<Container> {
  return pod.start({ name: 'main', cwd: repoRoot, uid: c.jobUid, command: [...jobdoneArgv(), ...args] });
}

describe('stand-in sidecars in a pod', { skip, timeout: 600_000 }, () => {
  before(() => {
    bin = standInBin();
    files = standInFiles();
  });
  after(() => rmSync(files, { recursive: true, force: true }));

  describe('recognizeContainer over the pod\'s real /proc takes each stand-in for its sidecar', () => {
    for (const c of standInCases) {
      it(c.label, async (t) => {
        const pod = await createPod({ name: 'recognize', t });
        const sidecar = await startStandIn(pod, c);
        const processes = sidecar.processes().map((p) => readProcess('/proc', p.hostPid)).filter((p) => p !== undefined);
        const found = recognizeContainer(processes, readListeningSockets(`/proc/${sidecar.hostPid}`));
        assert.equal(found?.sidecar, c.sidecar, `processes: ${processes.map((p) => `${p.comm} ${JSON.stringify(p.cmdline)}`).join('; ')}`);
        if (c.endpoint !== undefined) assert.equal(`${found.stop.endpoint?.method} ${new URL(found.stop.endpoint?.url ?? 'http://x/').pathname}`, c.endpoint);
        else assert.equal(found.stop.endpoint, undefined);
        if (c.evidence !== undefined) assert.match(found.evidence, c.evidence);
      });
    }
  });

  describe('with no options jobdone stops each its own way and it exits 0', () => {
    for (const c of standInCases) {
      it(c.label, async (t) => {
        const pod = await createPod({ name: 'stop', t });
        const sidecar = await startStandIn(pod, c);
        const main = await jobdone(pod, c, ['--grace', '30s', '--', 'sh', '-c', 'exit 0']);
        assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
        assert.deepEqual(await exited(sidecar, 60_000), { code: 0, signal: null }, `${sidecar.stdout.text}\n${main.stderr.text}`);
        if (c.endpoint !== undefined) assert.match(sidecar.stdout.text, new RegExp(`got ${c.endpoint}\\b`), main.stderr.text);
        // Lines of a child (envoy under pilot-agent) start with its name: ^ is the main process's.
        if (c.term === true) assert.match(sidecar.stdout.text, /^got-SIGTERM/m, main.stderr.text);
        else assert.doesNotMatch(sidecar.stdout.text, /^got-SIGTERM/m, main.stderr.text);
        assert.match(main.stderr.text, new RegExp(`recognised as [^\\n]*sidecar=${c.sidecar}\\b`));
        assert.ok(pod.pid1Alive());
      });
    }
  });

  it('Istio proxy as uid 1337, job as uid 1000, grace 30 s: the proxy quits through :15020/quitquitquit and jobdone exits right after the job', async (t) => {
    const c = standInCases.find((x) => x.sidecar === 'istio')!;
    const pod = await createPod({ name: 'istio', t });
    const sidecar = await startStandIn(pod, c);
    const main = await jobdone(pod, c, ['--grace', '30s', '--', 'sh', '-c', 'echo job-done']);
    await main.waitForOutput('job-done', { timeoutMs: 60_000 });
    const jobEnded = performance.now();
    assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
    const afterJob = performance.now() - jobEnded;
    t.diagnostic(`jobdone exited ${afterJob.toFixed(0)} ms after the job's last output`);
    assert.deepEqual(await exited(sidecar, 60_000), { code: 0, signal: null }, main.stderr.text);
    // The endpoint path, not the signal one: EPERM for every signal (uid 1000 -> 1337), so without
    // the endpoint jobdone would wait out the 30 s grace and the proxy would still run.
    assert.match(sidecar.stdout.text, /^got POST \/quitquitquit$/m);
    assert.match(sidecar.stdout.text, /^quitting$/m);
    assert.doesNotMatch(sidecar.stdout.text, /^got-SIGTERM/m);
    assert.doesNotMatch(main.stderr.text, /SIGKILL/);
    // Generous for a loaded machine (the claim, under 1 s, is the diagnostic above), far below the grace.
    assert.ok(afterJob < 10_000, `jobdone took ${afterJob.toFixed(0)} ms after the job`);
  });
});
