// Senders: agents that ship logs, metrics and traces, and the Vault agent. They may need the
// network (through a proxy) while they flush on SIGTERM, so they are stopped first. Each fact is
// cited in docs/meshes.md.
import { durationMs, flagSet, flagValue, isProgram } from './argv.ts';
import type { Recognized } from './recognize.ts';
import { evidence, loopback, type Seen, type SeenProcess } from './seen.ts';

/**
 * Vault Agent (`vault agent -config=...`, under `sh -ec` when vault-k8s injects it). Its listener
 * serves POST /agent/v1/quit only where `agent_api { enable_quit = true }` (vault-k8s:
 * vault.hashicorp.com/agent-enable-quit, listener 127.0.0.1:8200); elsewhere it answers 404 and
 * the signal follows. SIGTERM stops it and it exits 0.
 */
function vaultAgent(seen: Seen): Recognized | undefined {
  const agent = seen.find((p) => isProgram(p, 'vault') && p.argv[1] === 'agent');
  if (agent === undefined) return undefined;
  const on = seen.listens(8200);
  return {
    sidecar: 'vault-agent', display: 'Vault Agent', role: 'sender',
    stop: { ...(on ? { endpoint: loopback('POST', 8200, '/agent/v1/quit') } : {}), signal: 'TERM' },
    exitOnSignal: 0,
    evidence: evidence(agent, 1, on && ':8200 listening'),
  };
}

/** Fluent Bit: SIGTERM flushes for `Grace` seconds (5 by default) and exits 0. No shutdown endpoint. */
function fluentBit(seen: Seen): Recognized | undefined {
  const agent = seen.find((p) => isProgram(p, 'fluent-bit'));
  if (agent === undefined) return undefined;
  return {
    sidecar: 'fluent-bit', display: 'Fluent Bit', role: 'sender', stop: { signal: 'TERM', needsMs: 5000 }, exitOnSignal: 0,
    evidence: evidence(agent, 0),
  };
}

/**
 * Fluentd is a Ruby script: argv shows ruby (with its -E... flags) and then the fluentd script;
 * comm is `ruby`, or `fluentd` when the script's shebang names ruby itself. Supervisor and
 * workers alike; SIGTERM stops the engine, which flushes memory buffers (flush_at_shutdown).
 */
function fluentd(seen: Seen): Recognized | undefined {
  const agent = seen.find(isFluentd);
  if (agent === undefined) return undefined;
  return {
    sidecar: 'fluentd', display: 'Fluentd', role: 'sender', stop: { signal: 'TERM' },
    evidence: evidence(agent, 2),
  };
}

function isFluentd(p: SeenProcess): boolean {
  if (p.comm !== 'ruby' && p.comm !== 'fluentd') return false;
  if (p.program === 'fluentd') return true;
  if (!p.program.startsWith('ruby')) return false;
  const script = p.argv.slice(1).find((arg) => !arg.startsWith('-'));
  return script !== undefined && script.slice(script.lastIndexOf('/') + 1) === 'fluentd';
}

/** Vector: SIGTERM shuts down gracefully within --graceful-shutdown-limit-secs (60) and exits 0. */
function vector(seen: Seen): Recognized | undefined {
  const agent = seen.find((p) => isProgram(p, 'vector'));
  if (agent === undefined) return undefined;
  const unlimited = flagSet(agent.argv, 'no-graceful-shutdown-limit');
  const limit = durationMs(flagValue(agent.argv, 'graceful-shutdown-limit-secs'), 's') ?? 60_000;
  return {
    sidecar: 'vector', display: 'Vector', role: 'sender',
    stop: { signal: 'TERM', ...(unlimited ? {} : { needsMs: limit }) }, exitOnSignal: 0,
    evidence: evidence(agent, 0),
  };
}

/** The OpenTelemetry Collector's distributions (otelcol, otelcol-contrib, otelcol-k8s, ...): SIGTERM shuts the pipelines down and exits 0. */
function otelCollector(seen: Seen): Recognized | undefined {
  const agent = seen.find((p) => p.comm.startsWith('otelcol') && p.program.startsWith('otelcol') && p.comm === p.program.slice(0, 15));
  if (agent === undefined) return undefined;
  return {
    sidecar: 'otel-collector', display: `OpenTelemetry Collector (${agent.program})`, role: 'sender', stop: { signal: 'TERM' }, exitOnSignal: 0,
    evidence: evidence(agent, 0),
  };
}

const datadogSiblings = new Set(['trace-agent', 'process-agent', 'security-agent', 'system-probe']);

/**
 * The Datadog Agent's container runs `agent run` under s6 with trace-agent and process-agent
 * beside it. "agent run" alone is too common a name, so a sibling or the install path must agree.
 * `agent run` stops on SIGTERM; the container's exit code is s6's.
 */
function datadogAgent(seen: Seen): Recognized | undefined {
  const agent = seen.find((p) => isProgram(p, 'agent') && (p.argv[1] === 'run' || p.argv[1] === 'start'));
  if (agent === undefined) return undefined;
  const sibling = seen.find((p) => datadogSiblings.has(p.comm));
  const installed = agent.argv[0]!.includes('/datadog-agent/');
  if (sibling === undefined && !installed) return undefined;
  return {
    sidecar: 'datadog-agent', display: 'Datadog Agent', role: 'sender', stop: { signal: 'TERM' },
    evidence: evidence(agent, 1, sibling !== undefined && `${sibling.comm} beside it`, installed && 'under /datadog-agent/'),
  };
}

export const agentRules: ReadonlyArray<(seen: Seen) => Recognized | undefined> = [vaultAgent, fluentBit, fluentd, vector, otelCollector, datadogAgent];
