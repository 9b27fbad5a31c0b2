// One multi-arch image: the Dockerfile built by podman for linux/amd64 and linux/arm64 into one
// manifest list (offline, from local bases; arm64 bases from Debian's arm64 packages), then the
// blog post's pod run with each CPU's images: arm64 runs under qemu-user (binfmt_misc).
// Emulation changes no result here, only time: an emulated jobdone starts in about a second, so
// the arm64 pod gets the same assertions but a longer bound on its total time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { arm64SkipReason } from '../helpers/arm64.ts';
import { assertBlogPodStopped, E2eRun, podmanConfig, podmanOk, podmanSkipReason } from './podman.ts';

const skip = podmanSkipReason() ?? arm64SkipReason();
/** ELF e_machine: what the CPU of an executable is, read from its header. */
const machines: Record<string, number> = { amd64: 0x3e, arm64: 0xb7 };

describe('one multi-arch image with podman (linux/amd64 and linux/arm64)', { skip, timeout: 900_000 }, () => {
  const run = skip === undefined ? new E2eRun() : undefined;

  before(async () => {
    await run!.buildMultiArch();
    process.stderr.write(`e2e multi-arch build times (ms): ${JSON.stringify(Object.fromEntries(Object.entries(run!.timings).map(([key, ms]) => [key, Math.round(ms)])))}\n`);
  }, { timeout: 780_000 });
  after(async () => {
    await run?.cleanup();
  }, { timeout: 120_000 });

  /** The CPU of /jobdone/jobdone in an image, from its ELF header (podman export, read to the end). */
  async function jobdoneMachine(image: string): Promise<number> {
    const container = (await podmanOk(['create', image])).trim();
    try {
      // Read to the end: a reader that quits early leaves podman export blocked, holding the container's lock.
      const header = spawnSync('sh', ['-c', 'podman export "$1" | tar -xOf - jobdone/jobdone | { head -c 20; cat >/dev/null; }', 'sh', container],
        { env: { ...process.env, CONTAINERS_CONF: podmanConfig }, timeout: 60_000 }).stdout;
      return header.readUInt16LE(18);
    } finally {
      await podmanOk(['rm', container]);
    }
  }

  it('the manifest list holds one image per CPU, each a /jobdone of that CPU that runs --version', async () => {
    const list = run!.tag('jobdone-multiarch');
    const manifests = JSON.parse(await podmanOk(['manifest', 'inspect', list])).manifests as Array<{ digest: string; platform: { os: string; architecture: string } }>;
    assert.deepEqual(manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort(), ['linux/amd64', 'linux/arm64']);
    for (const { digest, platform } of manifests) {
      // By digest: Podman 4.3's create/run --platform do not pick an instance of a local list.
      const instance = `${list.replace(/:[^:/]+$/, '')}@${digest}`;
      assert.equal((await podmanOk(['image', 'inspect', instance, '--format', '{{.Architecture}}'])).trim(), platform.architecture);
      assert.equal(await jobdoneMachine(instance), machines[platform.architecture], `${platform.architecture} instance: ELF e_machine of /jobdone/jobdone`);
      const version = await podmanOk(['run', '--rm', '--network', 'none', instance, '--version'], 120_000);
      assert.match(version, /^jobdone \d+\.\d+\.\d+ \(node v24\.21\.0\)\n$/);
    }
  });

  for (const arch of ['amd64', 'arm64'] as const) {
    it(`the blog post's pod on ${arch}: output intact, sidecar exits 0, jobdone exits 0`, async (t) => {
      const countdown = run!.tag(`countdown-${arch}`);
      // The job image took that CPU's instance of the list (COPY --from, built with --platform).
      assert.equal((await podmanOk(['image', 'inspect', countdown, '--format', '{{.Architecture}}'])).trim(), arch);
      assert.equal(await jobdoneMachine(countdown), machines[arch], 'ELF e_machine of the job image\'s /jobdone/jobdone');
      const file = run!.podFromJob('job-baked-in.yaml', `blog-${arch}`, (spec) => {
        for (const container of spec.containers) container.image = run!.tag(`${container.name === 'main' ? 'countdown' : 'endless-sidecar'}-${arch}`);
      });
      const started = performance.now();
      const { ended: [main, sidecar] } = await run!.playAndWait(t, file, ['main', 'sidecar'] as const, 120_000);
      const seconds = (performance.now() - started) / 1000;
      assertBlogPodStopped(main, sidecar);
      // Not the 10 s grace period. Under emulation jobdone and the shells start slower (about a
      // second each for jobdone), hence the wider bound for arm64.
      assert.ok(seconds < (arch === 'arm64' ? 30 : 9), `pod done in ${seconds.toFixed(1)} s`);
      process.stderr.write(`e2e blog pod on ${arch}: play to all containers exited in ${seconds.toFixed(1)} s\n`);
    });
  }
});
