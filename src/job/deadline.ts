// --timeout: a deadline for the job, as GNU timeout gives one. When it passes the job's process
// group gets SIGTERM, then SIGKILL after the grace period; the outcome becomes 'timed-out' (exit
// 124) whatever the job then did, so a timeout always reads as one in the exit status and logs.
import { formatDuration } from '../duration.ts';
import type { Logger } from '../log/logger.ts';
import { sendSignal } from '../proc/kill.ts';
import type { JobOutcome, RunningJob } from './run-job.ts';

export interface Deadline {
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL: the same grace the sidecars get. */
  graceMs: number;
  log: Logger;
  /** Throws like process.kill; injected by tests. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export function withDeadline(job: RunningJob, deadline: Deadline): RunningJob {
  const { pid } = job;
  if (pid === undefined) return job;
  const { log, timeoutMs, graceMs } = deadline;
  const kill = deadline.kill ?? sendSignal;
  // The job leads its own session and process group (setsid), so -pid reaches what it started
  // in the foreground too (a shell's `sleep`), as GNU timeout's kill(0, sig) does.
  const send = (signal: NodeJS.Signals): void => {
    for (const target of [-pid, pid]) {
      try {
        kill(target, signal);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ESRCH') {
          log.error(`timeout: cannot send ${signal} to the job: ${code ?? (error as Error).message}`, { pid, signal: signal.slice(3) });
          return;
        }
      }
    }
  };
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const termTimer = setTimeout(() => {
    timedOut = true;
    log.warn(`timeout: the job ran longer than --timeout ${formatDuration(timeoutMs)}; sending SIGTERM`, { pid, signal: 'TERM', outcome: 'timeout', ms: timeoutMs });
    send('SIGTERM');
    killTimer = setTimeout(() => {
      log.warn(`timeout: the job still runs ${formatDuration(graceMs)} after SIGTERM; sending SIGKILL`, { pid, signal: 'KILL', outcome: 'timeout' });
      send('SIGKILL');
    }, graceMs);
  }, timeoutMs);
  const outcome = job.outcome.then((ended): JobOutcome => {
    clearTimeout(termTimer);
    clearTimeout(killTimer);
    return timedOut ? { kind: 'timed-out', afterMs: timeoutMs, then: ended } : ended;
  });
  return { pid, outcome };
}
