// The stand-in sidecars as pod containers: how each is started (argv, uid, environment, as its
// project's image or injector starts it), when it is ready, and how it must be stopped with no
// options. Shared by the recognition check over real /proc and the pod acceptance tests.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StandInCase {
  /** Recognition's id. */
  sidecar: string;
  /** A short label for the test name. */
  label: string;
  /** argv; the first element is the name of the stand-in link to run (bin/<name>). */
  argv: (bin: string, files: string) => string[];
  uid: number;
  env?: Record<string, string>;
  /** A line the stand-in prints once it is ready (its ports listen). */
  ready: RegExp;
  /** The uid of the job (jobdone's container): another uid than the sidecar's means no signal can reach it. */
  jobUid: number;
  /** 'METHOD /path' the stand-in must receive, when it is stopped through its endpoint. */
  endpoint?: string;
  /** It must get SIGTERM (no endpoint, or one that refused). */
  term?: boolean;
  /** What recognition's evidence must say. */
  evidence?: RegExp;
}

export const standInCases: readonly StandInCase[] = [
  { sidecar: 'istio', label: 'Istio pilot-agent + envoy, uid 1337, job uid 1000', argv: (b) => [`${b}/pilot-agent`, 'proxy', 'sidecar', '--domain', 'default.svc.cluster.local'], uid: 1337, ready: /listening \*:15021[\s\S]*started envoy|started envoy[\s\S]*listening \*:15021/, jobUid: 1000, endpoint: 'POST /quitquitquit', evidence: /^comm pilot-agent, argv 'proxy sidecar', uid 1337, envoy child, :15020 listening$/ },
  { sidecar: 'envoy', label: 'plain Envoy', argv: (b) => [`${b}/envoy`, '-c', '/etc/envoy/envoy.yaml'], uid: 101, ready: /started envoy/, jobUid: 0, term: true },
  { sidecar: 'linkerd', label: 'Linkerd with proxy-admin-shutdown enabled, uid 2102, job uid 1000', argv: (b) => [`${b}/linkerd2-proxy-identity`], uid: 2102, env: { LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED: 'true' }, ready: /listening 0\.0\.0\.0:4191/, jobUid: 1000, endpoint: 'POST /shutdown', evidence: /^comm linkerd2-proxy, uid 2102, empty argv, :4191 listening$/ },
  { sidecar: 'linkerd', label: 'Linkerd with /shutdown off (404, then SIGTERM)', argv: (b) => [`${b}/linkerd2-proxy-identity`], uid: 2102, ready: /listening 0\.0\.0\.0:4191/, jobUid: 0, endpoint: 'POST /shutdown', term: true },
  { sidecar: 'cloud-sql-proxy-v2', label: 'cloud-sql-proxy --quitquitquit, uid 65532, job uid 1000', argv: (b) => [`${b}/cloud-sql-proxy`, 'my-project:us-central1:db', '--quitquitquit'], uid: 65532, ready: /listening 127\.0\.0\.1:9091/, jobUid: 1000, endpoint: 'POST /quitquitquit' },
  { sidecar: 'cloud-sql-proxy-v2', label: 'cloud-sql-proxy --exit-zero-on-sigterm', argv: (b) => [`${b}/cloud-sql-proxy`, '--exit-zero-on-sigterm', 'my-project:us-central1:db'], uid: 65532, ready: /started cloud-sql-proxy/, jobUid: 0, term: true },
  { sidecar: 'cloud-sql-proxy-v1', label: 'cloud_sql_proxy v1', argv: (b) => [`${b}/cloud_sql_proxy`, '-instances=my-project:us-central1:db=tcp:5432'], uid: 65532, ready: /started cloud_sql_proxy/, jobUid: 0, term: true },
  { sidecar: 'dapr', label: 'daprd, job uid 1000', argv: (b) => [`${b}/daprd`, '--dapr-http-port', '3500', '--app-id', 'job', '--dapr-graceful-shutdown-seconds', '5'], uid: 65532, ready: /listening 127\.0\.0\.1:3500/, jobUid: 1000, endpoint: 'POST /v1.0/shutdown' },
  { sidecar: 'vault-agent', label: 'vault agent with enable_quit, uid 100, job uid 1000', argv: (b, f) => [`${b}/vault`, 'agent', `-config=${f}/vault-agent.json`], uid: 100, ready: /listening 127\.0\.0\.1:8200/, jobUid: 1000, endpoint: 'POST /agent/v1/quit' },
  // vault-k8s's own command (agent-inject/agent/container_sidecar.go): sh stays the main process.
  { sidecar: 'vault-agent', label: 'vault agent under vault-k8s\'s sh -ec, no quit listener', argv: (b, f) => ['/bin/sh', '-ec', `echo config > /dev/null && ${b}/vault agent -config=${f}/vault-agent-plain.json`], uid: 100, ready: /started vault/, jobUid: 0, term: true },
  { sidecar: 'consul-dataplane', label: 'consul-dataplane + envoy, uid 100, job uid 1000', argv: (b) => [`${b}/consul-dataplane`, '-addresses', 'consul-server.consul.svc', '-grpc-port=8502'], uid: 100, ready: /listening 127\.0\.0\.1:20300[\s\S]*started envoy|started envoy[\s\S]*listening 127\.0\.0\.1:20300/, jobUid: 1000, endpoint: 'GET /graceful_shutdown' },
  { sidecar: 'fluent-bit', label: 'Fluent Bit', argv: (b) => [`${b}/fluent-bit`, '/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf'], uid: 0, ready: /started fluent-bit/, jobUid: 0, term: true },
  { sidecar: 'fluentd', label: 'Fluentd (ruby .../fluentd)', argv: (b) => [`${b}/ruby`, '/usr/local/bundle/bin/fluentd', '--config', '/fluentd/etc/fluent.conf'], uid: 999, ready: /started ruby/, jobUid: 0, term: true },
  { sidecar: 'vector', label: 'Vector', argv: (b) => [`${b}/vector`], uid: 0, ready: /started vector/, jobUid: 0, term: true },
  { sidecar: 'otel-collector', label: 'otelcol-contrib, uid 10001', argv: (b) => [`${b}/otelcol-contrib`, '--config=/conf/collector.yaml'], uid: 10001, ready: /started otelcol-contrib/, jobUid: 0, term: true },
  { sidecar: 'datadog-agent', label: 'Datadog agent run + trace-agent', argv: (b) => [`${b}/agent`, 'run'], uid: 0, ready: /started trace-agent/, jobUid: 0, term: true },
];

/** Config files the stand-ins read (vault agent's), in a directory every uid may read. */
export function standInFiles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-stand-in-files-'));
  chmodSync(dir, 0o755);
  // vault-k8s with vault.hashicorp.com/agent-enable-quit: "true" (agent-inject/agent/config.go).
  writeFileSync(join(dir, 'vault-agent.json'), JSON.stringify({ listener: [{ type: 'tcp', address: '127.0.0.1:8200', tls_disable: true, agent_api: { enable_quit: true } }] }));
  chmodSync(join(dir, 'vault-agent.json'), 0o644);
  writeFileSync(join(dir, 'vault-agent-plain.json'), JSON.stringify({ auto_auth: { method: { type: 'kubernetes' } } }));
  chmodSync(join(dir, 'vault-agent-plain.json'), 0o644);
  return dir;
}
