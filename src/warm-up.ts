// Runs the stop path once on a made-up pod while the job runs (LifecycleDeps.whileJobRuns).
// V8 compiles a function on its first call, and a cold jobdone spent about as long compiling the
// scan, the plan, the stop and the log formatters as running them, between the job's exit and the
// first signal (bench: 50 sidecars, last signal sent 17 -> 14 ms after the job's exit). Nothing
// here touches another process, a signal handler or stdio: the pod is an in-memory /proc, kill()
// only removes a container from it, log lines go nowhere; the one real read is our own stat.
// A V8 startup snapshot built with this warm-up did better still (11.5 ms, 3 ms faster start)
// but costs 9 MB of RSS and freezes module-level state at build time; see README, Performance.
import { parseInvocation } from './config/parse.ts';
import { describeOutcome, exitStatusOf } from './job/run-job.ts';
import { createLogger } from './log/logger.ts';
import type { ProcFs } from './proc/proc-fs.ts';
import { readStatOnly } from './proc/scan.ts';
import { summarize } from './stop-after-job.ts';
import { stopSidecars } from './stop/stop-sidecars.ts';

interface FakeProcess { pid: number; ppid: number; comm: string; cgroup: string; cmdline: string[] }

/** A pod: infra, jobdone and its leftover-leaving job, a shell sidecar with a child, a plain sidecar. */
function fakePod(): FakeProcess[] {
  const own = '0::/kubepods/pod1/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  const shell = '0::/kubepods/pod1/1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  const proxy = '0::/kubepods/pod1/2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  return [
    { pid: 1, ppid: 0, comm: 'pause', cgroup: '0::/kubepods/pod1/infra\n', cmdline: ['/pause'] },
    { pid: 7, ppid: 0, comm: 'jobdone', cgroup: own, cmdline: ['/jobdone/jobdone', '--', 'job'] },
    { pid: 9, ppid: 1, comm: 'leftover', cgroup: own, cmdline: ['leftover'] },
    { pid: 12, ppid: 0, comm: 'bash', cgroup: shell, cmdline: ['bash', '-c', 'sleep infinity; echo done'] },
    { pid: 13, ppid: 12, comm: 'sleep', cgroup: shell, cmdline: ['sleep', 'infinity'] },
    { pid: 20, ppid: 0, comm: 'envoy', cgroup: proxy, cmdline: ['envoy', '-c', '/etc/envoy.yaml'] },
  ];
}

function fakeProcFs(processes: FakeProcess[]): { fs: ProcFs; kill: (pid: number) => void } {
  const alive = new Map(processes.map((p) => [p.pid, p]));
  const fs: ProcFs = {
    listDir: () => ['self', 'net', ...[...alive.keys()].map(String)],
    readText(path) {
      const [, , pidText, file] = path.split('/');
      const p = alive.get(Number(pidText));
      if (p === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      // The job (pid 8) made its session; its leftover pid 9 is still in it.
      const session = p.pid === 9 ? 8 : p.pid;
      switch (file) {
        case 'stat':
          return `${p.pid} (${p.comm}) S ${p.ppid} ${session} ${session} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${100 + p.pid} 0 0\n`;
        case 'status':
          return `Name:\t${p.comm}\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`;
        case 'cmdline':
          return p.cmdline.map((arg) => `${arg}\0`).join('');
        case 'cgroup':
          return p.cgroup;
        default:
          throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      }
    },
  };
  // A signalled process takes its whole container with it, so the stop ends at the first poll.
  const kill = (pid: number): void => {
    const cgroup = alive.get(pid)?.cgroup;
    for (const p of [...alive.values()]) if (p.cgroup === cgroup && p.pid !== 7) alive.delete(p.pid);
  };
  return { fs, kill };
}

/** Never throws: a failed warm-up costs speed, nothing else. */
export async function warmUp(): Promise<void> {
  try {
    await warmUpOnce();
  } catch {
    // nothing to do
  }
}

async function warmUpOnce(): Promise<void> {
  readStatOnly('/proc', process.pid);
  for (const format of ['text', 'json'] as const) {
    const invocation = parseInvocation(['--grace', '2s', '--log-format', format, '--', 'job', 'arg'], { JOBDONE_SIGNAL: 'TERM' });
    if (invocation.kind !== 'run') continue;
    const log = createLogger({ ...invocation.config.log, level: 'debug', write: () => {} });
    const { fs, kill } = fakeProcFs(fakePod());
    const outcome = { kind: 'exited', code: 0 } as const;
    log.info(`job ${describeOutcome(outcome)}`, { pid: 8, exit: exitStatusOf(outcome) });
    const report = await stopSidecars(invocation.config.stop, { procRoot: '/proc', selfPid: 7, jobPid: 8, log, fs, kill });
    log.info(`done: job ${describeOutcome(outcome)}; ${summarize(report)}`, { exit: 0, ms: 1 });
  }
}
