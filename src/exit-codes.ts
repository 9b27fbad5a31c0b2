// jobdone's own exit codes. Everything else it exits with is the job's status,
// 128+N when the job died of signal N. 124-127 follow GNU timeout, env and the
// shells, so they never collide with a conventional "the job failed" code.
export const ExitCode = {
  /** A readiness gate or --timeout ran out before the job ended (as GNU timeout). */
  timeout: 124,
  /** jobdone itself failed: bad input, or an internal error before the job ran. */
  jobdoneError: 125,
  /** The command was found but could not be executed. */
  notExecutable: 126,
  /** The command was not found. */
  notFound: 127,
} as const;

export function exitCodeForSignal(signalNumber: number): number {
  return 128 + signalNumber;
}
