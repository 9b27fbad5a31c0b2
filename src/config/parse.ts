// Parse argv and JOBDONE_* variables once into a validated configuration.
// Any problem is a UsageError: one line naming the bad value and what is
// accepted; main() prints it and exits 125 before anything runs.
import { setFlagsFromString } from 'node:v8';
import type { LogFormat, LogLevel } from '../log/logger.ts';
import type { RunConfig, StopOptions, LogOptions, PsConfig, SidecarConfig, TerminationLogTarget } from './config.ts';
import { parseDuration } from '../duration.ts';
import { envName, optionForToken, optionSpecs, type OptionSpec, type Subcommand } from './options.ts';
import { parseSignal } from '../signals.ts';
import { meshOptions, type MeshOptions, type MeshReader } from './gates.ts';
import { terminationLogTarget } from './termination-log.ts';
import { InjectOptionError, injectOptions, type InjectOptions } from '../inject/options.ts';

export class UsageError extends Error {}

export type Invocation =
  | { kind: 'help'; subcommand: Subcommand }
  | { kind: 'version' }
  | { kind: 'run'; config: RunConfig }
  | { kind: 'install'; dir: string }
  | { kind: 'ps'; config: PsConfig }
  | { kind: 'sidecar'; config: SidecarConfig }
  | { kind: 'inject'; options: InjectOptions };

export const subcommands: readonly Subcommand[] = ['ps', 'sidecar', 'install', 'inject'];

type Raw = Map<string, string[]>;

export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  const first = argv[0];
  const subcommand: Subcommand = first !== undefined && (subcommands as readonly string[]).includes(first)
    ? (first as Subcommand) : 'run';
  const rest = subcommand === 'run' ? argv : argv.slice(1);
  const specs = optionSpecs.filter((spec) => spec.for.includes(subcommand));

  const fromFlags = subcommand === 'inject' ? readFlagsAndFiles(rest, specs) : readFlags(rest, specs, subcommand);
  if (fromFlags.raw.has('help')) return { kind: 'help', subcommand };
  if (fromFlags.raw.has('version')) return { kind: 'version' };
  // inject writes a run's options into the manifests from its flags only: the JOBDONE_* variables
  // of the machine that edits manifests must not leak into every Job it touches.
  const envSpecs = subcommand === 'inject' ? specs.filter((spec) => !spec.for.includes('run')) : specs;
  const raw = mergeOverEnvironment(fromFlags.raw, readEnvironment(env, envSpecs));

  if (subcommand === 'inject') return { kind: 'inject', options: injectInvocation(raw, fromFlags.positional) };

  if (subcommand === 'ps') return { kind: 'ps', config: psConfig(raw, fromFlags.positional) };
  if (subcommand === 'sidecar') return { kind: 'sidecar', config: sidecarConfig(raw, fromFlags.positional) };
  if (subcommand === 'install') return { kind: 'install', dir: installDirectory(fromFlags.positional) };
  const [command, ...args] = fromFlags.positional;
  if (command === undefined) {
    throw new UsageError('missing command: give the job to run after the options, e.g. jobdone --grace 5s -- ./job.sh arg');
  }
  // An empty command was "cannot be executed" (126) after the sidecars had been waited for and
  // then stopped: it is bad input, refused before anything runs.
  if (command === '') throw new UsageError('empty command after --: give the job to run, e.g. jobdone -- ./job.sh arg');
  const { mesh, stop } = stopWithMesh(raw);
  return {
    kind: 'run',
    config: {
      command, args, stop,
      log: logOptions(raw), procRoot: single(raw, 'proc-root') ?? '/proc',
      timeoutMs: timeoutOption(raw), terminationLog: terminationLogOption(raw),
      ready: mesh.ready, shutdown: mesh.shutdown,
    },
  };
}

function readFlags(argv: readonly string[], specs: readonly OptionSpec[], subcommand: Subcommand): { raw: Raw; positional: string[] } {
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
function readFlagsAndFiles(argv: readonly string[], specs: readonly OptionSpec[]): { raw: Raw; positional: string[] } {
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

function readEnvironment(env: NodeJS.ProcessEnv, specs: readonly OptionSpec[]): Raw {
  const raw: Raw = new Map();
  const known = new Map(optionSpecs.filter((spec) => !spec.noEnv).map((spec) => [envName(spec), spec]));
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('JOBDONE_') || value === undefined) continue;
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
function mergeOverEnvironment(flags: Raw, environment: Raw): Raw {
  return new Map([...environment, ...flags]);
}

function single(raw: Raw, name: string): string | undefined {
  const values = raw.get(name);
  return values?.[values.length - 1];
}

function flag(raw: Raw, name: string): boolean {
  return single(raw, name) === 'true';
}

function describe(name: string): string {
  const spec = optionSpecs.find((candidate) => candidate.name === name)!;
  return `--${name} (${envName(spec)})`;
}

export function durationOption(raw: Raw, name: string, fallbackMs: number): number {
  const text = single(raw, name);
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`bad duration ${JSON.stringify(text)} for ${describe(name)}: use 500ms, 10s, 2m, 1h or a number of seconds`);
  return ms;
}

function signalOption(raw: Raw, name: string, fallback: string): string {
  const text = single(raw, name);
  if (text === undefined) return fallback;
  return signalOrThrow(text, describe(name));
}

function signalOrThrow(text: string, where: string): string {
  const signal = parseSignal(text);
  if (signal === undefined) throw new UsageError(`bad signal ${JSON.stringify(text)} for ${where}: use a name such as TERM, INT, QUIT, SIGUSR1, or a number`);
  return signal;
}

/**
 * --only and --skip run on V8's linear-time engine (the `l` flag): a backtracking match of
 * `(a+)+$` or `sleep.*infinity$` against a long command line held jobdone for hours after the
 * job, stopping nothing. That engine is part of the Node that runs jobdone, so it needs no
 * dependency (RE2 ports are native addons, which a single executable cannot load, or pure-JS
 * engines 10x slower); it takes JavaScript syntax minus what cannot run in linear time
 * (backreferences, lookaround, some quantified groups), and those patterns are refused here.
 */
function regexOption(raw: Raw, name: string): RegExp | undefined {
  const text = single(raw, name);
  if (text === undefined) return undefined;
  try {
    new RegExp(text);
  } catch (error) {
    throw new UsageError(`bad regular expression ${JSON.stringify(text)} for ${describe(name)}: ${(error as Error).message}`);
  }
  try {
    return linearTimeRegExp(text);
  } catch {
    throw new UsageError(`regular expression ${JSON.stringify(text)} for ${describe(name)} cannot be matched in linear time (backreferences and lookaround are not supported): write it without them`);
  }
}

let linearEngineEnabled = false;

function linearTimeRegExp(source: string): RegExp {
  if (!linearEngineEnabled) {
    // Must be set before the first RegExp with the `l` flag is parsed; it changes nothing else.
    setFlagsFromString('--enable-experimental-regexp-engine');
    linearEngineEnabled = true;
  }
  return new RegExp(source, 'l');
}

function signalForOption(raw: Raw): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of raw.get('signal-for') ?? []) {
    const equals = item.indexOf('=');
    const comm = equals === -1 ? '' : item.slice(0, equals).trim();
    if (comm === '') throw new UsageError(`bad value ${JSON.stringify(item)} for ${describe('signal-for')}: expected COMM=SIG, e.g. nginx=QUIT`);
    map.set(comm, signalOrThrow(item.slice(equals + 1), describe('signal-for')));
  }
  return map;
}

function stopOptions(raw: Raw): StopOptions {
  return {
    only: regexOption(raw, 'only'),
    skip: regexOption(raw, 'skip'),
    signal: signalOption(raw, 'signal', 'TERM'),
    signalFor: signalForOption(raw),
    graceMs: durationOption(raw, 'grace', 10_000),
    noKill: flag(raw, 'no-kill'),
    allowHostPid: flag(raw, 'allow-host-pid'),
    dryRun: flag(raw, 'dry-run'),
  };
}

function logOptions(raw: Raw): LogOptions {
  const formatText = single(raw, 'log-format') ?? 'text';
  if (formatText !== 'text' && formatText !== 'json') {
    throw new UsageError(`bad log format ${JSON.stringify(formatText)} for ${describe('log-format')}: use text or json`);
  }
  if (flag(raw, 'quiet') && flag(raw, 'verbose')) throw new UsageError('--quiet and --verbose contradict each other: choose one');
  const level: LogLevel = flag(raw, 'quiet') ? 'error' : flag(raw, 'verbose') ? 'debug' : 'info';
  return { format: formatText as LogFormat, level };
}

function timeoutOption(raw: Raw): number | undefined {
  if (single(raw, 'timeout') === undefined) return undefined;
  const ms = durationOption(raw, 'timeout', 0);
  if (ms === 0) throw new UsageError(`bad duration "${single(raw, 'timeout')}" for ${describe('timeout')}: a deadline must be longer than 0`);
  return ms;
}

function terminationLogOption(raw: Raw): TerminationLogTarget | undefined {
  return terminationLogTarget(single(raw, 'termination-log'));
}

function psConfig(raw: Raw, positional: string[]): PsConfig {
  if (positional.length > 0) throw new UsageError(`jobdone ps takes no arguments, got ${JSON.stringify(positional[0])}; see jobdone ps --help`);
  return { stop: stopWithMesh(raw).stop, log: logOptions(raw), procRoot: single(raw, 'proc-root') ?? '/proc', json: flag(raw, 'json') };
}

/** Stop options with the presets' per-process signals under them (--signal-for beats a preset). */
function stopWithMesh(raw: Raw): { mesh: MeshOptions; stop: StopOptions } {
  const mesh = meshOptions(meshReader(raw));
  const stop = stopOptions(raw);
  return { mesh, stop: { ...stop, signalFor: new Map([...mesh.signalFor, ...stop.signalFor]) } };
}

function sidecarConfig(raw: Raw, positional: string[]): SidecarConfig {
  const [command, ...args] = positional;
  if (command === '') throw new UsageError('empty command after --: give the sidecar to run, e.g. jobdone sidecar -- envoy -c /etc/envoy.yaml');
  if (command === undefined) {
    throw new UsageError('missing command: give the sidecar to run after the options, e.g. jobdone sidecar -- envoy -c /etc/envoy.yaml');
  }
  const text = single(raw, 'exit-code-on-stop') ?? '0';
  if (!/^\d{1,3}$/.test(text.trim()) || Number(text) > 255) {
    throw new UsageError(`bad exit code ${JSON.stringify(text)} for ${describe('exit-code-on-stop')}: use a number from 0 to 255`);
  }
  return { command, args, log: logOptions(raw), exitCodeOnStop: Number(text), terminationLog: terminationLogOption(raw) };
}

function injectInvocation(raw: Raw, positional: readonly string[]): InjectOptions {
  let options: InjectOptions;
  try {
    options = injectOptions(raw, positional);
  } catch (error) {
    if (error instanceof InjectOptionError) throw new UsageError(error.message);
    throw error;
  }
  // The wrapped command must be one a run accepts: check it now, not in the pod.
  parseInvocation([...options.jobdoneArgs, '--', 'true'], {});
  return options;
}

function installDirectory(positional: readonly string[]): string {
  const [dir, ...extra] = positional;
  if (dir === undefined || dir === '' || extra.length > 0) {
    throw new UsageError(`jobdone install takes one directory, got ${JSON.stringify(positional)}: e.g. jobdone install /install (an emptyDir the main container mounts at /jobdone)`);
  }
  return dir;
}

/** --preset, --wait-*, --shutdown-http: parsed in gates.ts over this view of the raw options. */
function meshReader(raw: Raw): MeshReader {
  return {
    list: (name) => raw.get(name) ?? [],
    flag: (name) => flag(raw, name),
    duration: (name, fallbackMs) => durationOption(raw, name, fallbackMs),
    describe,
    usage: (message) => new UsageError(message),
  };
}
