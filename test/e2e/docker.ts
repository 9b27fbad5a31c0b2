// Docker for the end-to-end tests: a dockerd of this run's own (data root, exec root, pid
// file and socket in /tmp/jobdone-e2e-docker-<pid>, no bridge, no iptables), the local bases
// tagged with the public names the Dockerfiles and the compose file use, so that the README's
// commands run exactly as written, and a cleanup that stops that dockerd by its pid and
// removes its directory, also for a run whose process died before its cleanup.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type CommandResult } from './run-command.ts';
import { asRoot, cannotRun, install } from '../helpers/skip.ts';
import { importBase, ownerIsDead, prepareNpmCache, publicNameOf, type PublicBase } from './local-images.ts';

export { run, type CommandResult } from './run-command.ts';

const prefix = 'jobdone-e2e-docker-';

export function dockerSkipReason(): string | undefined {
  const has = (command: string, ...args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = 'needs root (starts a dockerd of its own)';
  else if (!has('dockerd', '--version')) reason = 'dockerd is not installed (Debian package docker.io)';
  else if (!has('docker', '--version')) reason = 'the docker client is not installed (Debian package docker.io)';
  else if (!has('docker-compose', 'version')) reason = 'docker-compose is not installed (Debian package docker-compose)';
  else if (!has('catatonit', '--version')) reason = 'catatonit is not installed (Debian package catatonit; the stand-in for the pause image)';
  return cannotRun('the docker end-to-end tests', reason, reason?.startsWith('needs root') ? asRoot : install('docker'));
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  const state = /^\d+ \(.*\) (\S)/s.exec(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Processes whose command line names `dir` (dockerd, its containerd and shims): identified by this run's own path, never by name. */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)
    .filter((pid) => pid !== process.pid && cmdlineOf(pid).includes(dir));
}

async function waitGone(pids: readonly number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter((pid) => { try { return isAlive(pid); } catch { return false; } });
    if (left.length === 0) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops a dockerd and what it started, by pid: TERM (it stops its containers and containerd), then KILL; unmounts and removes `dir`. */
async function tearDown(dir: string, dockerdPid: number | undefined): Promise<void> {
  if (dockerdPid !== undefined && cmdlineOf(dockerdPid).includes(dir)) {
    signal(dockerdPid, 'SIGTERM');
    if (!(await waitGone([dockerdPid], 30_000))) signal(dockerdPid, 'SIGKILL');
    await waitGone([dockerdPid], 5_000);
  }
  const left = processesUsing(dir);
  for (const pid of left) signal(pid, 'SIGKILL');
  await waitGone(left, 5_000);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4]).filter((point): point is string => point !== undefined && point.startsWith(dir + '/'));
  for (const point of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

export class DockerRun {
  readonly id = `${process.pid}`;
  readonly dir = join(tmpdir(), `${prefix}${this.id}`);
  readonly timings: Record<string, number> = {};
  private dockerd: ChildProcess | undefined;

  /** The environment for docker, docker-compose and `docker compose`: this run's daemon, a config of its own. */
  readonly env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DOCKER_') && !key.startsWith('COMPOSE_') && key !== 'COUNTDOWN_EXIT')),
    DOCKER_HOST: `unix://${this.dir}/docker.sock`,
    DOCKER_CONFIG: join(this.dir, 'client'),
  };

  docker(args: readonly string[], timeoutMs?: number): Promise<CommandResult> {
    return run('docker', args, { env: this.env, timeoutMs });
  }

  async dockerOk(args: readonly string[], timeoutMs?: number): Promise<string> {
    const result = await this.docker(args, timeoutMs);
    if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Daemons of earlier runs whose process died before its cleanup (a killed test run). */
  static async sweepAbandoned(): Promise<void> {
    for (const name of readdirSync(tmpdir())) {
      const owner = new RegExp(`^${prefix}(\\d+)$`).exec(name)?.[1];
      if (owner === undefined || owner === `${process.pid}` || !ownerIsDead(owner)) continue;
      const dir = join(tmpdir(), name);
      const pidText = existsSync(join(dir, 'dockerd.pid')) ? readFileSync(join(dir, 'dockerd.pid'), 'utf8').trim() : '';
      await tearDown(dir, /^\d+$/.test(pidText) ? Number(pidText) : undefined);
    }
  }

  async start(): Promise<void> {
    await DockerRun.sweepAbandoned();
    const started = performance.now();
    mkdirSync(join(this.dir, 'client'), { recursive: true });
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    // setpriv --pdeathsig: if this test process dies hard, dockerd gets SIGTERM and stops its containers.
    this.dockerd = spawn('setpriv', [
      '--pdeathsig', 'SIGTERM', '--', 'dockerd',
      '--bridge=none', '--iptables=false', '--ip6tables=false',
      '--data-root', join(this.dir, 'data'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'dockerd.pid'), '-H', this.env.DOCKER_HOST!,
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    const until = Date.now() + 60_000;
    while ((await this.docker(['version'], 30_000)).code !== 0) {
      if (this.dockerd.exitCode !== null || Date.now() > until) {
        throw new Error(`dockerd did not come up (exit ${this.dockerd.exitCode}); its log:\n${readFileSync(join(this.dir, 'dockerd.log'), 'utf8').slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.timings.dockerd = performance.now() - started;
  }

  /** The local bases under the public names the repository's Dockerfiles and compose file use (this daemon is private). */
  async importBases(): Promise<void> {
    let started = performance.now();
    const npmCache = join(this.dir, 'npm-cache');
    prepareNpmCache(npmCache);
    this.timings.npmCache = performance.now() - started;
    started = performance.now();
    for (const base of ['busybox', 'bash', 'node-build', 'pause'] as PublicBase[]) {
      importBase(base, publicNameOf[base], { command: 'docker', env: this.env }, { npmCache });
    }
    rmSync(npmCache, { recursive: true, force: true });
    this.timings.bases = performance.now() - started;
  }

  /** Every container of this daemon (the tests' own names are fixed by the README). */
  async containers(): Promise<string[]> {
    return (await this.dockerOk(['ps', '--all', '--format', '{{.Names}} {{.Status}}'])).split('\n').filter(Boolean);
  }

  /** Stops this run's dockerd by its pid and removes its directory; also when a test failed half-way. */
  async cleanup(): Promise<void> {
    const pid = this.dockerd?.pid;
    if (pid !== undefined) {
      // Containers first, with no stop timeout, so dockerd's own shutdown does not wait 10 s for each.
      const ids = (await this.docker(['ps', '--all', '--quiet']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await this.docker(['rm', '--force', ...ids]).catch(() => undefined);
    }
    // The pid dockerd wrote, not setpriv's: setpriv execs dockerd, so they are the same process.
    await tearDown(this.dir, pid);
  }
}
