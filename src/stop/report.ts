// What a stop did, and the one summary of it that the stop's last log line, the lifecycle's
// "done:" line and the termination message (text or JSON) are each phrased from.
export type Outcome = 'exited' | 'killed' | 'eperm' | 'still-running' | 'skipped' | 'dry-run' | 'kubelet' | 'kept';

/** How a container ended, for tools (the JSON termination message, docs/termination.schema.json). */
export type How = 'endpoint' | 'signal' | 'killed' | 'kubelet' | 'kept' | 'gone' | 'not-stopped' | 'left-alone' | 'dry-run';

export interface GroupReport {
  kind: 'sidecar' | 'job';
  shortId: string;
  /** Processes stopped and waited for (signalled or watched). */
  processes: number;
  outcome: Outcome;
  /** From the first signal (or from the start, if it exited before any) until it was gone. */
  ms: number;
  how: How;
  /** The phase it was stopped in (--stop-order). */
  phase?: string | undefined;
  /** Its container's main process as the first look saw it. */
  main?: { pid: number; comm: string } | undefined;
  /** What recognition took it for (src/recognize), with the way to make it exit 0. */
  recognized?: { sidecar: string; display: string; advice?: string | undefined; exitOnSignal?: number | undefined } | undefined;
  /** Its main process got SIGKILL: the container exits 137 and the pod ends Failed. */
  mainKilled?: boolean | undefined;
}

export interface StopReport {
  groups: GroupReport[];
  totals: Record<Outcome, number>;
  /** From the start of the stop (the first endpoint call or signal) until the last group was settled: wall time, late look included. */
  ms: number;
  warnings: string[];
}

/** The stop step's answer to the lifecycle: one phrase for its last line, and the report when a stop ran. */
export interface SidecarStopSummary {
  /** One short phrase for the final line, e.g. "2 container(s) stopped in 40 ms (1 exited, 1 killed)". */
  summary: string;
  report?: StopReport | undefined;
}

export interface StopSummary {
  /** The groups acted on (not left alone). */
  acted: GroupReport[];
  /** "3 exited, 1 killed": how the acted-on containers ended. */
  counts: string;
  /** Those not stopped: not signalled (permission denied) or still running. */
  failed: GroupReport[];
  ms: number;
}

export const noOutcomes = (): Record<Outcome, number> => ({ exited: 0, killed: 0, eperm: 0, 'still-running': 0, skipped: 0, 'dry-run': 0, kubelet: 0, kept: 0 });

export function summarizeStop(report: StopReport): StopSummary {
  const acted = report.groups.filter((group) => group.outcome !== 'skipped');
  const counts = (Object.entries(report.totals) as [Outcome, number][])
    .filter(([outcome, n]) => n > 0 && outcome !== 'skipped')
    .map(([outcome, n]) => `${n} ${outcomeWords[outcome]}`)
    .join(', ');
  const failed = acted.filter((group) => group.outcome === 'eperm' || group.outcome === 'still-running');
  return { acted, counts, failed, ms: report.ms };
}

const outcomeWords: Record<Outcome, string> = {
  exited: 'exited', killed: 'killed', eperm: 'eperm', 'still-running': 'still-running', skipped: 'skipped', 'dry-run': 'dry-run',
  kubelet: 'left to the kubelet', kept: 'kept for a retry',
};

/** The lifecycle's phrase: "2 container(s) stopped in 40 ms (1 exited, 1 killed)". */
export function stopPhrase(report: StopReport): string {
  const { acted, counts, ms } = summarizeStop(report);
  if (acted.length === 0) return 'nothing to stop';
  const kept = acted.filter((group) => group.outcome === 'kept').length;
  const kubelet = acted.filter((group) => group.outcome === 'kubelet').length;
  if (kept > 0 && kept + kubelet === acted.length) return `${kept} container(s) kept running for the retry${kubelet > 0 ? `, ${kubelet} left to the kubelet` : ''}`;
  return `${acted.length} container(s) stopped in ${ms} ms (${counts})`;
}

/** The verdict of one container, from its outcome and how it got there. */
export function howOf(outcome: Outcome, signalled: boolean, endpointAnswered: boolean): How {
  switch (outcome) {
    case 'exited': return signalled ? 'signal' : endpointAnswered ? 'endpoint' : 'gone';
    case 'killed': return 'killed';
    case 'kubelet': return 'kubelet';
    case 'kept': return 'kept';
    case 'skipped': return 'left-alone';
    case 'dry-run': return 'dry-run';
    case 'eperm':
    case 'still-running': return 'not-stopped';
  }
}

/**
 * The exit code that will fail the pod, when jobdone knows it: 137 for a SIGKILLed main process,
 * or what a recognised sidecar exits with when stopped by its signal (cloud-sql-proxy: 143 unless
 * --exit-zero-on-sigterm). Undefined when the container ends 0 or it is not known.
 */
export function failingExit(group: GroupReport): number | undefined {
  if (group.mainKilled) return 137;
  const code = group.recognized?.exitOnSignal;
  return group.how === 'signal' && code !== undefined && code !== 0 ? code : undefined;
}
