// The stop's log lines: what each container is about to get, each phase, how each ended (with
// what recognition took it for), progress during a long grace period, what a SIGKILL means for
// the pod, and the last line.
import type { Logger } from '../log/logger.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import type { GroupStop, Phase } from './phases.ts';
import type { PlannedGroup, PlannedProcess } from './plan.ts';
import { failingExit, summarizeStop, type GroupReport, type How, type StopReport } from './report.ts';
import type { Tracked } from './tracked.ts';

/** withUid: false where reading it (status) would cost the stop time (sent lines). */
export function fieldsOf(planned: PlannedProcess, group: PlannedGroup, extra: { signal?: string; outcome?: string }, withUid = true) {
  const p = planned.process;
  return { pid: p.pid, comm: p.comm, container: group.shortId, ...(withUid ? { uid: p.uid } : {}), ...extra };
}

function describe(group: PlannedGroup): string {
  return group.processes
    .map((p) => `${p.process.pid} ${p.process.comm} (${p.action.kind === 'signal' ? `SIG${p.action.signal}` : p.action.kind === 'watch' ? 'watch' : `never: ${p.action.reason}`})`)
    .join(', ');
}

export function logGroup(log: Logger, group: PlannedGroup, dryRun: boolean, stop?: GroupStop): void {
  const what = group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const verb = group.targeted ? (dryRun ? 'would stop' : 'stopping') : 'leaving alone';
  const phase = stop === undefined ? '' : `; phase ${stop.phase}`;
  log.info(`${verb} ${what} ${group.shortId}: ${describe(group)}${phase}`, { container: group.shortId, processes: group.processes.length });
}

export function logPhase(log: Logger, phase: Phase, members: readonly Tracked[], dryRun: boolean): void {
  const names = members.map((t) => t.group.shortId + (t.stop?.recognized ? ` (${t.stop.recognized.sidecar})` : ''));
  const calls = phase.unownedCalls.length > 0 ? `, ${phase.unownedCalls.length} shutdown call(s) of no known container` : '';
  log.info(`${dryRun ? 'dry run: ' : ''}phase ${phase.name}: ${names.length === 0 ? 'no container' : names.join(', ')}${calls}`, { phase: phase.name });
}

const howWords: Record<How, string> = {
  endpoint: 'stopped through its shutdown endpoint', signal: 'stopped by its signal', killed: 'killed (SIGKILL)',
  kubelet: 'left to the kubelet', kept: 'kept running for the retry', gone: 'gone before any signal',
  'not-stopped': 'not stopped', 'left-alone': 'left alone', 'dry-run': 'dry run',
};

/** How one container ended; a recognised one says what it was taken for and why. */
export function logOutcome(log: Logger, t: Tracked, report: GroupReport): void {
  const what = t.group.kind === 'job' ? 'job leftovers' : 'sidecar container';
  const recognized = t.stop?.recognized;
  const how = report.how === 'endpoint' && t.stop?.call ? `${howWords.endpoint} (${t.stop.call.endpoint.method} ${t.stop.call.endpoint.url})` : howWords[report.how];
  const detail = recognized === undefined ? '' : `: recognised as ${recognized.display} (${recognized.evidence}); ${how}`;
  const fields = { container: t.group.shortId, outcome: report.outcome, ms: report.ms, how: report.how, ...(recognized ? { sidecar: recognized.sidecar } : {}) };
  const line = `${what} ${t.group.shortId} ${report.outcome === 'kubelet' ? 'left to the kubelet' : report.outcome}${detail}`;
  if (report.outcome === 'eperm' || report.outcome === 'still-running') log.warn(line, fields);
  else log.info(line, fields);
}

/** A long grace period should not look like a hang in `kubectl logs`. */
export function logProgress(log: Logger, left: Array<{ group: PlannedGroup; alive: Map<number, ProcessInfo> }>, remainingMs: number): void {
  const what = left.map((t) => `${t.group.shortId} (${[...t.alive.values()].map((p) => `${p.pid} ${p.comm}`).join(', ')})`).join('; ');
  log.info(`waiting for ${left.length} container(s), ${Math.ceil(remainingMs / 1000)} s of grace left: ${what}`, { outcome: 'waiting', ms: Math.round(remainingMs) });
}

/** What a SIGKILLed main process, or a recognised sidecar's non-zero exit, means for the pod, and what would have avoided it. */
export function exitVerdict(group: GroupReport, code: number): string {
  const main = group.main === undefined ? 'its main process' : `its main process (${group.main.pid} ${group.main.comm})`;
  const what = group.recognized === undefined ? '' : ` (${group.recognized.display})`;
  const advice = group.recognized?.advice === undefined ? [] : [group.recognized.advice];
  if (code !== 137) return `container ${group.shortId}${what}: ${main} exits ${code} when stopped by its signal, so the pod will end Failed; to avoid it: ${[...advice, 'running it under `jobdone sidecar` (a requested stop exits 0)'].join('; or ')}`;
  const avoid = ['a shutdown endpoint (--shutdown-http, --preset)', ...advice, 'running it under `jobdone sidecar` (a requested stop exits 0)', 'a longer --grace if it only needs time'];
  return `container ${group.shortId}${what}: ${main} was SIGKILLed, so the container exits 137 and the pod will end Failed; to avoid it: ${avoid.join('; or ')}`;
}

export function logVerdicts(log: Logger, result: StopReport): void {
  for (const group of result.groups) {
    const code = failingExit(group);
    if (code !== undefined) log.warn(exitVerdict(group, code), { container: group.shortId, outcome: group.outcome, exit: code });
  }
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
