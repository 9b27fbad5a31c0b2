// The raw options of one invocation: flags read from argv and JOBDONE_* variables from the
// environment, by the option table (options.ts), before any value is checked (parse.ts does that).
import { envName, optionForToken, optionSpecs, type OptionSpec, type Subcommand } from './options.ts';
import { outerSkipVariable } from './outer.ts';
import { UsageError } from './usage-error.ts';

/** Option name -> its values as given (a list option may repeat). */
export type Raw = Map<string, string[]>;

export function readFlags(argv: readonly string[], specs: readonly OptionSpec[], subcommand: Subcommand): { raw: Raw; positional: string[] } {
  const raw: Raw = new Map();
  let index = 0;
  while (index < argv.length) {
    const token = argv[index]!;
    if (token === '--') return { raw, positional: argv.slice(index + 1) };
    if (!token.startsWith('-') || token === '-') return { raw, positional: argv.slice(index) };
    const { spec, inlineValue } = findSpec(token, specs, subcommand);
    index += 1;
    if (spec.kind === 'flag') {
      if (inlineValue !== undefined) throw new UsageError(`option --${spec.name} takes no value, got ${JSON.stringify(token)}`);
      raw.set(spec.name, ['true']);
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      value = argv[index];
      if (value === undefined || value === '--') throw new UsageError(`option --${spec.name} needs a value (${spec.metavar ?? 'VALUE'})`);
      index += 1;
    }
    raw.set(spec.name, spec.kind === 'list' ? [...(raw.get(spec.name) ?? []), value] : [value]);
  }
  return { raw, positional: [] };
}

/** inject takes files and options in any order (`jobdone inject job.yaml --via baked`); after -- only files. */
export function readFlagsAndFiles(argv: readonly string[], specs: readonly OptionSpec[]): { raw: Raw; positional: string[] } {
  const raw: Raw = new Map();
  const files: string[] = [];
  let rest = argv;
  while (rest.length > 0) {
    const part = readFlags(rest, specs, 'inject');
    for (const [name, values] of part.raw) {
      const list = specs.find((spec) => spec.name === name)?.kind === 'list';
      raw.set(name, list ? [...(raw.get(name) ?? []), ...values] : values);
    }
    if (part.positional.length === 0) break;
    if (rest[rest.length - part.positional.length - 1] === '--') {
      files.push(...part.positional);
      break;
    }
    files.push(part.positional[0]!);
    rest = part.positional.slice(1);
  }
  return { raw, positional: files };
}

function findSpec(token: string, specs: readonly OptionSpec[], subcommand: Subcommand): { spec: OptionSpec; inlineValue: string | undefined } {
  const found = optionForToken(token, specs);
  if (found === undefined) {
    const where = subcommand === 'run' ? '' : ` for jobdone ${subcommand}`;
    throw new UsageError(`unknown option ${JSON.stringify(token)}${where}; see jobdone ${subcommand === 'run' ? '' : subcommand + ' '}--help (put the job after -- if it starts with a dash)`);
  }
  return found;
}

export function readEnvironment(env: NodeJS.ProcessEnv, specs: readonly OptionSpec[]): Raw {
  const raw: Raw = new Map();
  const known = new Map(optionSpecs.filter((spec) => !spec.noEnv).map((spec) => [envName(spec), spec]));
  // Keys first, values of JOBDONE_* only: each value of process.env is a getenv() through C++, and
  // reading all of them (Object.entries) cost every start 0.3 ms with npm's 68 variables.
  for (const key of Object.keys(env)) {
    if (!key.startsWith('JOBDONE_') || key === outerSkipVariable) continue;
    const value = env[key];
    if (value === undefined) continue;
    const spec = known.get(key);
    if (spec === undefined) {
      throw new UsageError(`unknown environment variable ${key}; known: ${[...known.keys()].join(', ')}`);
    }
    if ((value === '' && !spec.emptyIsValue) || !specs.includes(spec)) continue;
    if (spec.kind === 'flag') raw.set(spec.name, [envFlag(key, value)]);
    else if (spec.kind === 'list') raw.set(spec.name, value.split(',').map((item) => item.trim()).filter((item) => item !== ''));
    else raw.set(spec.name, [value]);
  }
  return raw;
}

function envFlag(key: string, value: string): string {
  const normalized = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return 'true';
  if (['0', 'false', 'no', 'off'].includes(normalized)) return 'false';
  throw new UsageError(`bad value ${JSON.stringify(value)} for ${key}: expected true or false (also 1/0, yes/no, on/off)`);
}

/** A flag on the command line beats the environment variable of the same option. */
export function mergeOverEnvironment(flags: Raw, environment: Raw): Raw {
  return new Map([...environment, ...flags]);
}

export function single(raw: Raw, name: string): string | undefined {
  const values = raw.get(name);
  return values?.[values.length - 1];
}

export function flag(raw: Raw, name: string): boolean {
  return single(raw, name) === 'true';
}

export function describe(name: string): string {
  const spec = optionSpecs.find((candidate) => candidate.name === name)!;
  return `--${name} (${envName(spec)})`;
}
