// The lifecycle's "stop the sidecars" step: shutdown endpoints first, then signals as the
// fallback. A failure here is logged and never changes the job's status.
import type { RunConfig } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { readUptimeTicks } from '../proc/clock.ts';
import type { StopPort } from './port.ts';
import { stopPhrase, type SidecarStopSummary } from './report.ts';
import { shutdownThroughEndpoints } from './shutdown-endpoints.ts';
import { stopSidecars } from './stop-sidecars.ts';

/** Who is stopping (jobdone's pid) and, for the warm-up, an in-memory pod in place of the system. */
export interface StopAt {
  selfPid: number;
  port?: Partial<StopPort>;
}

export async function stopAfterJob(config: RunConfig, job: { pid: number | undefined }, log: Logger, at: StopAt = { selfPid: process.pid }): Promise<SidecarStopSummary> {
  // Read first, before a shutdown call that may take seconds: after the job's exit its pid is
  // free, and a process started later in a session of that id is not the job's leftover.
  const jobExitedAt = job.pid === undefined ? undefined : readUptimeTicks(config.procRoot, at.port?.fs);
  try {
    // Sidecars with a shutdown endpoint are asked first; signals are the fallback.
    const endpoints = await shutdownThroughEndpoints(config.shutdown?.calls ?? [], config.stop, log);
    const report = await stopSidecars({ ...config.stop, graceMs: endpoints.timing.graceMs }, {
      procRoot: config.procRoot, selfPid: at.selfPid, jobPid: job.pid, jobExitedAt, log, ...at.port,
      waitBeforeSignalMs: endpoints.timing.waitBeforeSignalMs, waitOnlyFor: endpoints.timing.waitOnlyFor,
    });
    return { summary: endpoints.summary + stopPhrase(report), report };
  } catch (error) {
    log.error(`could not stop the sidecars: ${(error as Error).message}`);
    return { summary: `sidecars not stopped (${(error as Error).message})` };
  }
}
