// Parse argv and JOBDONE_* variables once into a validated configuration.
// Any problem is a UsageError: one line naming the bad value and what is
// accepted; main() prints it and exits 125 before anything runs.
import type { LogFormat, LogLevel } from '../log/logger.ts';
import type { RunConfig, StopOptions, LogOptions, PsConfig, SidecarConfig, TerminationLogTarget } from './config.ts';
import { parseDuration } from '../duration.ts';
import { optionSpecs, type Subcommand } from './options.ts';
import { describe, flag, mergeOverEnvironment, readEnvironment, readFlags, readFlagsAndFiles, single, type Raw } from './raw-options.ts';
import { UsageError } from './usage-error.ts';
import { eitherPattern, userRegExp } from './regex.ts';
import { runStopOptions } from './stop-order.ts';
import { parseSignal } from '../signals.ts';
import { gateOptions, type GateOptions, type GateReader } from './gates.ts';
import { terminationLogTarget } from './termination-log.ts';
import { outerSkipVariable } from './outer.ts';
import { InjectOptionError, injectOptions, type InjectOptions } from '../inject/options.ts';

export { UsageError };

export type Invocation =
  | { kind: 'help'; subcommand: Subcommand }
  | { kind: 'version' }
  | { kind: 'run'; config: RunConfig }
  | { kind: 'install'; dir: string }
  | { kind: 'ps'; config: PsConfig }
  | { kind: 'sidecar'; config: SidecarConfig }
  | { kind: 'inject'; options: InjectOptions };

export const subcommands: readonly Subcommand[] = ['ps', 'sidecar', 'install', 'inject'];

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

  if (subcommand === 'ps') return { kind: 'ps', config: psConfig(raw, fromFlags.positional, env) };
  if (subcommand === 'sidecar') return { kind: 'sidecar', config: sidecarConfig(raw, fromFlags.positional) };
  if (subcommand === 'install') return { kind: 'install', dir: installDirectory(fromFlags.positional) };
  const [command, ...args] = fromFlags.positional;
  if (command === undefined) {
    throw new UsageError('missing command: give the job to run after the options, e.g. jobdone --grace 5s -- ./job.sh arg');
  }
  // An empty command was "cannot be executed" (126) after the sidecars had been waited for and
  // then stopped: it is bad input, refused before anything runs.
  if (command === '') throw new UsageError('empty command after --: give the job to run, e.g. jobdone -- ./job.sh arg');
  const { gates, stop } = stopWithGates(raw, env);
  return {
    kind: 'run',
    config: {
      command, args, stop,
      log: logOptions(raw), procRoot: single(raw, 'proc-root') ?? '/proc',
      timeoutMs: timeoutOption(raw), terminationLog: terminationLogOption(raw), terminationFormat: terminationFormatOption(raw),
      ready: gates.ready, shutdown: gates.shutdown,
    },
  };
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

function regexOption(raw: Raw, name: string): RegExp | undefined {
  const text = single(raw, name);
  return text === undefined ? undefined : userRegExp(text, describe(name));
}

/** --skip, plus the outer jobdone's when this one is its job (src/config/outer.ts): each checked alone, then either matches. */
function skipOption(raw: Raw, env: NodeJS.ProcessEnv): RegExp | undefined {
  const own = regexOption(raw, 'skip');
  const text = env[outerSkipVariable];
  if (text === undefined || text === '') return own;
  return eitherPattern(own, userRegExp(text, `${outerSkipVariable} (the --skip of the jobdone that runs this one)`));
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

function stopOptions(raw: Raw, env: NodeJS.ProcessEnv): StopOptions {
  return {
    only: regexOption(raw, 'only'),
    skip: skipOption(raw, env),
    signal: signalOption(raw, 'signal', 'TERM'),
    signalFor: signalForOption(raw),
    graceMs: durationOption(raw, 'grace', 10_000),
    noKill: flag(raw, 'no-kill'),
    allowHostPid: flag(raw, 'allow-host-pid'),
    dryRun: flag(raw, 'dry-run'),
    ...runStopOptions(raw),
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

function terminationFormatOption(raw: Raw): 'text' | 'json' {
  const text = single(raw, 'termination-format') ?? 'text';
  if (text !== 'text' && text !== 'json') throw new UsageError(`bad value ${JSON.stringify(text)} for ${describe('termination-format')}: use text or json`);
  return text;
}

function terminationLogOption(raw: Raw): TerminationLogTarget | undefined {
  return terminationLogTarget(single(raw, 'termination-log'));
}

function psConfig(raw: Raw, positional: string[], env: NodeJS.ProcessEnv): PsConfig {
  if (positional.length > 0) throw new UsageError(`jobdone ps takes no arguments, got ${JSON.stringify(positional[0])}; see jobdone ps --help`);
  const { stop, gates } = stopWithGates(raw, env);
  return { stop, calls: gates.shutdown.calls, log: logOptions(raw), procRoot: single(raw, 'proc-root') ?? '/proc', json: flag(raw, 'json') };
}

/** Stop options with the presets' per-process signals under them (--signal-for beats a preset). */
function stopWithGates(raw: Raw, env: NodeJS.ProcessEnv): { gates: GateOptions; stop: StopOptions } {
  const gates = gateOptions(gateReader(raw));
  const stop = stopOptions(raw, env);
  return { gates, stop: { ...stop, signalFor: new Map([...gates.signalFor, ...stop.signalFor]) } };
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
function gateReader(raw: Raw): GateReader {
  return {
    list: (name) => raw.get(name) ?? [],
    flag: (name) => flag(raw, name),
    duration: (name, fallbackMs) => durationOption(raw, name, fallbackMs),
    describe,
    usage: (message) => new UsageError(message),
  };
}
