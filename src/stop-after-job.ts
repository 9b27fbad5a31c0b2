// The lifecycle's "stop the sidecars" step: the stopper over the real /proc and
// process.kill. A failure here is logged and never changes the job's status.
import type { RunConfig } from './config/config.ts';
import type { SidecarStopSummary } from './lifecycle.ts';
import type { Logger } from './log/logger.ts';
import { outcomeCounts, type StopReport } from './stop/execute.ts';
import { readUptimeTicks } from './proc/clock.ts';
import { shutdownThroughEndpoints } from './shutdown/shutdown.ts';
import { stopSidecars } from './stop/stop-sidecars.ts';

export async function stopAfterJob(config: RunConfig, job: { pid: number | undefined }, log: Logger): Promise<SidecarStopSummary> {
  // Read first, before a shutdown call that may take seconds: after the job's exit its pid is
  // free, and a process started later in a session of that id is not the job's leftover.
  const jobExitedAt = job.pid === undefined ? undefined : readUptimeTicks(config.procRoot);
  try {
    // Sidecars with a shutdown endpoint are asked first; signals are the fallback.
    const endpoints = await shutdownThroughEndpoints(config.shutdown?.calls ?? [], config.stop, log);
    const report = await stopSidecars({ ...config.stop, graceMs: endpoints.timing.graceMs }, {
      procRoot: config.procRoot, selfPid: process.pid, jobPid: job.pid, jobExitedAt, log,
      waitBeforeSignalMs: endpoints.timing.waitBeforeSignalMs, waitOnlyFor: endpoints.timing.waitOnlyFor,
    });
    return { summary: endpoints.summary + summarize(report), report };
  } catch (error) {
    log.error(`could not stop the sidecars: ${(error as Error).message}`);
    return { summary: `sidecars not stopped (${(error as Error).message})` };
  }
}

export function summarize(report: StopReport): string {
  const acted = report.groups.filter((group) => group.outcome !== 'skipped');
  if (acted.length === 0) return 'nothing to stop';
  return `${acted.length} container(s) stopped in ${report.ms} ms (${outcomeCounts(report)})`;
}
