// What a stop did, and the one summary of it that the stop's last log line, the lifecycle's
// "done:" line and the termination message are each phrased from.
export type Outcome = 'exited' | 'killed' | 'eperm' | 'still-running' | 'skipped' | 'dry-run';

export interface GroupReport {
  kind: 'sidecar' | 'job';
  shortId: string;
  /** Processes stopped and waited for (signalled or watched). */
  processes: number;
  outcome: Outcome;
  /** From the first signal (or from the start, if it exited before any) until it was gone. */
  ms: number;
}

export interface StopReport {
  groups: GroupReport[];
  totals: Record<Outcome, number>;
  /** From the start of execute until the last group was settled. */
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

export function summarizeStop(report: StopReport): StopSummary {
  const acted = report.groups.filter((group) => group.outcome !== 'skipped');
  const counts = (Object.entries(report.totals) as [Outcome, number][])
    .filter(([outcome, n]) => n > 0 && outcome !== 'skipped')
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  const failed = acted.filter((group) => group.outcome === 'eperm' || group.outcome === 'still-running');
  return { acted, counts, failed, ms: report.ms };
}

/** The lifecycle's phrase: "2 container(s) stopped in 40 ms (1 exited, 1 killed)". */
export function stopPhrase(report: StopReport): string {
  const { acted, counts, ms } = summarizeStop(report);
  if (acted.length === 0) return 'nothing to stop';
  return `${acted.length} container(s) stopped in ${ms} ms (${counts})`;
}

/** Two stops (the first look's and a late one) as one. */
export function mergeReports(a: StopReport, b: StopReport): StopReport {
  const totals = { ...a.totals };
  for (const [outcome, n] of Object.entries(b.totals) as Array<[Outcome, number]>) totals[outcome] += n;
  return { groups: [...a.groups, ...b.groups], totals, ms: a.ms + b.ms, warnings: a.warnings };
}
