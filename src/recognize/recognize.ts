// Which known sidecar a container runs, from what the pod's /proc shows (comm, argv, uid) and the
// ports that listen in the pod's shared network namespace. Pure: the engine reads /proc and
// /proc/net/tcp{,6} (listening.ts) and decides phases and calls from the answer. Every fact in the
// rules (names, ports, paths, signals, exit codes) is cited in docs/meshes.md.
import type { ProcessInfo } from '../proc/process-info.ts';
import { rules } from './rules.ts';
import { Seen } from './seen.ts';

export interface ListeningSocket { address: string; port: number; inode: number } // from /proc/net/tcp{,6}, state LISTEN
export type SidecarRole = 'sender' | 'proxy'; // senders (log/telemetry agents, vault agent, unknown) stop first; proxies after

export interface StopMethod {
  /** Shutdown endpoint, loopback only, only where the project documents it AND it is on (e.g. its port listens). */
  endpoint?: { method: 'POST' | 'GET' | 'PUT'; url: string; expect?: string };
  /** Signal (normalized like the parser's: 'TERM', 'INT', 'QUIT') for its main process when there is no endpoint, or after it fails. */
  signal: string;
  /** Grace the project says it needs after the signal/endpoint (ms); the engine clamps it to the one budget. */
  needsMs?: number;
}

export interface Recognized {
  /** Stable id: 'istio' | 'envoy' | 'linkerd' | 'dapr' | 'cloud-sql-proxy-v1' | 'cloud-sql-proxy-v2' | 'vault-agent' | 'consul-dataplane' | 'fluent-bit' | 'fluentd' | 'vector' | 'otel-collector' | 'datadog-agent' */
  sidecar: string;
  /** 'Istio proxy (pilot-agent + envoy)' */
  display: string;
  role: SidecarRole;
  stop: StopMethod;
  /** What it exits with when stopped this way (0, or e.g. 143); drives the exit-code advice. */
  exitOnSignal?: number;
  /** The documented flag/annotation/endpoint that makes it exit 0 when stopped; shown when it had to be SIGKILLed or exits non-zero. */
  advice?: string;
  /** Why: "comm pilot-agent, argv 'proxy sidecar', uid 1337, :15020 listening". */
  evidence: string;
}

/**
 * One container's processes (its main process first) and the pod's listening sockets -> what it
 * is, or undefined. `listening` may be a function: it is then called only when a rule has matched
 * a process and needs to know whether its endpoint's port listens. Reading /proc/net/tcp and tcp6
 * walks the kernel's whole connection hash (about 10 ms each on a 2-core machine, 262144 buckets,
 * whatever the pod's own sockets), so a pod whose sidecars have no endpoint never pays for it.
 */
export function recognizeContainer(processes: readonly ProcessInfo[], listening: readonly ListeningSocket[] | (() => readonly ListeningSocket[])): Recognized | undefined {
  if (processes.length === 0) return undefined;
  const seen = new Seen(processes, listening);
  for (const rule of rules) {
    const found = rule(seen);
    if (found !== undefined) return found;
  }
  return undefined;
}
