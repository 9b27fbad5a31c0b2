// The termination message as one JSON object (--termination-format json), for tools that decide
// what a pod's end means (Argo, Airflow's KubernetesPodOperator, CI systems): the job's outcome,
// how each sidecar container ended, and timings. The kubelet keeps at most 4096 bytes of a
// message and cuts the rest, which would leave half a JSON object: this one is shortened instead
// (detail dropped, then sidecars summarized by how they ended). Schema: docs/termination.schema.json.
import type { JobOutcome } from '../job/run-job.ts';
import { describeOutcome } from '../job/run-job.ts';
import { failingExit, type GroupReport, type How } from '../stop/report.ts';
import type { RunSummary } from './termination.ts';

/** The kubelet's cap on a container's termination message (TerminationMessagePath). */
export const maxJsonBytes = 4096;

const maxTextChars = 200;

interface SidecarEntry {
  container: string;
  kind?: 'job-leftovers';
  main?: { pid: number; comm: string };
  recognized: string | null;
  how: How;
  phase?: string;
  ms?: number;
  exit?: number;
  advice?: string;
}

export function terminationJson(run: RunSummary): string {
  const report = run.stopped.report;
  const groups = (report?.groups ?? []).filter((group) => group.outcome !== 'skipped' || group.kind === 'sidecar');
  const base = {
    version: 1,
    exit: run.status,
    job: jobOf(run.outcome),
    ms: Math.round(run.ms),
    stopMs: report?.ms ?? 0,
    ...(report === undefined ? { stop: short(run.stopped.summary) } : {}),
  };
  // Most detail first; each step drops some, until it fits.
  const worstFirst = [...groups].sort((a, b) => rank(a) - rank(b));
  for (const detail of [true, false]) {
    for (let shown = worstFirst.length; shown >= 0; shown = shown === 0 ? -1 : Math.floor(shown * 0.8)) {
      const text = JSON.stringify({ ...base, sidecars: worstFirst.slice(0, shown).map((group) => entryOf(group, detail)), ...more(worstFirst.slice(shown)) });
      if (Buffer.byteLength(text) <= maxJsonBytes) return text;
    }
  }
  return JSON.stringify({ ...base, sidecars: [] });
}

function jobOf(outcome: RunSummary['outcome']): Record<string, unknown> {
  const text = outcome.kind === 'not-ready' ? `not started (${outcome.reason})` : describeOutcome(outcome);
  const fields: Record<string, unknown> = { outcome: outcome.kind, text: short(text) };
  if (outcome.kind === 'exited') fields.code = outcome.code;
  if (outcome.kind === 'signaled') fields.signal = outcome.signal;
  if (outcome.kind === 'timed-out') {
    fields.afterMs = outcome.afterMs;
    fields.then = jobOf(outcome.then as JobOutcome).outcome;
  }
  return fields;
}

function entryOf(group: GroupReport, detail: boolean): SidecarEntry {
  const entry: SidecarEntry = { container: short(group.shortId), recognized: group.recognized?.sidecar ?? null, how: group.how };
  if (group.kind === 'job') entry.kind = 'job-leftovers';
  const exit = failingExit(group);
  if (exit !== undefined) entry.exit = exit;
  if (!detail) return entry;
  if (group.main !== undefined) entry.main = { pid: group.main.pid, comm: short(group.main.comm) };
  if (group.phase !== undefined) entry.phase = short(group.phase);
  if (group.ms > 0) entry.ms = group.ms;
  if (exit !== undefined && group.recognized?.advice) entry.advice = short(group.recognized.advice);
  return entry;
}

/** The sidecars left out, counted by how they ended. */
function more(rest: readonly GroupReport[]): { more?: { count: number; how: Partial<Record<How, number>> } } {
  if (rest.length === 0) return {};
  const how: Partial<Record<How, number>> = {};
  for (const group of rest) how[group.how] = (how[group.how] ?? 0) + 1;
  return { more: { count: rest.length, how } };
}

/** Failures first: what a reader most needs survives the shortening. */
function rank(group: GroupReport): number {
  const order: How[] = ['killed', 'not-stopped', 'kubelet', 'kept', 'endpoint', 'signal', 'gone', 'dry-run', 'left-alone'];
  return order.indexOf(group.how);
}

function short(text: string): string {
  return text.length <= maxTextChars ? text : `${text.slice(0, maxTextChars - 3)}...`;
}
