// The stop's log lines: what each container is about to get, how each ended, progress during a
// long grace period, and the last line.
import type { Logger } from '../log/logger.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import type { PlannedGroup, PlannedProcess } from './plan.ts';
import { summarizeStop, type Outcome, type StopReport } from './report.ts';

export function fieldsOf(planned: PlannedProcess, group: PlannedGroup, extra: { signal?: string; outcome?: string }) {
  const p = planned.process;
  return { pid: p.pid, comm: p.comm, container: group.shortId, uid: p.uid, ...extra };
}

function describe(group: PlannedGroup): string {
  return group.processes
    .map((p) => `${p.process.pid} ${p.process.comm} (${p.action.kind === 'signal' ? `SIG${p.action.signal}` : p.action.kind === 'watch' ? 'watch' : `never: ${p.action.reason}`})`)
    .join(', ');
}

export function logGroup(log: Logger, group: PlannedGroup, dryRun: boolean): void {
  const what = group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const verb = group.targeted ? (dryRun ? 'would stop' : 'stopping') : 'leaving alone';
  log.info(`${verb} ${what} ${group.shortId}: ${describe(group)}`, { container: group.shortId, processes: group.processes.length });
}

export function logOutcome(log: Logger, group: PlannedGroup, outcome: Outcome | undefined, ms: number): void {
  const what = group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const line = `${what} ${group.shortId} ${outcome}`;
  const fields = { container: group.shortId, outcome, ms };
  if (outcome === 'exited' || outcome === 'killed') log.info(line, fields);
  else log.warn(line, fields);
}

/** A long grace period should not look like a hang in `kubectl logs`. */
export function logProgress(log: Logger, left: Array<{ group: PlannedGroup; alive: Map<number, ProcessInfo> }>, remainingMs: number): void {
  const what = left.map((t) => `${t.group.shortId} (${[...t.alive.values()].map((p) => `${p.pid} ${p.comm}`).join(', ')})`).join('; ');
  log.info(`waiting for ${left.length} container(s), ${Math.ceil(remainingMs / 1000)} s of grace left: ${what}`, { outcome: 'waiting', ms: Math.round(remainingMs) });
}

export function logSummary(log: Logger, result: StopReport): void {
  const { acted, counts, failed } = summarizeStop(result);
  if (acted.length === 0) {
    log.info('no sidecar to stop', { ms: result.ms });
    return;
  }
  const line = `stopped ${acted.length} container(s) in ${result.ms} ms: ${counts}`;
  if (failed.length === 0) log.info(line, { ms: result.ms });
  else log.warn(line, { ms: result.ms });
}
