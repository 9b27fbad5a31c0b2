// One check of one readiness gate, against the real system: an HTTP GET, a TCP connect, a
// /proc scan, a stat. Each answers ok or why not, never throws, and is bounded by timeoutMs.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { basename } from 'node:path';
import type { ReadinessGate } from '../config/gates.ts';
import { buildPod, sidecarsOutOfReach } from '../pod/pod.ts';
import { readProcMount } from '../proc/mount.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import { scanProcesses } from '../proc/scan.ts';
import { describeError, httpRequest } from '../http/request.ts';

export type ProbeResult = { ok: true; detail: string } | { ok: false; detail: string };

export interface ProbeContext {
  procRoot: string;
  selfPid: number;
  /** --allow-host-pid: processes of the node's PID namespace may pass the gate (as they may be stopped). */
  allowHostPid: boolean;
}

export async function probe(gate: ReadinessGate, timeoutMs: number, ctx: ProbeContext): Promise<ProbeResult> {
  switch (gate.kind) {
    case 'http': {
      const answer = await httpRequest(gate.endpoint, timeoutMs);
      return answer.ok ? { ok: true, detail: `answered ${answer.status}` } : { ok: false, detail: answer.error };
    }
    case 'tcp':
      return connectOnce(gate.endpoint.host, gate.endpoint.port, timeoutMs);
    case 'process':
      return findProcessInOtherContainers(gate.name, ctx);
    case 'file':
      return existsSync(gate.path) ? { ok: true, detail: 'exists' } : { ok: false, detail: 'does not exist' };
  }
}

function connectOnce(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, detail: 'connected' }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: describeError(error) }));
  });
}

/**
 * Only other containers count: jobdone's own arguments name the process it waits for. And only
 * where they can be the pod's sidecars, by the guard the stop uses (sidecarsOutOfReach): on the
 * node's PID namespace any process of that name on the node passed the gate.
 */
function findProcessInOtherContainers(name: string, ctx: ProbeContext): ProbeResult {
  const pod = buildPod(scanProcesses(ctx.procRoot), { selfPid: ctx.selfPid }, readProcMount(ctx.procRoot));
  const outOfReach = sidecarsOutOfReach(pod, ctx.allowHostPid);
  if (outOfReach === 'host-pid') return { ok: false, detail: "the node's PID namespace is visible (hostPID): a process here need not be this pod's; --allow-host-pid accepts it" };
  if (outOfReach !== undefined) return { ok: false, detail: `cannot tell that /proc shows this pod's whole PID namespace: ${pod.pidNamespaceDoubt}` };
  for (const container of pod.others) {
    const found = container.processes.find((p) => p.state !== 'Z' && processMatches(name, p));
    if (found !== undefined) return { ok: true, detail: `pid ${found.pid} (${found.comm}) runs` };
  }
  return { ok: false, detail: 'no such process in another container' };
}

/**
 * NAME matches the comm (the kernel cuts it to 15 characters), the basename of argv[0], or the
 * whole command line: `envoy`, `pilot-agent`, `/usr/local/bin/envoy` all find Envoy.
 */
export function processMatches(name: string, p: ProcessInfo): boolean {
  if (p.comm === name || (name.length > 15 && p.comm === name.slice(0, 15))) return true;
  const argv = p.cmdline ?? [];
  const first = argv[0];
  if (first === undefined) return false;
  return first === name || basename(first) === name || argv.join(' ') === name;
}
