// Endpoints jobdone talks to (readiness gates, shutdown calls), parsed and checked once.
// They must be loopback addresses unless --allow-remote-endpoints: a Job's arguments must not
// become a way to make the pod POST to arbitrary hosts.
import { isIP } from 'node:net';

export interface HttpEndpoint {
  method: string;
  /** Normalized http:// URL. */
  url: string;
  host: string;
  port: number;
  /** Path and query, e.g. /healthz/ready. */
  path: string;
}

export interface TcpEndpoint {
  host: string;
  port: number;
}

/** Thrown with a message the config parser turns into one usage line. */
export class EndpointError extends Error {}

/**
 * A host as the WHATWG URL parser reads it, so every spelling of an address means one thing for
 * --wait-http, --wait-tcp, --shutdown-http and the presets alike: `127.1`, `0x7f000001` and
 * `2130706433` are 127.0.0.1 (as inet_aton reads them when connecting), `[::ffff:127.0.0.1]`
 * is ::ffff:7f00:1. Undefined when it is no host at all.
 */
export function canonicalHost(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  try {
    const url = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`);
    return url.hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped 127.x) and the name localhost, in any spelling (canonicalHost). */
export function isLoopbackHost(host: string): boolean {
  const bare = (canonicalHost(host) ?? host).toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  // IPv4-mapped 127.x: URL normalizes [::ffff:127.0.0.1] to [::ffff:7f00:1].
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(bare);
  return false;
}

const methods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH']);

/** `URL` or `METHOD URL`; METHOD defaults to defaultMethod. */
export function parseHttpEndpoint(text: string, defaultMethod: string, allowRemote: boolean): HttpEndpoint {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  let method = defaultMethod;
  let urlText = trimmed;
  if (space !== -1) {
    method = trimmed.slice(0, space).toUpperCase();
    urlText = trimmed.slice(space).trim();
    if (!methods.has(method)) throw new EndpointError(`unknown HTTP method ${JSON.stringify(method)}: use ${[...methods].join(', ')}`);
  }
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new EndpointError('not a URL: use http://127.0.0.1:PORT/PATH');
  }
  if (url.protocol !== 'http:') throw new EndpointError(`only http:// URLs are supported (sidecar admin endpoints are plain HTTP on loopback), got ${url.protocol}//`);
  if (url.username !== '' || url.password !== '') throw new EndpointError('credentials in the URL are not supported');
  checkHost(url.hostname, allowRemote);
  const port = url.port === '' ? 80 : Number(url.port);
  return { method, url: url.href, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: url.pathname + url.search };
}

/** `HOST:PORT`, `[::1]:PORT`. */
export function parseTcpEndpoint(text: string, allowRemote: boolean): TcpEndpoint {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65_535) throw new EndpointError('expected HOST:PORT, e.g. 127.0.0.1:5432 or [::1]:5432');
  const host = canonicalHost((match[1] ?? match[2])!);
  if (host === undefined) throw new EndpointError('expected HOST:PORT, e.g. 127.0.0.1:5432 or [::1]:5432');
  checkHost(host, allowRemote);
  return { host, port };
}

function checkHost(host: string, allowRemote: boolean): void {
  if (allowRemote || isLoopbackHost(host)) return;
  throw new EndpointError(`${host} is not a loopback address (127.0.0.0/8, ::1, localhost); pass --allow-remote-endpoints to allow other hosts`);
}

/** For log lines: `POST http://127.0.0.1:15020/quitquitquit`. */
export function describeHttp(endpoint: HttpEndpoint): string {
  return `${endpoint.method} ${endpoint.url}`;
}
