// Known sidecars: how each says it is ready, how it is asked to stop, and which signal it
// exits cleanly on. `--preset NAME[:KEY=VALUE...]` expands into the same gates, calls and
// per-process signals a user could spell out by hand (--wait-http, --shutdown-http, --signal-for).

import { isIP } from 'node:net';

export interface PresetEndpoint {
  port: number;
  path: string;
}

export interface Preset {
  name: string;
  sidecar: string;
  /** GET, must answer 2xx before the job starts. */
  ready?: PresetEndpoint;
  /** POSTed when the job has ended. */
  shutdown?: PresetEndpoint;
  /** comm -> signal, used when the endpoint did not stop it. */
  signalFor: Readonly<Record<string, string>>;
  /** What the sidecar needs for this to work; shown in --help and the README. */
  note: string;
}

export const presets: readonly Preset[] = [
  {
    name: 'istio', sidecar: 'Istio istio-proxy (pilot-agent + Envoy)',
    ready: { port: 15021, path: '/healthz/ready' }, shutdown: { port: 15020, path: '/quitquitquit' },
    signalFor: { 'pilot-agent': 'TERM', envoy: 'TERM' },
    note: 'works with the default injection',
  },
  {
    name: 'envoy', sidecar: 'plain Envoy (admin interface)',
    ready: { port: 15000, path: '/ready' }, shutdown: { port: 15000, path: '/quitquitquit' },
    signalFor: { envoy: 'TERM' },
    note: 'admin listener on 127.0.0.1:15000 (set port= for yours)',
  },
  {
    name: 'linkerd', sidecar: 'Linkerd linkerd2-proxy',
    ready: { port: 4191, path: '/ready' }, shutdown: { port: 4191, path: '/shutdown' },
    signalFor: { 'linkerd2-proxy': 'TERM' },
    note: 'the shutdown endpoint is off by default: annotate config.linkerd.io/proxy-admin-shutdown: enabled',
  },
  {
    name: 'cloud-sql-proxy', sidecar: 'Cloud SQL Auth Proxy v2',
    shutdown: { port: 9091, path: '/quitquitquit' },
    signalFor: { 'cloud-sql-proxy': 'TERM' },
    note: 'start it with --quitquitquit (and --exit-zero-on-sigterm for the signal fallback); no readiness gate',
  },
  {
    name: 'dapr', sidecar: 'Dapr daprd',
    ready: { port: 3500, path: '/v1.0/healthz' }, shutdown: { port: 3500, path: '/v1.0/shutdown' },
    signalFor: { daprd: 'TERM' },
    note: 'HTTP API on port 3500 (dapr.io/http-port)',
  },
];

export interface PresetChoice {
  preset: Preset;
  host: string;
  ready: PresetEndpoint | undefined;
  shutdown: PresetEndpoint | undefined;
}

/** Problems are thrown as Error with the message for the usage line. */
export class PresetError extends Error {}

const keys = ['host', 'port', 'ready-port', 'shutdown-port', 'ready', 'shutdown'] as const;
type Key = (typeof keys)[number];

/**
 * The values of --preset / JOBDONE_PRESET, e.g. ['istio:ready-port=15121', 'linkerd'].
 * Overrides follow the name after ':' or ',' (`istio:host=::1,shutdown-port=15020`), so the
 * comma that separates items in JOBDONE_PRESET cannot cut a preset from its overrides.
 */
export function parsePresets(values: readonly string[]): PresetChoice[] {
  const tokens = values.join(',').split(/,|:(?=[a-z][a-z-]*=)/).map((token) => token.trim()).filter((token) => token !== '');
  // `--preset ''` or `--preset ,` was accepted and did nothing: a preset asked for must be named.
  if (values.length > 0 && tokens.length === 0) throw new PresetError(`no preset name in ${JSON.stringify(values.join(','))}: known presets are ${presets.map((p) => p.name).join(', ')}`);
  const groups: Array<{ name: string; settings: string[] }> = [];
  for (const token of tokens) {
    if (/^[a-z][a-z-]*=/.test(token)) {
      const current = groups[groups.length - 1];
      if (current === undefined) throw new PresetError(`${JSON.stringify(token)} comes before any preset name`);
      current.settings.push(token);
    } else {
      groups.push({ name: token, settings: [] });
    }
  }
  const chosen = groups.map(({ name, settings }) => choose(name, settings));
  const names = chosen.map((choice) => choice.preset.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) throw new PresetError(`preset ${twice} is given twice`);
  return chosen;
}

function choose(name: string, settings: readonly string[]): PresetChoice {
  const preset = presets.find((candidate) => candidate.name === name);
  if (preset === undefined) throw new PresetError(`unknown preset ${JSON.stringify(name)}: known presets are ${presets.map((p) => p.name).join(', ')}`);
  const choice: PresetChoice = { preset, host: '127.0.0.1', ready: preset.ready, shutdown: preset.shutdown };
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    const key = setting.slice(0, equals) as Key;
    const value = setting.slice(equals + 1).trim();
    if (!keys.includes(key)) throw new PresetError(`unknown setting ${JSON.stringify(key)} for preset ${name}: use ${keys.join(', ')}`);
    apply(choice, key, value);
  }
  return choice;
}

function apply(choice: PresetChoice, key: Key, value: string): void {
  const { preset } = choice;
  switch (key) {
    case 'host':
      if (value === '') throw new PresetError(`empty host for preset ${preset.name}`);
      // A bare host only: `host=127.0.0.1/` or `host=127.0.0.1?x` made a URL whose port was the
      // default 80 and whose path was not the preset's; the port has keys of its own.
      if (isIP(value.replace(/^\[(.*)\]$/, '$1')) === 0 && !/^[A-Za-z0-9.-]+$/.test(value)) {
        throw new PresetError(`bad host=${value} for preset ${preset.name}: give a bare host name or address (e.g. 127.0.0.1, ::1, localhost), without port, path, query or user`);
      }
      choice.host = value.replace(/^\[(.*)\]$/, '$1');
      return;
    case 'ready':
    case 'shutdown':
      if (value !== 'off') throw new PresetError(`${key}=${value} for preset ${preset.name}: the only value is off`);
      choice[key] = undefined;
      return;
    case 'port': {
      const port = portOf(value, preset.name, key);
      const ports = new Set([preset.ready?.port, preset.shutdown?.port].filter((p) => p !== undefined));
      if (ports.size > 1) throw new PresetError(`preset ${preset.name} uses two ports: set ready-port= and shutdown-port= instead of port=`);
      if (choice.ready !== undefined) choice.ready = { ...choice.ready, port };
      if (choice.shutdown !== undefined) choice.shutdown = { ...choice.shutdown, port };
      return;
    }
    case 'ready-port':
    case 'shutdown-port': {
      const which = key === 'ready-port' ? 'ready' : 'shutdown';
      const endpoint = choice[which];
      if (endpoint === undefined) throw new PresetError(`preset ${preset.name} has no ${which} endpoint (or it is off), so ${key}= does not apply`);
      choice[which] = { ...endpoint, port: portOf(value, preset.name, key) };
      return;
    }
  }
}

function portOf(value: string, preset: string, key: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw new PresetError(`bad ${key}=${value} for preset ${preset}: a port is 1-65535`);
  return port;
}

/** URL text of an endpoint of a chosen preset (host may be an IPv6 address). */
export function presetUrl(choice: PresetChoice, endpoint: PresetEndpoint): string {
  const host = choice.host.includes(':') ? `[${choice.host}]` : choice.host;
  return `http://${host}:${endpoint.port}${endpoint.path}`;
}

/** Rows for --help and the README. */
export function presetTable(): Array<{ name: string; sidecar: string; wait: string; shutdown: string; signal: string; note: string }> {
  return presets.map((preset) => ({
    name: preset.name,
    sidecar: preset.sidecar,
    wait: preset.ready ? `GET :${preset.ready.port}${preset.ready.path}` : '-',
    shutdown: preset.shutdown ? `POST :${preset.shutdown.port}${preset.shutdown.path}` : '-',
    signal: Object.entries(preset.signalFor).map(([comm, signal]) => `${comm}=${signal}`).join(' '),
    note: preset.note,
  }));
}

/** The presets section of `jobdone --help`. */
export function presetsHelp(): string[] {
  const lines = ['Presets (--preset NAME[:KEY=VALUE...], endpoints on 127.0.0.1 unless host= is set):'];
  for (const row of presetTable()) {
    lines.push(`  ${row.name.padEnd(16)} wait ${row.wait}; shutdown ${row.shutdown}; signal ${row.signal}`, `  ${''.padEnd(16)} ${row.note}`);
  }
  return lines;
}
