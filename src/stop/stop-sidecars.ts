// The whole stop, in order: read /proc, tell the containers apart, decide, act.
import type { StopOptions } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { buildPod } from '../pod/pod.ts';
import type { ProcFs } from '../proc/proc-fs.ts';
import { scanProcesses } from '../proc/scan.ts';
import { execute, type StopReport } from './execute.ts';
import { planStop } from './plan.ts';

export interface StopContext {
  procRoot: string;
  selfPid: number;
  /** The job's pid; its leftovers are stopped too. */
  jobPid?: number | undefined;
  log: Logger;
  /** Sends a signal ('SIGTERM'); throws like process.kill. Injected by tests. */
  kill?: (pid: number, signal: string) => void;
  now?: () => number;
  waitBeforeSignalMs?: number;
  confirmMs?: number;
  progressEveryMs?: number;
  fs?: ProcFs;
}

/** Called once the job has exited: stops the pod's other containers and the job's leftovers. */
export async function stopSidecars(options: StopOptions, ctx: StopContext): Promise<StopReport> {
  const processes = scanProcesses(ctx.procRoot, ctx.fs);
  const pod = buildPod(processes, { selfPid: ctx.selfPid, jobPid: ctx.jobPid });
  const plan = planStop(pod, options, { exited: true });
  return execute(plan, ctx);
}
