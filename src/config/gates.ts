// Readiness gates (http, tcp, process, file) and shutdown calls for mesh and proxy sidecars,
// from --wait-*, --shutdown-http and --preset, normalized once: every URL parsed and checked
// (loopback unless allowed), every preset expanded into the gates, calls and per-process signals
// it stands for.
import { EndpointError, parseHttpEndpoint, parseTcpEndpoint, type HttpEndpoint, type TcpEndpoint } from './endpoints.ts';
import { parsePresets, presetUrl, PresetError } from './presets.ts';

export type ReadinessGate = { source: string } & (
  | { kind: 'http'; endpoint: HttpEndpoint }
  | { kind: 'tcp'; endpoint: TcpEndpoint }
  /** A process with this comm, argv[0] basename or whole command line in another container. */
  | { kind: 'process'; name: string }
  | { kind: 'file'; path: string }
);

export interface ReadyOptions {
  /** All must pass before the job starts; empty: start at once. */
  gates: ReadinessGate[];
  timeoutMs: number;
  /** --wait-timeout-start: start the job anyway (with a warning) when the gates time out. */
  startOnTimeout: boolean;
}

export interface ShutdownCall {
  endpoint: HttpEndpoint;
  /** Where it came from, for logs: --shutdown-http or preset NAME. */
  source: string;
  /** comms of the processes that serve it (from a preset); unknown for --shutdown-http. */
  owners?: readonly string[];
}

export interface ShutdownOptions {
  calls: ShutdownCall[];
}

export interface GateOptions {
  ready: ReadyOptions;
  shutdown: ShutdownOptions;
  /** comm -> signal from presets; --signal-for beats these. */
  signalFor: Map<string, string>;
}

/** The parser's view of the raw options, so this module needs no access to its internals. */
export interface GateReader {
  list(name: string): readonly string[];
  flag(name: string): boolean;
  duration(name: string, fallbackMs: number): number;
  /** `--name (JOBDONE_NAME)` for messages. */
  describe(name: string): string;
  usage(message: string): Error;
}

export const defaultWaitTimeoutMs = 60_000;

export function gateOptions(read: GateReader): GateOptions {
  const allowRemote = read.flag('allow-remote-endpoints');
  const checked = <T>(name: string, value: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof EndpointError) throw read.usage(`bad value ${JSON.stringify(value)} for ${read.describe(name)}: ${error.message}`);
      throw error;
    }
  };

  const gates: ReadinessGate[] = [];
  const calls: ShutdownCall[] = [];
  const signalFor = new Map<string, string>();
  let choices;
  try {
    choices = parsePresets(read.list('preset'));
  } catch (error) {
    if (error instanceof PresetError) throw read.usage(`bad value for ${read.describe('preset')}: ${error.message}`);
    throw error;
  }
  for (const choice of choices) {
    const source = `preset ${choice.preset.name}`;
    if (choice.ready) {
      const url = presetUrl(choice, choice.ready);
      gates.push({ kind: 'http', source, endpoint: checked('preset', url, () => parseHttpEndpoint(url, 'GET', allowRemote)) });
    }
    if (choice.shutdown) {
      const url = presetUrl(choice, choice.shutdown);
      calls.push({ source, endpoint: checked('preset', url, () => parseHttpEndpoint(url, 'POST', allowRemote)), owners: Object.keys(choice.preset.signalFor) });
    }
    for (const [comm, signal] of Object.entries(choice.preset.signalFor)) signalFor.set(comm, signal);
  }

  for (const value of read.list('wait-http')) {
    const endpoint = checked('wait-http', value, () => parseHttpEndpoint(value, 'GET', allowRemote));
    if (endpoint.method !== 'GET') throw read.usage(`bad value ${JSON.stringify(value)} for ${read.describe('wait-http')}: readiness is checked with GET; give the URL alone`);
    gates.push({ kind: 'http', source: '--wait-http', endpoint });
  }
  for (const value of read.list('wait-tcp')) {
    gates.push({ kind: 'tcp', source: '--wait-tcp', endpoint: checked('wait-tcp', value, () => parseTcpEndpoint(value, allowRemote)) });
  }
  for (const name of read.list('wait-process')) {
    if (name.trim() === '') throw read.usage(`empty value for ${read.describe('wait-process')}: give a process name, e.g. envoy`);
    gates.push({ kind: 'process', source: '--wait-process', name: name.trim() });
  }
  for (const path of read.list('wait-file')) {
    if (path === '') throw read.usage(`empty value for ${read.describe('wait-file')}: give a path`);
    gates.push({ kind: 'file', source: '--wait-file', path });
  }
  for (const value of read.list('shutdown-http')) {
    calls.push({ source: '--shutdown-http', endpoint: checked('shutdown-http', value, () => parseHttpEndpoint(value, 'POST', allowRemote)) });
  }

  return {
    ready: { gates, timeoutMs: read.duration('wait-timeout', defaultWaitTimeoutMs), startOnTimeout: read.flag('wait-timeout-start') },
    shutdown: { calls },
    signalFor,
  };
}

/** For log lines: what a gate waits for. */
export function describeGate(gate: ReadinessGate): string {
  switch (gate.kind) {
    case 'http': return `GET ${gate.endpoint.url}`;
    case 'tcp': return `tcp ${gate.endpoint.host.includes(':') ? `[${gate.endpoint.host}]` : gate.endpoint.host}:${gate.endpoint.port}`;
    case 'process': return `process ${gate.name}`;
    case 'file': return `file ${gate.path}`;
  }
}
