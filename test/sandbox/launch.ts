// Starts one process inside the pod the way a runtime starts a container's main process:
// nsenter into the pod's namespaces (it forks, so the process's parent is outside the pod
// and its PPid reads 0), join the container's cgroups, and only then exec the command
// through `unshare` (own mount / cgroup namespace) and `setpriv` (UID, capabilities).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { CapturedOutput } from './output.ts';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf, innermostPid, readStat } from './procfs.ts';

export interface ExitStatus {
  /** As a container runtime reports it: the exit code, or 128+N after death by signal N. */
  readonly code: number;
  /** The signal that killed the process, or null when it exited. */
  readonly signal: NodeJS.Signals | null;
}

export interface LaunchPlan {
  readonly nsenter: string;
  readonly sh: string;
  /** Host PID whose namespaces are entered. */
  readonly targetPid: number;
  /** nsenter namespace flags, e.g. --pid --net --ipc --uts --mount. */
  readonly namespaces: readonly string[];
  readonly cgroupDirs: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The rest of the chain after joining cgroups: unshare ... setpriv ... command. */
  readonly argv: readonly string[];
  /** argv[0] of the chain's programs (absolute paths), to tell when the command itself runs. */
  readonly chain: readonly string[];
  readonly stdin: 'ignore' | 'pipe';
  readonly label: string;
}

// Runs as root in the pod's namespaces. It reports its PID and waits for the go-ahead on
// fd 3, so the host learns the process's host PID before the command can exit or fork;
// 125 (a runtime's "could not start") marks a failure before the command ran.
const STAGE_SCRIPT = `
cwd=$1; n=$2; shift 2
while [ "$n" -gt 0 ]; do
  echo 0 > "$1/cgroup.procs" || { echo "pod sandbox: cannot join cgroup $1" >&2; exit 125; }
  shift; n=$((n - 1))
done
cd "$cwd" || exit 125
echo "started $$" >&3 || exit 125
read go <&3 || exit 125
exec 3>&-
exec "$@"
`;

export interface Launched {
  readonly child: ChildProcess;
  readonly hostPid: number;
  readonly podPid: number;
  readonly stdout: CapturedOutput;
  readonly stderr: CapturedOutput;
  /** Resolves when nsenter (which mirrors its child's status) has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Resolves after exit, once stdout and stderr are closed too. */
  readonly closed: Promise<ExitStatus>;
}

export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (signal !== null) return { code: 128 + (constants.signals[signal] ?? 0), signal };
  return { code: code ?? -1, signal: null };
}

export function launch(plan: LaunchPlan): Promise<Launched> {
  const child = spawn(
    plan.nsenter,
    ['-t', String(plan.targetPid), ...plan.namespaces, '--', plan.sh, '-c', STAGE_SCRIPT, 'sh', plan.cwd, String(plan.cgroupDirs.length), ...plan.cgroupDirs, ...plan.argv],
    // A session of its own: a Ctrl-C on the test runner's terminal must not reach the pod.
    { stdio: [plan.stdin, 'pipe', 'pipe', 'pipe'], env: { ...plan.env }, detached: true },
  );
  const stdout = new CapturedOutput(child.stdout);
  const stderr = new CapturedOutput(child.stderr);
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve(exitStatusOf(code, signal))));
  const closed = new Promise<ExitStatus>((resolve) => child.once('close', (code, signal) => resolve(exitStatusOf(code, signal))));
  const control = child.stdio[3] as Duplex;

  return new Promise<Launched>((resolve, reject) => {
    let report = '';
    let released = false; // after the go-ahead, an exit is the command's, not a failed start
    const fail = (why: string): void => {
      reject(new Error(`${plan.label}: ${why}; stderr: ${JSON.stringify(stderr.text.trim())}`));
    };
    child.once('error', (error) => fail(`cannot spawn ${plan.nsenter}: ${error.message}`));
    void exited.then((status) => {
      if (!released) setImmediate(() => fail(`exited ${status.code} before the command started`));
    });
    control.on('data', (chunk: Buffer) => {
      report += chunk.toString('utf8');
      const match = /^started (\d+)\n/.exec(report);
      if (match === null) return;
      const podPid = Number(match[1]);
      const hostPid = child.pid === undefined ? undefined : childrenOf(child.pid).find((pid) => innermostPid(pid) === podPid);
      if (hostPid === undefined) {
        child.kill('SIGKILL');
        fail(`cannot find the host PID of pod PID ${podPid}`);
        return;
      }
      released = true;
      control.end('go\n');
      const launched = { child, hostPid, podPid, stdout, stderr, exited, closed };
      waitForCommand(plan, hostPid).then(() => resolve(launched), (error: Error) => fail(error.message));
    });
    control.on('error', () => {
      // the stage closes fd 3 before exec; a reset here is not an error of the command
    });
  });
}

/**
 * Resolves once the process runs the command itself (not the stage, unshare or setpriv), so
 * its UID, capabilities and cmdline are final when start() returns; or once it has exited.
 */
async function waitForCommand(plan: LaunchPlan, hostPid: number): Promise<void> {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${hostPid}/cmdline`, 'utf8').split('\0');
    } catch {
      return; // exited already
    }
    const state = readStat(hostPid)?.state;
    if (state === undefined || state === 'Z' || state === 'X') return; // it ran, or failed to run, the command
    const inStage = argv[1] === '-c' && argv[2] === STAGE_SCRIPT;
    // cmdline reads empty in the middle of an execve, before the new argv is set up
    const inExec = argv[0] === '';
    if (!inStage && !inExec && !plan.chain.includes(argv[0] ?? '')) return;
    await sleep(2);
  }
  throw new Error(`process ${hostPid} did not exec the command within 5 s`);
}
