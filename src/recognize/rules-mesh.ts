// Proxies: the sidecars a job's traffic goes through. They are stopped after the senders.
import type { Rule } from './rules.ts';
import { describe, type Seen } from './seen.ts';

/**
 * Istio's istio-proxy container: pilot-agent (its entrypoint, `pilot-agent proxy sidecar ...`)
 * starts envoy. The status server on :15020 serves POST /quitquitquit, on by default. uid 1337 is
 * the injector's default but not required (OpenShift assigns its own), so it is evidence only.
 */
const istio: Rule = (seen: Seen) => {
  const agent = seen.find((p) => p.comm === 'pilot-agent' && p.program === 'pilot-agent' && p.argv[1] === 'proxy');
  if (agent === undefined) return undefined;
  const envoy = seen.find((p) => p.comm === 'envoy');
  const endpointOn = seen.listens(15020);
  const evidence = [describe(agent, 2)];
  if (envoy !== undefined) evidence.push('envoy child');
  if (endpointOn) evidence.push(':15020 listening');
  return {
    sidecar: 'istio',
    display: 'Istio proxy (pilot-agent + envoy)',
    role: 'proxy',
    stop: {
      ...(endpointOn ? { endpoint: { method: 'POST' as const, url: 'http://127.0.0.1:15020/quitquitquit' } } : {}),
      signal: 'TERM',
      // SIGTERM: pilot-agent drains for terminationDrainDuration (default 5 s) before it exits.
      needsMs: endpointOn ? 1000 : 6000,
    },
    exitOnSignal: 0,
    evidence: evidence.join(', '),
  };
};

export const meshRules: readonly Rule[] = [istio];
