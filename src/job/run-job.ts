// Start the job with node:child_process: no shell, stdio inherited (never piped through
// jobdone: no buffering, binary-safe, the TTY stays the job's), argv, env (with the Node
// variables jobdone keeps out of its own, src/node-env/early.ts) and cwd passed as they are,
// PATH lookup by execvp. libuv gives the child default signal dispositions and an empty mask.
// The job runs in a session of its own (setsid, as dumb-init does), so every
// process it starts, orphans included, carries its pid as session id: that is
// how jobdone finds the job's leftovers in /proc afterwards without guessing.
// jobdone forwards every signal, terminal ones included, so the job misses none;
// it keeps its stdio, so isatty() stays true, but it has no controlling terminal.
// Not execa: with stdio inherited and no shell it adds nothing here, and loading it
// (about 115 KB of bundle, most of node:stream behind it) cost 20 ms of a 60 ms start.
import { spawn, type ChildProcess } from 'node:child_process';
import { formatDuration } from '../duration.ts';
import { jobEnvironment } from '../node-env/early.ts';
import { signalNumber } from '../signals.ts';
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

/** `env` undefined: the job's environment as jobdone got it (src/node-env); src/config/outer.ts adds to it only for a --skip. */
export function startJob(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): RunningJob {
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: 'inherit', detached: true, env: env ?? jobEnvironment() });
  } catch (error) {
    // spawn() emits 'error' only for ENOENT, EACCES, EAGAIN, EMFILE and ENFILE; any other exec
    // failure (ENOTDIR, ENOEXEC, E2BIG, ELOOP...) is thrown.
    return { pid: undefined, outcome: Promise.resolve(notStarted(command, (error as NodeJS.ErrnoException).code)) };
  }
  const outcome = new Promise<JobOutcome>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve(notStarted(command, error.code)));
    child.once('exit', (code, signal) => {
      resolve(signal !== null ? { kind: 'signaled', signal: signal.replace(/^SIG/, '') } : { kind: 'exited', code: code ?? 0 });
    });
  });
  return { pid: child.pid, outcome };
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
    // Its own status is not jobdone's (124 is): said once, by whoever prints the exit status.
    case 'timed-out': return `timed out after ${formatDuration(outcome.afterMs)} and was stopped (${outcome.then.kind === 'signaled' ? `killed by SIG${outcome.then.signal}` : describeOutcome(outcome.then)})`;
  }
}
