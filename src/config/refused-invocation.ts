// What an invocation the parser refused (exit 125) still asked for: where its termination
// message goes and in which format its one line is written. Read leniently with the parser's
// option table and token rules, from the environment and from the options before the job's
// command: any other problem in them is passed over, since one of them is why jobdone refuses.
import type { LogFormat } from '../log/logger.ts';
import { envName, optionForToken, optionSpecs } from './options.ts';

const subcommandNames = new Set(['ps', 'sidecar', 'install', 'inject']);

/** The last value given for option `name`, flag over variable; undefined when neither is. */
export function valueOfRefusedInvocation(name: string, argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const spec = optionSpecs.find((candidate) => candidate.name === name)!;
  const fromEnv = env[envName(spec)];
  let value = fromEnv !== '' || spec.emptyIsValue ? fromEnv : undefined;
  // A subcommand's options follow its name (jobdone ps --log-format json ...).
  const first = argv[0] !== undefined && subcommandNames.has(argv[0]) ? 1 : 0;
  for (let index = first; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--' || !token.startsWith('-') || token === '-') break;
    const found = optionForToken(token, optionSpecs);
    if (found === undefined || found.spec.kind === 'flag') continue;
    const given = found.inlineValue ?? argv[++index];
    if (given === undefined || given === '--') break;
    if (found.spec === spec) value = given;
  }
  return value;
}

/**
 * --log-format json (or JOBDONE_LOG_FORMAT=json) makes every line JSON, the refusal included.
 * Not for inject: there the option is one to write into the manifests, and inject's own lines
 * are text.
 */
export function requestedLogFormat(argv: readonly string[], env: NodeJS.ProcessEnv): LogFormat {
  if (argv[0] === 'inject') return 'text';
  return valueOfRefusedInvocation('log-format', argv, env) === 'json' ? 'json' : 'text';
}
