// Proxies: the sidecars a job's traffic goes through (service meshes, database proxies, Dapr's
// API). They are stopped after the senders. Each fact is cited in docs/meshes.md.
import { durationMs, flagSet, flagValue, isProgram, portFlag } from './argv.ts';
import type { Recognized } from './recognize.ts';
import type { Rule } from './rules.ts';
import { evidence, loopback, type Seen, type SeenProcess } from './seen.ts';

/**
 * Istio's istio-proxy: pilot-agent (`pilot-agent proxy sidecar ...`, the container's entrypoint)
 * runs envoy. Its status server (:15020) serves POST /quitquitquit, on by default, which exits
 * at once without the drain; SIGTERM drains for terminationDrainDuration (5 s) first. uid 1337 is
 * the injector's default but not a condition (OpenShift assigns its own): evidence only.
 */
const istio: Rule = (seen) => {
  const agent = seen.find((p) => isProgram(p, 'pilot-agent') && p.argv[1] === 'proxy');
  if (agent === undefined) return undefined;
  const on = seen.listens(15020);
  return {
    sidecar: 'istio', display: 'Istio proxy (pilot-agent + envoy)', role: 'proxy',
    stop: on ? { endpoint: loopback('POST', 15020, '/quitquitquit'), signal: 'TERM' } : { signal: 'TERM', needsMs: 5000 },
    exitOnSignal: 0,
    evidence: evidence(agent, 2, seen.find((p) => p.comm === 'envoy') !== undefined && 'envoy child', on && ':15020 listening'),
  };
};

/**
 * HashiCorp's consul-dataplane (comm truncated to `consul-dataplan`), usually under dumb-init,
 * runs envoy. Its lifecycle server on 127.0.0.1:20300 (-graceful-port) always serves
 * /graceful_shutdown (any method): it waits -shutdown-grace-period-seconds (0) and quits envoy.
 */
const consulDataplane: Rule = (seen) => {
  const dp = seen.find((p) => isProgram(p, 'consul-dataplane'));
  if (dp === undefined) return undefined;
  const port = portFlag(dp.argv, 20300, 'graceful-port');
  const path = flagValue(dp.argv, 'graceful-shutdown-path') ?? '/graceful_shutdown';
  const on = seen.listens(port) && path.startsWith('/');
  const graceMs = durationMs(flagValue(dp.argv, 'shutdown-grace-period-seconds'), 's');
  return {
    sidecar: 'consul-dataplane', display: 'Consul dataplane (consul-dataplane + envoy)', role: 'proxy',
    stop: { ...(on ? { endpoint: loopback('GET', port, path) } : {}), signal: 'TERM', ...(graceMs ? { needsMs: graceMs } : {}) },
    exitOnSignal: 0,
    evidence: evidence(dp, 0, on && `:${port} listening`),
  };
};

/** Plain Envoy (no pilot-agent or consul-dataplane beside it): its admin port is whatever the bootstrap says, so no endpoint is guessed. SIGTERM shuts it down at once. */
const envoy: Rule = (seen) => {
  const proxy = seen.find((p) => isProgram(p, 'envoy'));
  if (proxy === undefined) return undefined;
  return {
    sidecar: 'envoy', display: 'Envoy', role: 'proxy', stop: { signal: 'TERM' }, exitOnSignal: 0,
    evidence: evidence(proxy, 2),
  };
};

/**
 * An exec with an empty argv: /proc shows nothing on old kernels, a single empty string on current
 * ones, which swap an empty argv for one (Linux's tools/testing/selftests/exec/null-argv.c; seen
 * here on 6.18: /proc/PID/cmdline is one NUL).
 */
function emptyArgv(p: SeenProcess): boolean {
  return p.argvKnown && (p.argv.length === 0 || (p.argv.length === 1 && p.argv[0] === ''));
}

/**
 * linkerd2-proxy: exec'd with an empty argv by linkerd2-proxy-identity, or run directly. Admin
 * server :4191; POST /shutdown exists but is off unless config.linkerd.io/proxy-admin-shutdown:
 * enabled (then 200; else 404 and the signal follows). SIGTERM drains up to 2 minutes.
 */
const linkerd: Rule = (seen) => {
  const proxy = seen.find((p) => p.comm === 'linkerd2-proxy' && (emptyArgv(p) || p.program === 'linkerd2-proxy'));
  if (proxy === undefined) return undefined;
  const on = seen.listens(4191);
  return {
    sidecar: 'linkerd', display: 'Linkerd proxy (linkerd2-proxy)', role: 'proxy',
    stop: { ...(on ? { endpoint: loopback('POST', 4191, '/shutdown') } : {}), signal: 'TERM', needsMs: 120_000 },
    exitOnSignal: 0,
    advice: 'annotate the pod config.linkerd.io/proxy-admin-shutdown: enabled so that POST :4191/shutdown stops it',
    evidence: evidence(proxy, 0, emptyArgv(proxy) && 'empty argv', on && ':4191 listening'),
  };
};

/**
 * Cloud SQL Auth Proxy v2 (`cloud-sql-proxy`): the admin server (--admin-port, 9091) serves
 * /quitquitquit only with --quitquitquit, and exits 0 that way; SIGTERM exits 143 unless
 * --exit-zero-on-sigterm. --min/--max-sigterm-delay say how long it waits after the signal.
 */
const cloudSqlProxyV2: Rule = (seen) => {
  const proxy = seen.find((p) => isProgram(p, 'cloud-sql-proxy'));
  if (proxy === undefined) return undefined;
  const port = portFlag(proxy.argv, 9091, 'admin-port');
  const on = flagSet(proxy.argv, 'quitquitquit') && seen.listens(port);
  const zero = flagSet(proxy.argv, 'exit-zero-on-sigterm');
  const waits = (durationMs(flagValue(proxy.argv, 'min-sigterm-delay')) ?? 0) + (durationMs(flagValue(proxy.argv, 'max-sigterm-delay')) ?? 0);
  return {
    sidecar: 'cloud-sql-proxy-v2', display: 'Cloud SQL Auth Proxy v2', role: 'proxy',
    stop: { ...(on ? { endpoint: loopback('POST', port, '/quitquitquit') } : {}), signal: 'TERM', ...(waits > 0 ? { needsMs: waits } : {}) },
    exitOnSignal: zero ? 0 : 143,
    ...(zero ? {} : { advice: 'start it with --exit-zero-on-sigterm (exit 0 on SIGTERM) or --quitquitquit (jobdone then stops it through POST :9091/quitquitquit)' }),
    evidence: evidence(proxy, 0, on && `--quitquitquit, :${port} listening`, zero && '--exit-zero-on-sigterm'),
  };
};

/** Cloud SQL Proxy v1 (`cloud_sql_proxy`): no endpoint; SIGTERM waits -term_timeout (0) for connections, exits 0, or 2 if some are still open. */
const cloudSqlProxyV1: Rule = (seen) => {
  const proxy = seen.find((p) => isProgram(p, 'cloud_sql_proxy'));
  if (proxy === undefined) return undefined;
  const waits = durationMs(flagValue(proxy.argv, 'term_timeout'));
  return {
    sidecar: 'cloud-sql-proxy-v1', display: 'Cloud SQL Proxy v1', role: 'proxy',
    stop: { signal: 'TERM', ...(waits ? { needsMs: waits } : {}) },
    exitOnSignal: 0,
    advice: 'v1 exits 2 when connections are still open after -term_timeout (default 0): set -term_timeout, or move to v2 (--exit-zero-on-sigterm, --quitquitquit)',
    evidence: evidence(proxy, 0),
  };
};

/**
 * Dapr's daprd: the app calls its HTTP API (--dapr-http-port, 3500), so it is a proxy. POST
 * /v1.0/shutdown is part of that API, on by default. SIGTERM shuts down gracefully within
 * --dapr-graceful-shutdown-seconds (5) and exits 0.
 */
const dapr: Rule = (seen) => {
  const daprd = seen.find((p) => isProgram(p, 'daprd'));
  if (daprd === undefined) return undefined;
  const port = portFlag(daprd.argv, 3500, 'dapr-http-port');
  const on = seen.listens(port);
  return {
    sidecar: 'dapr', display: 'Dapr sidecar (daprd)', role: 'proxy',
    stop: { ...(on ? { endpoint: loopback('POST', port, '/v1.0/shutdown') } : {}), signal: 'TERM', needsMs: durationMs(flagValue(daprd.argv, 'dapr-graceful-shutdown-seconds'), 's') ?? 5000 },
    exitOnSignal: 0,
    evidence: evidence(daprd, 0, on && `:${port} listening`),
  };
};

export const meshRules: ReadonlyArray<(seen: Seen) => Recognized | undefined> = [istio, consulDataplane, envoy, linkerd, cloudSqlProxyV2, cloudSqlProxyV1, dapr];
