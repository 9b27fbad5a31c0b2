// Start the job with execa: no shell, stdio inherited (never piped through
// jobdone: no buffering, binary-safe, the TTY stays the job's), argv, env and
// cwd passed as they are, PATH lookup by execvp. libuv gives the child default
// signal dispositions and an empty signal mask.
// The job runs in a session of its own (setsid, as dumb-init does), so every
// process it starts, orphans included, carries its pid as session id: that is
// how jobdone finds the job's leftovers in /proc afterwards without guessing.
// jobdone forwards every signal, terminal ones included, so the job misses none;
// it keeps its stdio, so isatty() stays true, but it has no controlling terminal.
import { execa } from 'execa';
import { formatDuration } from '../config/duration.ts';
import { signalNumber } from '../config/signals.ts';
import { ExitCode, exitCodeForSignal } from '../exit-codes.ts';

export type JobOutcome =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'not-started'; code: typeof ExitCode.notFound | typeof ExitCode.notExecutable; reason: string }
  /** --timeout passed: jobdone stopped the job (src/job/deadline.ts); `then` is how it ended. */
  | { kind: 'timed-out'; afterMs: number; then: JobOutcome };

export interface RunningJob {
  /** Undefined when the command could not be started. */
  readonly pid: number | undefined;
  readonly outcome: Promise<JobOutcome>;
}

export function startJob(command: string, args: readonly string[]): RunningJob {
  const subprocess = execa(command, args, {
    stdio: 'inherit',
    reject: false,
    // jobdone owns the job's lifetime: no execa exit hooks re-raising signals behind our back.
    cleanup: false,
    detached: true,
  });
  const outcome = subprocess.then((result): JobOutcome => {
    if (result.signal !== undefined) return { kind: 'signaled', signal: result.signal.replace(/^SIG/, '') };
    if (result.exitCode !== undefined) return { kind: 'exited', code: result.exitCode };
    return notStarted(command, result.code);
  });
  return { pid: subprocess.pid, outcome };
}

function notStarted(command: string, errno: string | undefined): JobOutcome {
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    const where = command.includes('/') ? 'no such file' : 'not found in PATH';
    return { kind: 'not-started', code: ExitCode.notFound, reason: `command ${JSON.stringify(command)} ${where} (${errno})` };
  }
  const why = errno === 'EACCES' ? 'is not executable (or is a directory)' : 'cannot be executed';
  return { kind: 'not-started', code: ExitCode.notExecutable, reason: `command ${JSON.stringify(command)} ${why} (${errno ?? 'unknown error'})` };
}

/** The status jobdone exits with for this outcome: the job's code, 128+N for signal N. */
export function exitStatusOf(outcome: JobOutcome): number {
  switch (outcome.kind) {
    case 'exited': return outcome.code;
    case 'signaled': return exitCodeForSignal(signalNumber(outcome.signal));
    case 'not-started': return outcome.code;
    case 'timed-out': return ExitCode.timeout;
  }
}

export function describeOutcome(outcome: JobOutcome): string {
  switch (outcome.kind) {
    case 'exited': return `exited with code ${outcome.code}`;
    case 'signaled': return `killed by SIG${outcome.signal} (exit ${exitStatusOf(outcome)})`;
    case 'not-started': return `not started: ${outcome.reason}`;
    case 'timed-out': return `timed out after ${formatDuration(outcome.afterMs)} and was stopped (${describeOutcome(outcome.then)}; exit ${ExitCode.timeout})`;
  }
}
