// The lifecycle's "stop the sidecars" step: the stop in phases (stop-sidecars.ts) with the real
// HTTP client, or, for a failed job under --keep-sidecars-on-failure, no stop at all. A failure
// here is logged and never changes the job's status.
import type { RunConfig } from '../config/config.ts';
import { httpRequest } from '../http/request.ts';
import type { Logger } from '../log/logger.ts';
import type { HeldFiles } from '../proc/held-files.ts';
import { readUptimeTicks } from '../proc/clock.ts';
import { lookAtPod } from './look-at-pod.ts';
import { mainFirst } from './phases.ts';
import type { PlannedGroup } from './plan.ts';
import { portOf, type StopPort } from './port.ts';
import { noOutcomes, stopPhrase, type SidecarStopSummary, type StopReport } from './report.ts';
import { stopSidecars } from './stop-sidecars.ts';
import { isNativeSidecar } from './tracked.ts';

/** Who is stopping (jobdone's pid) and, for the warm-up, an in-memory pod in place of the system. */
export interface StopAt {
  selfPid: number;
  port?: Partial<StopPort>;
  /** Files the look while the job ran kept open (src/stop/early-look.ts); the stop closes them. */
  held?: HeldFiles | undefined;
}

/** The job: its pid (undefined when it never started) and the status jobdone will exit with. */
export interface EndedJob {
  pid: number | undefined;
  status?: number | undefined;
}

export async function stopAfterJob(config: RunConfig, job: EndedJob, log: Logger, at: StopAt = { selfPid: process.pid }): Promise<SidecarStopSummary> {
  const port = portOf(at.port ?? {});
  // The one budget starts now, before anything else is read or called.
  const startedAt = port.now();
  // Read first, before a shutdown call that may take seconds: after the job's exit its pid is
  // free, and a process started later in a session of that id is not the job's leftover.
  const jobExitedAt = job.pid === undefined ? undefined : readUptimeTicks(config.procRoot, at.port?.fs);
  try {
    if (config.stop.keepSidecarsOnFailure && job.status !== undefined && job.status !== 0) return keepForRetry(config, job.status, log, at);
    const report = await stopSidecars(config.stop, {
      procRoot: config.procRoot, selfPid: at.selfPid, jobPid: job.pid, jobExitedAt, log, ...at.port, startedAt, held: at.held,
      calls: config.shutdown?.calls ?? [],
      request: (call, timeoutMs) => httpRequest(call.endpoint, timeoutMs),
    });
    return { summary: stopPhrase(report), report };
  } catch (error) {
    log.error(`could not stop the sidecars: ${(error as Error).message}`);
    return { summary: `sidecars not stopped (${(error as Error).message})` };
  } finally {
    at.held?.closeAll();
  }
}

/**
 * --keep-sidecars-on-failure: the kubelet runs the job container again in this pod (restartPolicy:
 * OnFailure), and the retry needs its proxy. Nothing is signalled; one look names what is kept,
 * and the declared native sidecars, which are the kubelet's whatever the job did.
 */
function keepForRetry(config: RunConfig, status: number, log: Logger, at: StopAt): SidecarStopSummary {
  const { plan } = lookAtPod(config.stop, { procRoot: config.procRoot, selfPid: at.selfPid, fs: at.port?.fs });
  const kept = plan.groups.filter((group) => group.kind === 'sidecar' && group.targeted);
  const native = plan.groups.filter(isNativeSidecar);
  log.info(`the job failed (exit ${status}): leaving ${kept.length} sidecar container(s) running for the kubelet's retry (--keep-sidecars-on-failure)`, { exit: status, outcome: 'kept' });
  const totals = noOutcomes();
  totals.kept = kept.length;
  totals.kubelet = native.length;
  const report: StopReport = {
    groups: [
      ...kept.map((group) => ({ kind: 'sidecar' as const, shortId: group.shortId, processes: group.processes.length, outcome: 'kept' as const, ms: 0, how: 'kept' as const, main: mainOf(group) })),
      ...native.map((group) => ({ kind: 'sidecar' as const, shortId: group.shortId, processes: group.processes.length, outcome: 'kubelet' as const, ms: 0, how: 'kubelet' as const, main: mainOf(group) })),
    ],
    totals, ms: 0, warnings: plan.warnings,
  };
  return { summary: stopPhrase(report), report };
}

function mainOf(group: PlannedGroup): { pid: number; comm: string } | undefined {
  const main = mainFirst(group)[0];
  return main === undefined ? undefined : { pid: main.pid, comm: main.comm };
}
