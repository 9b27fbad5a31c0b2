// The one validated configuration object. Options are parsed once, at the edge
// (src/config/parse.ts), into this shape; nothing downstream re-checks them.
import type { LogFormat, LogLevel } from '../log/logger.ts';
import type { ReadyOptions, ShutdownCall, ShutdownOptions } from './gates.ts';

/** How sidecars are chosen and stopped once the job has ended. */
export interface StopOptions {
  /** Only processes whose comm or full cmdline matches get the stop signal (like `pkill`). */
  only: RegExp | undefined;
  /** Processes (and containers whose main process) matching are never touched. */
  skip: RegExp | undefined;
  /** Normalized by the parser (parseSignal): 'TERM', never 'SIGTERM' or 15. */
  signal: string;
  /** Per-comm signal overrides, e.g. nginx -> QUIT (normalized like signal; presets write them so). */
  signalFor: ReadonlyMap<string, string>;
  /** Milliseconds between the stop signal and SIGKILL. */
  graceMs: number;
  /** Never SIGKILL: log what is still running when the grace period ends. */
  noKill: boolean;
  /** Stop sidecars even when the host's PID namespace is visible. */
  allowHostPid: boolean;
  /** Log the plan, send nothing. */
  dryRun: boolean;
  /** The stop's phases, in order (--stop-order); every targeted container is in one of them. */
  stopOrder: readonly PhaseSelector[];
  /** Recognise known sidecars (src/recognize) to choose their phase, endpoint and signal (--no-recognize). */
  recognize: boolean;
  /** Containers whose main process matches are native sidecars: never signalled, left to the kubelet. */
  nativeSidecar: RegExp | undefined;
  /** A failed job leaves the sidecars running for the kubelet's retry (restartPolicy: OnFailure). */
  keepSidecarsOnFailure: boolean;
  /**
   * The job was a jobdone that stopped the pod first (src/lifecycle.ts): an empty pod now is no
   * sign that shareProcessNamespace is missing (the inner one said so if it was). Absent: false.
   */
  afterInnerStop?: boolean;
}

/** One phase of the stop: recognition's roles, everything, or the containers a pattern names. */
export type PhaseSelector = { name: string } & ({ kind: 'senders' | 'proxies' | 'all' } | { kind: 'pattern'; pattern: RegExp });

export interface LogOptions {
  format: LogFormat;
  level: LogLevel;
}

export interface RunConfig {
  command: string;
  args: string[];
  stop: StopOptions;
  log: LogOptions;
  /** Where /proc is mounted; a parameter so tests can point at fixture trees. */
  procRoot: string;
  /** --timeout: the job's deadline in ms; undefined for none. */
  timeoutMs?: number | undefined;
  /** The termination message as one line of text, or one JSON object (docs/termination.schema.json). */
  terminationFormat?: 'text' | 'json' | undefined;
  /** Where the termination message goes; undefined: nowhere (--termination-log ''). */
  terminationLog?: TerminationLogTarget | undefined;
  /** Readiness gates before the job (--wait-*, --preset); undefined or no gates: start at once. */
  ready?: ReadyOptions | undefined;
  /** Endpoints called after the job, before any signal (--shutdown-http, --preset). */
  shutdown?: ShutdownOptions | undefined;
}

export interface TerminationLogTarget {
  path: string;
  /** The default /dev/termination-log is written only when it already exists (inside Kubernetes). */
  onlyIfPresent: boolean;
}

/** `jobdone ps`: the same stop and log options as a run, nothing to run. */
export interface PsConfig {
  stop: StopOptions;
  /** The presets' and --shutdown-http calls, to show which container each belongs to. */
  calls?: ShutdownCall[] | undefined;
  log: LogOptions;
  procRoot: string;
  json: boolean;
}

/** `jobdone sidecar -- CMD`: run CMD; a stop jobdone forwarded exits with exitCodeOnStop. */
export interface SidecarConfig {
  command: string;
  args: string[];
  log: LogOptions;
  exitCodeOnStop: number;
  /** Where the one-line summary goes at exit; undefined: nowhere. */
  terminationLog: TerminationLogTarget | undefined;
}
