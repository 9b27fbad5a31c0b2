// The termination message: one line at exit, written where Kubernetes picks it up
// (terminationMessagePath, /dev/termination-log by default) so `kubectl describe pod` and the
// pod status say how the job ended and what happened to the sidecars without reading logs.
import type { TerminationLogTarget } from '../config/config.ts';
import { describeOutcome, type JobOutcome } from '../job/run-job.ts';
import type { Logger } from '../log/logger.ts';
import { visible } from '../log/visible.ts';
import { failingExit, summarizeStop, type StopReport } from '../stop/report.ts';
import { TerminationFileRefused, writeTerminationFile } from './termination-file.ts';
import { terminationJson } from './verdict-json.ts';

/** Kubernetes truncates a container's message at 4096 bytes; stay clear of it. */
export const maxMessageBytes = 4000;

export interface RunSummary {
  /** 'not-ready': readiness gates ran out, the job never started. */
  outcome: JobOutcome | { kind: 'not-ready'; reason: string };
  status: number;
  /** The lifecycle's phrase about the sidecars, and the stopper's report when it ran. */
  stopped: { summary: string; report?: StopReport | undefined };
  ms: number;
}

/** The message in the format asked for (--termination-format). */
export function terminationMessageAs(format: 'text' | 'json' | undefined, run: RunSummary): string {
  return format === 'json' ? terminationJson(run) : terminationMessage(run);
}

export function terminationMessage(run: RunSummary): string {
  const job = run.outcome.kind === 'not-ready' ? `not started (${run.outcome.reason})` : describeOutcome(run.outcome);
  const parts = [`jobdone: job ${job}; exit ${run.status}; took ${formatMs(run.ms)}`];
  const report = run.stopped.report;
  if (report === undefined) {
    parts.push(`sidecars: ${run.stopped.summary}`);
  } else {
    const { acted, failed } = summarizeStop(report);
    parts.push(acted.length === 0
      ? 'sidecars: nothing to stop'
      : `sidecars: ${acted.map((group) => `${group.kind === 'job' ? 'job leftovers ' : ''}${group.shortId} ${group.outcome}${group.ms > 0 ? ` in ${formatMs(group.ms)}` : ''}`).join(', ')}`);
    if (failed.length > 0) {
      parts.push(`failed: ${failed.map((group) => `${group.shortId} ${group.outcome === 'eperm' ? 'not signalled (permission denied)' : 'still running'}`).join(', ')}`);
    }
    const failing = report.groups.filter((group) => failingExit(group) !== undefined);
    if (failing.length > 0) {
      const advice = failing.flatMap((group) => (group.recognized?.advice ? [`${group.shortId}: ${group.recognized.advice}`] : []));
      const named = failing.map((group) => `${group.shortId} exits ${failingExit(group)}${group.mainKilled ? ' (SIGKILLed)' : ''}`);
      parts.push(`${named.join(', ')}: the pod will end Failed; avoid it with a shutdown endpoint, ${advice.length > 0 ? `${advice.join(', ')}, ` : ''}or jobdone sidecar`);
    }
  }
  return fitMessage(parts.join('; '));
}

/** `jobdone sidecar`: how the sidecar ended, and whether a requested stop was turned into its exit code. */
export function sidecarTerminationMessage(run: { outcome: JobOutcome; status: number; stoppedOnRequest: boolean }): string {
  const how = run.stoppedOnRequest ? `stopped on request (${describeOutcome(run.outcome)}, a signal jobdone forwarded)` : describeOutcome(run.outcome);
  return fitMessage(`jobdone sidecar: ${how}; exit ${run.status}`);
}

/** For input jobdone refused (exit 125): nothing ran, nothing was signalled. */
export function usageErrorMessage(problem: string, status: number): string {
  return fitMessage(`jobdone: ${problem}; exit ${status}; nothing was run or signalled`);
}

/** One line, at most maxMessageBytes of UTF-8, cut on a character boundary. */
export function fitMessage(text: string): string {
  // Container ids come from cgroup paths, which a container can name: shown, never obeyed.
  const line = visible(text);
  if (Buffer.byteLength(line) <= maxMessageBytes) return line + '\n';
  let cut = Buffer.from(line).subarray(0, maxMessageBytes - 4).toString('utf8');
  // A cut through a multi-byte character decodes to U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + '...\n';
}

/** Writes the message; never fails the run: a problem is one warning. */
export function writeTerminationMessage(target: TerminationLogTarget | undefined, message: string | (() => string), log: Logger): void {
  if (target === undefined) return;
  try {
    // Outside Kubernetes /dev/termination-log does not exist; creating files in /dev is not ours to do.
    writeTerminationFile(target.path, message, target.onlyIfPresent);
  } catch (error) {
    const why = error instanceof TerminationFileRefused ? error.reason : (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    log.warn(`cannot write the termination message to ${target.path}: ${why}`);
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
