// The whole stop, in order: read /proc, tell the containers apart, decide, act.
import type { StopOptions } from '../config/config.ts';
import { buildPod } from '../pod/pod.ts';
import { scanProcesses } from '../proc/scan.ts';
import { execute, type ExecuteContext, type StopReport } from './execute.ts';
import { planStop } from './plan.ts';

export interface StopContext extends ExecuteContext {
  selfPid: number;
  /** The job's pid; its leftovers are stopped too. */
  jobPid?: number | undefined;
}

/** Called once the job has exited: stops the pod's other containers and the job's leftovers. */
export async function stopSidecars(options: StopOptions, ctx: StopContext): Promise<StopReport> {
  const processes = scanProcesses(ctx.procRoot, ctx.fs);
  const pod = buildPod(processes, { selfPid: ctx.selfPid, jobPid: ctx.jobPid });
  const plan = planStop(pod, options, { exited: true });
  return execute(plan, ctx);
}
