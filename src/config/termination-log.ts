// Where the termination message goes (--termination-log, JOBDONE_TERMINATION_LOG): one rule for
// a run or sidecar the parser accepted and for an invocation it refused (exit 125).
import type { TerminationLogTarget } from './config.ts';
import { valueOfRefusedInvocation } from './refused-invocation.ts';

/** Unset: /dev/termination-log if it exists (in Kubernetes); '': off; a path: that file. */
export function terminationLogTarget(value: string | undefined): TerminationLogTarget | undefined {
  if (value === undefined) return { path: '/dev/termination-log', onlyIfPresent: true };
  return value === '' ? undefined : { path: value, onlyIfPresent: false };
}

/** For a refused invocation (src/config/refused-invocation.ts). */
export function terminationLogOfRefusedInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): TerminationLogTarget | undefined {
  return terminationLogTarget(valueOfRefusedInvocation('termination-log', argv, env));
}
