// End to end with a real container runtime: the jobdone image built with podman
// from the real Dockerfile (offline, from local bases), the example images, and
// the examples' Job pod templates run by `podman kube play --network none`.
// Root and podman are needed; CI must not skip (podmanSkipReason throws there).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, inject } from '../inject/harness.ts';
import { assertBlogPodStopped, countdownOutput, E2eRun, podmanConfig, podmanOk, podmanSkipReason, type ContainerOutcome, type ContainerState } from './podman.ts';

const skip = podmanSkipReason();

/**
 * PID 1 of the pod (podman's infra, catatonit) was never signalled: it was not restarted, and
 * it outlived every container. (Podman stops a kube-play pod's infra once all its containers
 * have exited; had PID 1 died first, the kernel would have killed every container with it.)
 */
function assertInfraOutlived(before: ContainerState, after: ContainerState, containers: ContainerOutcome[]): void {
  assert.equal(after.startedAt, before.startedAt, 'infra never restarted');
  if (after.running) return;
  for (const container of containers) assert.ok(after.finishedAt >= container.finishedAt, `infra ended after every container (exit ${after.exitCode})`);
}

describe('end to end with podman', { skip, timeout: 420_000 }, () => {
  const run = skip === undefined ? new E2eRun() : undefined;

  before(async () => {
    await run!.buildImages();
    process.stderr.write(`e2e build times (ms): ${JSON.stringify(Object.fromEntries(Object.entries(run!.timings).map(([key, ms]) => [key, Math.round(ms)])))}\n`);
  }, { timeout: 360_000 });
  after(async () => {
    await run?.cleanup();
  }, { timeout: 120_000 });

  it('the Dockerfile builds an image that holds nothing but /jobdone', async () => {
    const entries = await run!.imageFiles(run!.tag('jobdone'));
    assert.deepEqual(entries.filter((entry) => entry !== 'jobdone' && !entry.startsWith('jobdone/')), []);
    assert.ok(entries.includes('jobdone/jobdone') && entries.includes('jobdone/lib/libc.so.6'), entries.join(' '));
    const version = await podmanOk(['run', '--rm', '--network', 'none', run!.tag('jobdone'), '--version']);
    assert.match(version, /^jobdone \d+\.\d+\.\d+ \(node v24\./);
  });

  it("the blog post's Job (jobdone baked in): output intact, sidecar exits 0, jobdone exits 0, infra untouched", async (t) => {
    const file = run!.podFromJob('job-baked-in.yaml', 'blog');
    const started = performance.now();
    const { pod, infraBefore, ended: [main, sidecar] } = await run!.playAndWait(t, file, ['main', 'sidecar'] as const);
    const seconds = (performance.now() - started) / 1000;
    assertBlogPodStopped(main, sidecar);
    assertInfraOutlived(infraBefore, await run!.infraState(pod), [main, sidecar]);
    // The countdown takes ~1 s; stopping the sidecar must not wait for the 10 s grace.
    assert.ok(seconds < 9, `pod done in ${seconds.toFixed(1)} s`);
    process.stderr.write(`e2e blog pod: play to all containers exited in ${seconds.toFixed(1)} s\n`);
  });

  it('the same Job with the countdown exiting 3: the job container exits 3, the sidecar is stopped (0)', async (t) => {
    const file = run!.podFromJob('job-baked-in.yaml', 'exit3', (spec) => {
      spec.containers.find((container: { name: string }) => container.name === 'main').env = [{ name: 'COUNTDOWN_EXIT', value: '3' }];
    });
    const { pod, infraBefore, ended: [main, sidecar] } = await run!.playAndWait(t, file, ['main', 'sidecar'] as const);
    assert.equal(main.exitCode, 3, main.stderr);
    assert.equal(main.stdout, countdownOutput);
    assert.match(main.stderr, /done: job exited with code 3/);
    assert.equal(sidecar.exitCode, 0, sidecar.stderr);
    assertInfraOutlived(infraBefore, await run!.infraState(pod), [main, sidecar]);
  });

  it('the initContainer Job: jobdone installed into an emptyDir runs a job image with no shell, no procps, no libc', async (t) => {
    const listing = await podmanOk(['image', 'inspect', run!.tag('static-job'), '--format', '{{len .RootFS.Layers}}']);
    assert.equal(listing.trim(), '1', 'static-job is one layer FROM scratch');
    const file = run!.podFromJob('job-initcontainer.yaml', 'init');
    const { pod, infraBefore, ended: [main, sidecar] } = await run!.playAndWait(t, file, ['main', 'sidecar'] as const);
    assert.equal(main.exitCode, 0, main.stderr);
    assert.equal(main.stdout, '3\n2\n1\n');
    assert.equal(sidecar.exitCode, 0, sidecar.stderr);
    assert.equal(sidecar.stdout, 'stopping now!\n');
    // Podman removes init containers once they have run; that main ran /jobdone/jobdone from
    // the emptyDir is the proof that the install worked.
    assertInfraOutlived(infraBefore, await run!.infraState(pod), [main, sidecar]);
  });

  it('the Istio Job beside a fake istio-proxy (UID 1337): --preset istio waits for ready, then quits it through its endpoint', async (t) => {
    const file = run!.podFromJob('job-istio.yaml', 'istio', (spec) => {
      // What the injector adds, with the stand-in image.
      spec.containers.unshift({
        name: 'istio-proxy', image: run!.tag('fake-mesh-proxy'), imagePullPolicy: 'Never',
        securityContext: { runAsUser: 1337, runAsGroup: 1337 }, env: [{ name: 'READY_AFTER', value: '2' }],
      });
    });
    const { pod, infraBefore, ended: [main, proxy] } = await run!.playAndWait(t, file, ['main', 'istio-proxy'] as const);
    assert.equal(main.exitCode, 0, main.stderr);
    assert.equal(main.stdout, countdownOutput);
    assert.equal(proxy.exitCode, 0, proxy.stdout + proxy.stderr);
    assert.match(proxy.stdout, /fake-mesh-proxy: uid 1337/);
    assert.match(proxy.stdout, /fake-mesh-proxy: ready\n/);
    assert.match(proxy.stdout, /fake-mesh-proxy: POST \/quitquitquit, exiting 0/);
    assert.match(main.stderr, /15020\/quitquitquit/);
    assertInfraOutlived(infraBefore, await run!.infraState(pod), [main, proxy]);
  });

  // The blog post's plain Job (a countdown image without jobdone, the endless sidecar, no
  // shareProcessNamespace, a plain command) through jobdone inject --via init, as is.
  for (const exitCode of [0, 3]) {
    it(`jobdone inject --via init on the blog's plain Job: the pod completes with the job's exit code (${exitCode})`, async (t) => {
      const plain = readFileSync(join(fixturesDir, 'job-init', 'input.yaml'), 'utf8').replace('image: countdown', 'image: countdown-plain');
      assert.doesNotMatch(plain, /jobdone|shareProcessNamespace/);
      const injected = await inject(['--via', 'init', '--image', 'jobdone'], plain);
      assert.equal(injected.code, 0, injected.stderr);
      const file = run!.podFromJobText(injected.stdout, `inject${exitCode}`, (spec) => {
        spec.containers.find((container: { name: string }) => container.name === 'main').env = [{ name: 'COUNTDOWN_EXIT', value: String(exitCode) }];
      });
      const { pod, infraBefore, ended: [main, sidecar] } = await run!.playAndWait(t, file, ['main', 'sidecar'] as const);
      assert.equal(main.exitCode, exitCode, main.stderr);
      assert.equal(main.stdout, countdownOutput);
      assert.match(main.stderr, new RegExp(`done: job exited with code ${exitCode}; 1 container\\(s\\) stopped`));
      assert.equal(sidecar.exitCode, 0, sidecar.stderr);
      assert.equal(sidecar.stdout, 'stopping now!\n');
      assertInfraOutlived(infraBefore, await run!.infraState(pod), [main, sidecar]);
    });
  }

  it('the jobdone image runs jobdone inject: manifests on stdin, the same bytes as the golden file on stdout', () => {
    const input = readFileSync(join(fixturesDir, 'job-init', 'input.yaml'), 'utf8');
    const result = spawnSync('podman', ['run', '-i', '--rm', '--network', 'none', run!.tag('jobdone'), 'inject'], {
      input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CONTAINERS_CONF: podmanConfig },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, readFileSync(join(fixturesDir, 'job-init', 'expected.yaml'), 'utf8'));
  });
});
