// A Kubernetes pod with `shareProcessNamespace: true`, made of plain namespaces and cgroups
// so tests can run jobdone beside real sidecar processes without a container engine.
//
//   infra:      unshare --pid --fork --mount-proc --net --ipc --uts --kill-child -- catatonit -P
//               (PID 1 of the pod, in cgroup jobdone-sandbox/<pod>/infra, loopback up)
//   container:  nsenter -t <PID 1> --pid --net --ipc --uts --mount -- join jobdone-sandbox/<pod>/<name>
//               -> unshare --mount [--cgroup] -> setpriv (UID, Docker's default capabilities) -> command
//
// Needs root; see sandboxSkipReason().
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { boundingSetArgument } from './capabilities.ts';
import { cgroupPids, createCgroup, killCgroup, ownerTag, removeCgroups, sweepAbandonedPodCgroups } from './cgroups.ts';
import { sandboxHost, sandboxSkipReason, type SandboxHost } from './host.ts';
import { exitStatusOf, launch, type ExitStatus, type Launched } from './launch.ts';
import { CapturedOutput, waitForMatch, type WaitForOutputOptions } from './output.ts';
import { innermostPid, isRunningChildOf, readComm, readStat } from './procfs.ts';

export { sandboxSkipReason };
export type { ExitStatus, WaitForOutputOptions };
export { DEFAULT_CONTAINER_CAPABILITIES } from './capabilities.ts';

export interface PodOptions {
  /** DNS label; also the pod's hostname. Default "pod". */
  readonly name?: string;
  /** When given, the pod is destroyed after the test, whatever the test did. */
  readonly t?: { after(fn: () => Promise<void>): void };
}

export interface ContainerSpec {
  /** DNS label, unique in the pod; "infra" and "exec" are taken by the sandbox. */
  readonly name: string;
  readonly command: readonly string[];
  /** Default 0 (root, with Docker's default capabilities). */
  readonly uid?: number;
  /** Default: the uid. */
  readonly gid?: number;
  /** Own cgroup namespace, as containerd/CRI-O do on cgroup v2: the container sees its cgroup as `0::/`. */
  readonly cgroupNamespace?: boolean;
  /** Added to PATH, HOSTNAME and HOME (Docker's defaults); these win. */
  readonly env?: Readonly<Record<string, string>>;
  /** Default "/". */
  readonly cwd?: string;
  /** Removed from the default set, Kubernetes spelling (`KILL`) or `CAP_KILL`. */
  readonly dropCaps?: readonly string[];
  /** Added to the default set; effective only for root, as in Kubernetes. */
  readonly addCaps?: readonly string[];
  /** Default "ignore" (/dev/null), as a container without `stdin: true`. */
  readonly stdin?: 'ignore' | 'pipe';
  /**
   * Default true: when the main process exits, kill what is left of the container, as a runtime
   * does. False for tests that check jobdone itself leaves the container empty.
   */
  readonly runtimeKillsLeftovers?: boolean;
}

export interface ExecOptions {
  /** Run in this container's mount namespace and cgroup(s) (as `kubectl exec -c`); default: beside PID 1. */
  readonly container?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  /** SIGKILLed and rejected after this long. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface ExecResult extends ExitStatus {
  readonly stdout: string;
  readonly stderr: string;
}

/** A process of the pod: its PID on the host (to signal it from the test) and in the pod (what jobdone sees). */
export interface PodProcess {
  readonly hostPid: number;
  readonly podPid: number;
}

const RESERVED_NAMES = new Set(['infra', 'exec']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NAMESPACES = ['--pid', '--net', '--ipc', '--uts', '--mount'];
const livePods = new Set<Pod>();
let podSequence = 0;
let exitHookInstalled = false;

function containerEnv(podName: string, uid: number, extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const nodeDir = dirname(process.execPath);
  const path = STANDARD_PATH.split(':').includes(nodeDir) ? STANDARD_PATH : `${nodeDir}:${STANDARD_PATH}`;
  return { PATH: path, HOSTNAME: podName, HOME: uid === 0 ? '/root' : '/', ...extra };
}

function setprivArgs(host: SandboxHost, uid: number, gid: number, addCaps?: readonly string[], dropCaps?: readonly string[]): string[] {
  return [
    host.setpriv,
    '--reuid', String(uid),
    '--regid', String(gid),
    '--clear-groups',
    '--inh-caps=-all',
    `--bounding-set=${boundingSetArgument(addCaps, dropCaps)}`,
    '--',
  ];
}

function validUid(value: number | undefined, what: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new Error(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Container {
  readonly stdout: CapturedOutput;
  readonly stderr: CapturedOutput;
  /** Resolves when the main process has exited, the container's other processes are dead and its output is complete. */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly spec: ContainerSpec,
    private readonly launched: Launched,
    /** This container's cgroup directories, one per hierarchy. */
    readonly cgroupDirs: readonly string[],
  ) {
    this.stdout = launched.stdout;
    this.stderr = launched.stderr;
    // A runtime kills what is left of a container when its main process exits.
    if (spec.runtimeKillsLeftovers !== false) void launched.exited.then(() => killCgroup(cgroupDirs));
    this.exited = launched.closed.then(async (status) => {
      await waitUntilNoLiveProcess(cgroupDirs[0]!, 3000);
      this.status = status;
      return status;
    });
  }

  /** Host PID of the main process. */
  get hostPid(): number {
    return this.launched.hostPid;
  }

  /** PID of the main process inside the pod. */
  get podPid(): number {
    return this.launched.podPid;
  }

  /** Undefined until exited. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  get streams(): { stdout: Readable; stderr: Readable; stdin: Writable | null } {
    const child = this.launched.child;
    return { stdout: child.stdout!, stderr: child.stderr!, stdin: child.stdin };
  }

  get running(): boolean {
    const nsenterPid = this.launched.child.pid;
    return nsenterPid !== undefined && isRunningChildOf(this.hostPid, nsenterPid);
  }

  waitForOutput(pattern: string | RegExp, options: WaitForOutputOptions = {}): Promise<string> {
    const which = options.stream ?? 'stdout';
    const outputs = which === 'both' ? [this.stdout, this.stderr] : [which === 'stdout' ? this.stdout : this.stderr];
    return waitForMatch(`container ${this.name}`, outputs, pattern, options.timeoutMs ?? 5000);
  }

  /** The container's live processes (main first), from its cgroup; zombies are left out. */
  processes(): PodProcess[] {
    const hostPids = cgroupPids(this.cgroupDirs[0]!);
    const found: PodProcess[] = [];
    for (const hostPid of hostPids) {
      if (readStat(hostPid)?.state === 'Z') continue;
      const podPid = innermostPid(hostPid);
      if (podPid !== undefined) found.push({ hostPid, podPid });
    }
    return found.sort((a, b) => (a.hostPid === this.hostPid ? -1 : b.hostPid === this.hostPid ? 1 : a.podPid - b.podPid));
  }

  /** Signals the main process from outside, as the kubelet stops a container. No-op once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) process.kill(this.hostPid, signal);
  }
}

export class Pod {
  private readonly containersByName = new Map<string, Container>();
  private readonly pendingExecs = new Set<Promise<unknown>>();
  private readonly cgroupDirs: string[] = [];
  private execCgroupDirs: string[] | undefined;
  private destroying: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    /** Directory name below jobdone-sandbox/ in each hierarchy. */
    readonly cgroupName: string,
    private readonly host: SandboxHost,
    private readonly infra: ChildProcess,
    private readonly infraStderr: CapturedOutput,
    /** Host PID of the pod's PID 1 (catatonit). */
    readonly infraHostPid: number,
    private readonly infraExited: Promise<ExitStatus>,
  ) {}

  static async create(options: PodOptions = {}): Promise<Pod> {
    const reason = sandboxSkipReason();
    if (reason !== undefined) throw new Error(reason);
    const host = sandboxHost();
    const name = options.name ?? 'pod';
    if (!DNS_LABEL.test(name)) throw new Error(`pod name ${JSON.stringify(name)} is not a DNS label`);
    installExitHook();
    sweepAbandonedPodCgroups(host.hierarchies);

    const cgroupName = `${ownerTag()}-${++podSequence}-${name}`;
    const podDirs = createCgroup(host.hierarchies, cgroupName);
    const infraDirs = createCgroup(host.hierarchies, `${cgroupName}/infra`);
    // The shell joins the infra cgroup, then becomes setpriv, which makes the kernel SIGKILL
    // unshare if this test process dies without cleaning up; unshare --kill-child then kills PID 1.
    const infra = spawn(
      host.sh,
      [
        '-c', 'n=$1; shift; while [ "$n" -gt 0 ]; do echo 0 > "$1/cgroup.procs" || exit 125; shift; n=$((n - 1)); done; exec "$@"',
        'sh', String(infraDirs.length), ...infraDirs,
        host.setpriv, '--pdeathsig', 'KILL', '--',
        host.unshare, '--pid', '--fork', '--mount-proc', '--net', '--ipc', '--uts', '--kill-child', '--',
        host.catatonit, '-P',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { PATH: STANDARD_PATH } },
    );
    const infraStderr = new CapturedOutput(infra.stderr);
    const infraExited = new Promise<ExitStatus>((resolve) => infra.once('exit', (code, signal) => resolve(exitStatusOf(code, signal))));
    const cleanupAfterFailure = async (why: string): Promise<never> => {
      infra.kill('SIGKILL');
      await deadline(infraExited, 3000, 'infra exit').catch(() => undefined);
      await removeCgroups([...infraDirs, ...podDirs]);
      throw new Error(`cannot create pod ${name}: ${why}; infra stderr: ${JSON.stringify(infraStderr.text.trim())}`);
    };

    const infraHostPid = await findInfraPid(infra, infraExited).catch((error: Error) => cleanupAfterFailure(error.message));
    const pod = new Pod(name, cgroupName, host, infra, infraStderr, infraHostPid, infraExited);
    pod.cgroupDirs.push(...podDirs, ...infraDirs);
    livePods.add(pod);
    options.t?.after(() => pod.destroy());
    try {
      await pod.setUpNetworkAndHostname();
    } catch (error) {
      await pod.destroy().catch(() => undefined);
      throw error;
    }
    return pod;
  }

  private async setUpNetworkAndHostname(): Promise<void> {
    const setup = spawn(
      this.host.nsenter,
      ['-t', String(this.infraHostPid), '--net', '--uts', '--', this.host.busybox, 'sh', '-c', `${this.host.busybox} ip link set lo up && ${this.host.busybox} hostname "$1"`, 'sh', this.name],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const stderr = new CapturedOutput(setup.stderr);
    const status = await deadline(
      new Promise<ExitStatus>((resolve, reject) => {
        setup.once('error', reject);
        setup.once('close', (code, signal) => resolve(exitStatusOf(code, signal)));
      }),
      5000,
      'bringing up the pod loopback',
    );
    if (status.code !== 0) throw new Error(`pod ${this.name}: bringing up lo failed (${status.code}): ${stderr.text.trim()}`);
  }

  /** True while the pod's PID 1 (catatonit) runs. A pod whose PID 1 died has lost all its processes. */
  pid1Alive(): boolean {
    const unsharePid = this.infra.pid;
    return unsharePid !== undefined && isRunningChildOf(this.infraHostPid, unsharePid) && readComm(this.infraHostPid) === 'catatonit';
  }

  containers(): Container[] {
    return [...this.containersByName.values()];
  }

  container(name: string): Container {
    const found = this.containersByName.get(name);
    if (found === undefined) throw new Error(`pod ${this.name} has no container ${JSON.stringify(name)}`);
    return found;
  }

  /** Every process in the pod's PID namespace, PID 1 included. */
  processes(): PodProcess[] {
    let podNs: string;
    try {
      podNs = readlinkSync(`/proc/${this.infraHostPid}/ns/pid`);
    } catch {
      return [];
    }
    const found: PodProcess[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const hostPid = Number(entry);
      try {
        if (readlinkSync(`/proc/${hostPid}/ns/pid`) !== podNs) continue;
      } catch {
        continue;
      }
      const podPid = innermostPid(hostPid);
      if (podPid !== undefined && readStat(hostPid)?.state !== 'Z') found.push({ hostPid, podPid });
    }
    return found.sort((a, b) => a.podPid - b.podPid);
  }

  /** Starts a container; resolves once its main process is in its cgroups and runs the command (as its UID). */
  async start(spec: ContainerSpec): Promise<Container> {
    this.assertUsable();
    if (!DNS_LABEL.test(spec.name)) throw new Error(`container name ${JSON.stringify(spec.name)} is not a DNS label`);
    if (RESERVED_NAMES.has(spec.name)) throw new Error(`container name ${JSON.stringify(spec.name)} is reserved by the pod sandbox`);
    if (this.containersByName.has(spec.name)) throw new Error(`pod ${this.name} already has a container ${JSON.stringify(spec.name)}`);
    if (spec.command.length === 0) throw new Error(`container ${spec.name}: empty command`);
    const uid = validUid(spec.uid, 'uid') ?? 0;
    const gid = validUid(spec.gid, 'gid') ?? uid;

    const dirs = createCgroup(this.host.hierarchies, `${this.cgroupName}/${spec.name}`);
    this.cgroupDirs.push(...dirs);
    const launched = await launch({
      nsenter: this.host.nsenter,
      sh: this.host.sh,
      targetPid: this.infraHostPid,
      namespaces: NAMESPACES,
      cgroupDirs: dirs,
      cwd: spec.cwd ?? '/',
      env: containerEnv(this.name, uid, spec.env),
      argv: [
        this.host.unshare, '--mount', '--propagation', 'private', ...(spec.cgroupNamespace ? ['--cgroup'] : []), '--',
        ...setprivArgs(this.host, uid, gid, spec.addCaps, spec.dropCaps),
        ...spec.command,
      ],
      chain: [this.host.unshare, this.host.setpriv],
      stdin: spec.stdin ?? 'ignore',
      label: `pod ${this.name} container ${spec.name}`,
    });
    const container = new Container(spec.name, spec, launched, dirs);
    this.containersByName.set(spec.name, container);
    return container;
  }

  /** Runs a one-off command in the pod (as `kubectl exec`) and collects its output. */
  exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const run = this.runExec(command, options);
    this.pendingExecs.add(run);
    void run.catch(() => undefined).finally(() => this.pendingExecs.delete(run));
    return run;
  }

  private async runExec(command: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.assertUsable();
    if (command.length === 0) throw new Error('exec: empty command');
    const uid = validUid(options.uid, 'uid') ?? 0;
    const gid = validUid(options.gid, 'gid') ?? uid;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const target = options.container === undefined ? undefined : this.container(options.container);
    if (target !== undefined && !target.running) throw new Error(`exec: container ${target.name} is not running`);
    if (target === undefined) {
      this.execCgroupDirs ??= createCgroup(this.host.hierarchies, `${this.cgroupName}/exec`);
      this.cgroupDirs.push(...this.execCgroupDirs);
    }
    // A cgroup namespace can only be entered after joining the cgroup (the kernel refuses moves
    // from outside the namespace root), so a fresh one is made there instead of nsenter --cgroup.
    const cgroupNs = target?.spec.cgroupNamespace ? [this.host.unshare, '--cgroup', '--'] : [];
    const launched = await launch({
      nsenter: this.host.nsenter,
      sh: this.host.sh,
      targetPid: target?.hostPid ?? this.infraHostPid,
      namespaces: NAMESPACES,
      cgroupDirs: target?.cgroupDirs ?? this.execCgroupDirs ?? [],
      cwd: options.cwd ?? '/',
      env: containerEnv(this.name, uid, options.env),
      argv: [...cgroupNs, ...setprivArgs(this.host, uid, gid, target?.spec.addCaps, target?.spec.dropCaps), ...command],
      chain: [this.host.unshare, this.host.setpriv],
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      label: `pod ${this.name} exec ${JSON.stringify(command.join(' '))}`,
    });
    launched.child.stdin?.end(options.input);
    try {
      const status = await deadline(launched.closed, timeoutMs, `exec ${JSON.stringify(command.join(' '))} ending`);
      return { ...status, stdout: launched.stdout.text, stderr: launched.stderr.text };
    } catch (error) {
      const nsenterPid = launched.child.pid;
      if (nsenterPid !== undefined && isRunningChildOf(launched.hostPid, nsenterPid)) process.kill(launched.hostPid, 'SIGKILL');
      throw error;
    }
  }

  private assertUsable(): void {
    if (this.destroying !== undefined) throw new Error(`pod ${this.name} is destroyed`);
    if (!this.pid1Alive()) throw new Error(`pod ${this.name}: PID 1 is not running`);
  }

  /**
   * SIGKILLs PID 1 (the kernel then kills every process of the pod), waits for every container
   * and exec to end and removes the pod's cgroups. Idempotent; throws if anything is left.
   */
  destroy(): Promise<void> {
    this.destroying ??= this.tearDown();
    return this.destroying;
  }

  private async tearDown(): Promise<void> {
    const problems: string[] = [];
    const unsharePid = this.infra.pid;
    if (unsharePid !== undefined && isRunningChildOf(this.infraHostPid, unsharePid)) process.kill(this.infraHostPid, 'SIGKILL');
    const everything = Promise.all([this.infraExited, ...this.containers().map((c) => c.exited), ...[...this.pendingExecs].map((p) => p.catch(() => undefined))]);
    try {
      await deadline(everything, 5000, `pod ${this.name}: every process ending`);
    } catch (error) {
      problems.push((error as Error).message);
      // unshare only runs while PID 1 does; if it is still here, make sure the pod goes.
      this.infra.kill('SIGKILL');
      for (const container of this.containers()) killCgroup(container.cgroupDirs);
      await sleep(100);
    }
    problems.push(...(await removeCgroups(this.cgroupDirs)));
    livePods.delete(this);
    if (problems.length > 0) {
      throw new Error(`pod ${this.name} was not destroyed cleanly: ${problems.join('; ')}; infra stderr: ${JSON.stringify(this.infraStderr.text.trim())}`);
    }
  }
}

/** A killed process closes its files a moment before it turns into a zombie; wait for that. */
async function waitUntilNoLiveProcess(cgroupDir: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (cgroupPids(cgroupDir).some((pid) => readStat(pid)?.state !== 'Z' && readStat(pid) !== undefined) && Date.now() < until) {
    await sleep(2);
  }
}

async function findInfraPid(infra: ChildProcess, exited: Promise<ExitStatus>): Promise<number> {
  let infraExit: ExitStatus | undefined;
  void exited.then((status) => (infraExit = status));
  const unsharePid = infra.pid;
  if (unsharePid === undefined) throw new Error('spawning the infra process failed');
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    if (infraExit !== undefined) throw new Error(`infra exited ${infraExit.code}`);
    // Our spawned shell became setpriv, then unshare; its one child is PID 1 once it has mounted /proc and exec'd catatonit.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (readStat(pid)?.ppid === unsharePid && readComm(pid) === 'catatonit' && innermostPid(pid) === 1) return pid;
    }
    await sleep(5);
  }
  throw new Error('PID 1 (catatonit) did not start within 5 s');
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test forgot destroy(): kill the pods' PID 1 so no process outlives the
  // test run. Their cgroup directories are removed by the next run's sweep.
  process.once('exit', () => {
    for (const pod of livePods) {
      try {
        if (pod.pid1Alive()) process.kill(pod.infraHostPid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
}

export function createPod(options: PodOptions = {}): Promise<Pod> {
  return Pod.create(options);
}

/** Runs `body` with a fresh pod and destroys the pod afterwards, also when `body` throws. */
export async function withPod<T>(body: (pod: Pod) => Promise<T>, options: PodOptions = {}): Promise<T> {
  const pod = await createPod(options);
  let result: T;
  try {
    result = await body(pod);
  } catch (error) {
    await pod.destroy().catch((destroyError: Error) => {
      console.error(`pod sandbox: ${destroyError.message}`);
    });
    throw error;
  }
  await pod.destroy();
  return result;
}
