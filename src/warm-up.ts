// Runs the lifecycle's stop step (src/stop/stop-after-job.ts) on a made-up pod, at build
// time: scripts/sea-code-cache.cjs runs it before it takes V8's code cache of the bundle, so the
// executable starts with the scan, the plan, the stop and the log formatters compiled. V8
// compiles a function on its first call, and a cold jobdone spent about as long compiling them as
// running them, between the job's exit and the first signal. Every run also does it once more,
// in its own log format only, while the job runs (whileJobRuns): that fills the inline
// caches the code cache cannot hold. Nothing here touches another process, a signal handler or
// stdio: the pod is an in-memory /proc (src/proc/memory-proc-fs.ts), kill() only removes a
// container from it, log lines go nowhere; the one real read is our own stat.
// A V8 startup snapshot built with this warm-up cost 9 MB of RSS and freezes module-level state
// at build time; see docs/performance.md.
import { parseInvocation } from './config/parse.ts';
import { createLogger, type LogFormat } from './log/logger.ts';
import { MemoryProcFs, type MemoryProcess } from './proc/memory-proc-fs.ts';
import { readStatOnly } from './proc/scan.ts';
import { stopAfterJob } from './stop/stop-after-job.ts';

/** A pod: infra, jobdone and its leftover-leaving job, a shell sidecar with a child, a plain sidecar. */
function fakePod(): MemoryProcess[] {
  const own = '0::/kubepods/pod1/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  const shell = '0::/kubepods/pod1/1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  const proxy = '0::/kubepods/pod1/2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  return [
    { pid: 1, ppid: 0, comm: 'pause', cgroup: '0::/kubepods/pod1/infra\n', cmdline: ['/pause'] },
    { pid: 7, ppid: 0, comm: 'jobdone', cgroup: own, cmdline: ['/jobdone/jobdone', '--', 'job'] },
    // The job (pid 8) made its session; its leftover pid 9 is still in it.
    { pid: 9, ppid: 1, comm: 'leftover', cgroup: own, cmdline: ['leftover'], session: 8 },
    { pid: 12, ppid: 0, comm: 'bash', cgroup: shell, cmdline: ['bash', '-c', 'sleep infinity; echo done'] },
    { pid: 13, ppid: 12, comm: 'sleep', cgroup: shell, cmdline: ['sleep', 'infinity'] },
    { pid: 20, ppid: 0, comm: 'envoy', cgroup: proxy, cmdline: ['envoy', '-c', '/etc/envoy.yaml'] },
  ];
}

/** A signalled process takes its whole container with it, so the stop ends at the first poll. */
function killWholeContainer(proc: MemoryProcFs): (pid: number) => void {
  return (pid) => {
    const cgroup = proc.get(pid)?.cgroup;
    for (const p of proc.list()) if (p.cgroup === cgroup && p.pid !== 7) proc.remove(p.pid);
  };
}

/** Never throws: a failed warm-up costs speed, nothing else. formats: the log formats to run the stop in (the build: both). */
export async function warmUp(formats: readonly LogFormat[] = ['text', 'json']): Promise<void> {
  try {
    await warmUpOnce(formats);
  } catch {
    // nothing to do
  }
}

/**
 * Work for the stop while the job runs (from afterMs on): main.ts runs one made-up stop in the
 * run's own log format (the code cache holds the stop's bytecode, but its first run still fills
 * every inline cache and type feedback from scratch, and that ran between the job's exit and the
 * first signal), then the early look at the real pod (src/stop/early-look.ts). The warm-up alone
 * took the look at a 50-process pod from about 2.4 to 0.75 ms and the job's exit to the last
 * signal from 17.6 to 15.0 ms (medians of 7); peak RSS +1.3 MB (both formats, as the build runs
 * it, cost 4.8 MB: docs/performance.md). It never overlaps the real stop: beforeStop() cancels it
 * if it has not begun (and then gives undefined) and waits for it if it has (a few ms).
 */
export function whileJobRuns<T>(work: () => Promise<T>, afterMs = 50): { start(): void; beforeStop(): Promise<T | undefined> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  return {
    start() {
      timer = setTimeout(() => {
        running = work();
      }, afterMs);
      timer.unref();
    },
    beforeStop() {
      clearTimeout(timer);
      return running ?? Promise.resolve(undefined);
    },
  };
}

async function warmUpOnce(formats: readonly LogFormat[]): Promise<void> {
  readStatOnly('/proc', process.pid);
  for (const format of formats) {
    const invocation = parseInvocation(['--grace', '2s', '--log-format', format, '--', 'job', 'arg'], { JOBDONE_SIGNAL: 'TERM' });
    if (invocation.kind !== 'run') continue;
    const log = createLogger({ ...invocation.config.log, level: 'debug', write: () => {} });
    const proc = new MemoryProcFs(fakePod());
    const config = { ...invocation.config, procRoot: '/proc' };
    await stopAfterJob(config, { pid: 8 }, log, { selfPid: 7, port: { fs: proc, kill: killWholeContainer(proc) } });
  }
}
