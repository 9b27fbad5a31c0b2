// Runs the lifecycle's stop step (src/stop/endpoints-then-signals.ts) once on a made-up pod while
// the job runs (LifecycleDeps.whileJobRuns). V8 compiles a function on its first call, and a cold
// jobdone spent about as long compiling the scan, the plan, the stop and the log formatters as
// running them, between the job's exit and the first signal (bench: 50 sidecars, last signal sent
// 17 -> 14 ms after the job's exit). Nothing here touches another process, a signal handler or
// stdio: the pod is an in-memory /proc (src/proc/memory-proc-fs.ts), kill() only removes a
// container from it, log lines go nowhere; the one real read is our own stat.
// A V8 startup snapshot built with this warm-up did better still (11.5 ms, 3 ms faster start)
// but costs 9 MB of RSS and freezes module-level state at build time; see docs/performance.md.
import { parseInvocation } from './config/parse.ts';
import type { Background } from './lifecycle.ts';
import { createLogger } from './log/logger.ts';
import { MemoryProcFs, type MemoryProcess } from './proc/memory-proc-fs.ts';
import { readStatOnly } from './proc/scan.ts';
import { stopAfterJob } from './stop/endpoints-then-signals.ts';

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

/**
 * The warm-up as the lifecycle runs it (LifecycleDeps.whileJobRuns): on the next turn of the event
 * loop, so that it does not delay the job's start. The stop awaits settled() first: a job that
 * never started or ended within a millisecond must not have its real stop run beside the
 * made-up one (which shares module state: the logger's formatters, the linear RegExp engine).
 * settled() before it began cancels it; after, it waits for its end.
 */
export function warmUpWhileJobRuns(run: () => Promise<void> = warmUp): Background {
  let running: Promise<void> | undefined;
  let cancelled = false;
  const turn = setImmediate(() => {
    if (!cancelled) running = run();
  });
  return {
    settled: () => {
      cancelled = true;
      clearImmediate(turn);
      return running ?? Promise.resolve();
    },
  };
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
    const proc = new MemoryProcFs(fakePod());
    const config = { ...invocation.config, procRoot: '/proc' };
    await stopAfterJob(config, { pid: 8 }, log, { selfPid: 7, port: { fs: proc, kill: killWholeContainer(proc) } });
  }
}
