// Where the termination message goes (--termination-log, JOBDONE_TERMINATION_LOG): one rule for
// a run or sidecar the parser accepted and for an invocation it refused (exit 125).
import type { TerminationLogTarget } from './config.ts';
import { envName, optionForToken, optionSpecs } from './options.ts';

/** Unset: /dev/termination-log if it exists (in Kubernetes); '': off; a path: that file. */
export function terminationLogTarget(value: string | undefined): TerminationLogTarget | undefined {
  if (value === undefined) return { path: '/dev/termination-log', onlyIfPresent: true };
  return value === '' ? undefined : { path: value, onlyIfPresent: false };
}

/**
 * For a refused invocation: the option read leniently with the parser's option table and token
 * rules, from the environment and from the options before the job's command. Any other problem
 * in them is passed over, since one of them is why the message is written; a subcommand name
 * ends the options here.
 */
export function terminationLogOfRefusedInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): TerminationLogTarget | undefined {
  const spec = optionSpecs.find((candidate) => candidate.name === 'termination-log')!;
  const fromEnv = env[envName(spec)];
  let value = fromEnv !== '' || spec.emptyIsValue ? fromEnv : undefined;
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--' || !token.startsWith('-') || token === '-') break;
    const found = optionForToken(token, optionSpecs);
    if (found === undefined || found.spec.kind === 'flag') continue;
    const given = found.inlineValue ?? argv[++index];
    if (given === undefined || given === '--') break;
    if (found.spec === spec) value = given;
  }
  return terminationLogTarget(value);
}
