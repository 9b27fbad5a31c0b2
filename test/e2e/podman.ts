// Podman for the end-to-end tests: the machine's containers.conf, a skip reason
// (never a skip in CI), bounded calls, and one run's images and pods, named with
// this process's pid so that cleanup removes only what this run made.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/jobdone.ts';
import { run, type CommandResult } from './run-command.ts';
import { exampleImages, importBase, ownerIsDead, prepareNpmCache, type BaseName } from './local-images.ts';
import { asRoot, cannotRun, install } from '../helpers/skip.ts';

export const podmanConfig = join(repoRoot, 'test', 'e2e', 'containers.conf');

export type PodmanResult = CommandResult;

/** What the blog post's countdown prints. */
export const countdownOutput = '10\n9\n8\n7\n6\n5\n4\n3\n2\n1\nAnd it is a lift off!\n';

/** The blog post's pod ended as it should: the countdown's output intact, both exit 0, the sidecar stopped with SIGTERM. */
export function assertBlogPodStopped(main: ContainerOutcome, sidecar: ContainerOutcome): void {
  assert.equal(main.exitCode, 0, main.stderr);
  assert.equal(main.stdout, countdownOutput);
  assert.equal(sidecar.exitCode, 0, sidecar.stderr);
  assert.equal(sidecar.stdout, 'stopping now!\n');
  assert.match(main.stderr, /sent SIGTERM pid=\d+ comm=sleep/);
  assert.match(main.stderr, /done: job exited with code 0; 1 container\(s\) stopped/);
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, CONTAINERS_CONF: podmanConfig });

export function podmanSkipReason(): string | undefined {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'needs root (rootful podman pods)';
  else if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) reason = 'podman is not installed (Debian package podman)';
  else if (spawnSync('runc', ['--version'], { stdio: 'ignore' }).status !== 0) reason = 'runc is not installed (Debian package runc; crun refuses this hybrid cgroup layout)';
  else if (spawnSync('podman', ['info'], { stdio: 'ignore', env: env(), timeout: 30_000 }).status !== 0) reason = 'podman info fails with test/e2e/containers.conf';
  const toRun = reason?.startsWith('needs root') ? asRoot : reason?.includes('is not installed') ? install('podman') : undefined;
  return cannotRun('the podman end-to-end tests', reason, toRun);
}

export function podman(args: readonly string[], timeoutMs = 60_000): Promise<PodmanResult> {
  return run('podman', args, { env: env(), timeoutMs });
}

export async function podmanOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await podman(args, timeoutMs);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

export interface ContainerOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Nanoseconds since the epoch. */
  finishedAt: bigint;
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  startedAt: bigint;
  /** 0 while running. */
  finishedAt: bigint;
}

async function containerState(container: string): Promise<ContainerState> {
  const [running, exitCode, startedAt, finishedAt] = (await podmanOk(['inspect', container, '--format',
    '{{.State.Running}} {{.State.ExitCode}} {{.State.StartedAt.UnixNano}} {{.State.FinishedAt.UnixNano}}'])).trim().split(' ');
  return { running: running === 'true', exitCode: Number(exitCode), startedAt: BigInt(startedAt!), finishedAt: running === 'true' ? 0n : BigInt(finishedAt!) };
}

export class E2eRun {
  readonly id = `${process.pid}`;
  private readonly pods = new Set<string>();
  private readonly work = mkdtempSync(join(tmpdir(), 'jobdone-e2e-'));
  readonly timings: Record<string, number> = {};

  tag(name: string): string {
    return `localhost/jobdone-e2e/${name}:${this.id}`;
  }

  /** Local bases, the jobdone image from the real Dockerfile (offline), then the example images. */
  // Not --layers=false: buildah then deletes the (tagged) base image of a stage that has no
  // instructions (FROM x AS jobdone, only used by COPY --from). The layer images a build
  // leaves untagged are removed by cleanup(): those that did not exist before this run.
  private imagesBefore: Set<string> | undefined;

  /** Pods and images of earlier runs whose process died before its cleanup (a killed test run). */
  async sweepAbandoned(): Promise<void> {
    const alive = (pid: string): boolean => !ownerIsDead(pid);
    const pods = (await podman(['pod', 'ls', '--format', '{{.Name}}'])).stdout.split('\n');
    for (const pod of pods) {
      const owner = /^jobdone-e2e-(\d+)-/.exec(pod)?.[1];
      if (owner !== undefined && owner !== this.id && !alive(owner)) await podman(['pod', 'rm', '--force', '--time', '0', pod]);
    }
    const images = (await podman(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n');
    for (const image of images) {
      const owner = /^localhost\/jobdone-e2e\/[\w-]+:(\d+)$/.exec(image)?.[1];
      if (owner !== undefined && owner !== this.id && !alive(owner)) await podman(['rmi', '--force', image]);
    }
  }

  /** Tags made by buildMultiArch (cleanup removes them with the others). */
  private readonly multiArchTags = new Set<string>();

  /**
   * The Dockerfile built for both CPUs into one manifest list, tag('jobdone-multiarch') (the
   * build stage runs on this machine's CPU and cross-builds arm64), then for each CPU the blog
   * pod's images from that CPU's bases and that CPU's instance of the list:
   * tag('countdown-<arch>'), tag('endless-sidecar-<arch>'). arm64 runs under qemu-user.
   */
  async buildMultiArch(): Promise<void> {
    await this.importBases(['busybox', 'bash', 'node-build-cross', 'busybox-arm64', 'bash-arm64']);
    let started = performance.now();
    const list = this.tag('jobdone-multiarch');
    this.multiArchTags.add(list);
    await podmanOk([
      'build', '--network', 'none', '--pull=never', '--platform', 'linux/amd64,linux/arm64', '--manifest', list,
      // Podman 4.3 leaves BUILDPLATFORM unset (see the Dockerfile): the build stage runs here, natively.
      '--build-arg', `BUILDPLATFORM=linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      '--build-arg', `NODE_IMAGE=${this.tag('node-build-cross')}`,
      '-f', join(repoRoot, 'Dockerfile'), repoRoot,
    ], 600_000);
    this.timings.jobdoneMultiArch = performance.now() - started;

    started = performance.now();
    for (const arch of ['amd64', 'arm64'] as const) {
      const base = (name: string): string => this.tag(arch === 'arm64' ? `${name}-arm64` : name);
      for (const [name, args] of [['countdown', { JOBDONE_IMAGE: list, BASE: base('busybox') }], ['endless-sidecar', { BASE: base('bash') }]] as const) {
        const tag = this.tag(`${name}-${arch}`);
        this.multiArchTags.add(tag);
        const buildArgs = Object.entries(args).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
        await podmanOk(['build', '--network', 'none', '--pull=never', '--platform', `linux/${arch}`, ...buildArgs, '-t', tag, join(repoRoot, exampleImages[name]!.context)], 180_000);
      }
    }
    this.timings.blogImages = performance.now() - started;
  }

  /**
   * Sweeps what crashed runs left, notes the images there before, and imports the local bases.
   * The builds have no network: the node-build bases carry an npm cache that answers npm ci.
   */
  private async importBases(bases: BaseName[]): Promise<void> {
    await this.sweepAbandoned();
    this.imagesBefore = new Set((await podmanOk(['images', '--all', '--quiet', '--no-trunc'])).split('\n').filter(Boolean));
    let started = performance.now();
    const npmCache = join(this.work, 'npm-cache');
    prepareNpmCache(npmCache);
    this.timings.npmCache = performance.now() - started;
    started = performance.now();
    for (const base of bases) importBase(base, this.tag(base), { command: 'podman', env: env() }, { npmCache });
    rmSync(npmCache, { recursive: true, force: true });
    this.timings.bases = performance.now() - started;
  }

  async buildImages(): Promise<void> {
    await this.importBases(['busybox', 'bash', 'node-build']);
    let started = performance.now();
    await podmanOk([
      'build', '--network', 'none', '--pull=never',
      '--build-arg', `NODE_IMAGE=${this.tag('node-build')}`,
      '-t', this.tag('jobdone'), '-f', join(repoRoot, 'Dockerfile'), repoRoot,
    ], 300_000);
    this.timings.jobdoneImage = performance.now() - started;

    started = performance.now();
    for (const [name, image] of Object.entries(exampleImages)) {
      const buildArgs = Object.entries(image.args((base) => this.tag(base))).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
      const file = image.file === undefined ? [] : ['-f', join(repoRoot, image.context, image.file)];
      await podmanOk(['build', '--network', 'none', '--pull=never', ...buildArgs, ...file, '-t', this.tag(name), join(repoRoot, image.context)], 120_000);
    }
    this.timings.exampleImages = performance.now() - started;
  }

  /**
   * The Job's pod template as a Pod (podman kube play rejects kind: Job), named for this run,
   * with the examples' image names mapped to this run's local tags and never pulled.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pod spec parsed from YAML
  podFromJob(example: string, podName: string, edit: (spec: Record<string, any>) => void = () => {}): string {
    return this.podFromJobText(readFileSync(join(repoRoot, 'examples', 'k8s', example), 'utf8'), podName, edit, example);
  }

  /** podFromJob for a Job given as YAML text (e.g. jobdone inject's output). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pod spec parsed from YAML
  podFromJobText(yaml: string, podName: string, edit: (spec: Record<string, any>) => void = () => {}, example = 'manifest'): string {
    const job = parse(yaml);
    const spec = structuredClone(job.spec.template.spec);
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      const name = container.image === 'jobdone' ? 'jobdone' : container.image;
      if (name !== 'jobdone' && exampleImages[name] === undefined) throw new Error(`${example}: no local build for image ${container.image}`);
      container.image = this.tag(name);
      container.imagePullPolicy = 'Never';
    }
    edit(spec);
    const name = `jobdone-e2e-${this.id}-${podName}`;
    const file = join(this.work, `${name}.yaml`);
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: job.spec.template.metadata?.labels ?? {} }, spec }));
    return file;
  }

  /** podman kube play --network none; returns the pod name. */
  async play(file: string): Promise<string> {
    const name = (parse(readFileSync(file, 'utf8')) as { metadata: { name: string } }).metadata.name;
    this.pods.add(name);
    await podmanOk(['kube', 'play', '--network', 'none', file], 60_000);
    return name;
  }

  async wait(pod: string, container: string, timeoutMs = 60_000): Promise<ContainerOutcome> {
    const full = `${pod}-${container}`;
    const exitCode = Number((await podmanOk(['wait', full], timeoutMs)).trim());
    const logs = await podman(['logs', full]);
    const state = await containerState(full);
    return { exitCode, stdout: logs.stdout, stderr: logs.stderr, finishedAt: state.finishedAt };
  }

  /** Plays the pod (removed after the test), notes its infra container's state, waits for the named containers. */
  async playAndWait<Names extends readonly string[]>(
    t: { after: (fn: () => Promise<void>) => void }, file: string, names: Names, timeoutMs?: number,
  ): Promise<{ pod: string; infraBefore: ContainerState; ended: { [K in keyof Names]: ContainerOutcome } }> {
    const pod = await this.play(file);
    t.after(() => this.removePod(pod));
    const infraBefore = await this.infraState(pod);
    const ended: ContainerOutcome[] = [];
    for (const name of names) ended.push(await this.wait(pod, name, timeoutMs));
    return { pod, infraBefore, ended: ended as { [K in keyof Names]: ContainerOutcome } };
  }

  async infraState(pod: string): Promise<ContainerState> {
    const infra = (await podmanOk(['pod', 'inspect', pod, '--format', '{{.InfraContainerID}}'])).trim();
    return containerState(infra);
  }

  async removePod(pod: string): Promise<void> {
    await podman(['pod', 'rm', '--force', '--time', '0', pod]);
    this.pods.delete(pod);
  }

  /** Every path in the image's file system (podman export of a container made from it, through tar -t). */
  async imageFiles(image: string): Promise<string[]> {
    const container = (await podmanOk(['create', image])).trim();
    try {
      const listing = spawnSync('sh', ['-c', 'podman export "$1" | tar -t', 'sh', container], { encoding: 'utf8', env: env(), timeout: 60_000 });
      if (listing.status !== 0) throw new Error(`listing ${image}: ${listing.stderr}`);
      return listing.stdout.trim().split('\n').map((entry) => entry.replace(/\/$/, '')).sort();
    } finally {
      await podman(['rm', container]);
    }
  }

  /** Pods, then images of this run; also when a test failed half-way. */
  async cleanup(): Promise<void> {
    for (const pod of [...this.pods]) await this.removePod(pod).catch(() => undefined);
    const tags = ['jobdone', ...Object.keys(exampleImages), 'busybox', 'bash', 'node-build', 'node-build-cross', 'busybox-arm64', 'bash-arm64'].map((name) => this.tag(name));
    // A manifest list is removed with podman manifest rm; its instances are then untagged layers.
    for (const tag of this.multiArchTags) await podman(['manifest', 'rm', tag]).catch(() => undefined);
    for (const tag of [...this.multiArchTags, ...tags]) await podman(['rmi', '--force', tag]).catch(() => undefined);
    if (this.imagesBefore !== undefined) {
      // Children before parents: newest first, two passes for layer chains.
      for (let pass = 0; pass < 2; pass++) {
        const listing = await podman(['images', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}', '--sort', 'created']);
        const ours = listing.stdout.trim().split('\n').map((line) => line.split(' ')).filter(([id, repository]) => id && repository === '<none>' && !this.imagesBefore!.has(id)).map(([id]) => id!).reverse();
        for (const id of ours) await podman(['rmi', id]).catch(() => undefined);
      }
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}
