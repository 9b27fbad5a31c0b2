// Ask sidecars to stop through their own endpoints before any signal (each in its phase,
// execute.ts). A sidecar that exits through its endpoint exits 0 and needs no permission to be
// signalled (a non-root job cannot signal istio-proxy's UID 1337 at all).
import type { ShutdownCall } from '../config/gates.ts';
import { describeHttp } from '../config/endpoints.ts';
import type { Logger } from '../log/logger.ts';
import type { HttpResult } from '../http/request.ts';

export interface ShutdownResult {
  calls: number;
  /** Calls answered 2xx. */
  succeeded: number;
  /** From the first call until the last answer (or timeout). */
  ms: number;
  /** comms that serve the calls that answered 2xx; undefined when one of them is not known. */
  owners?: ReadonlySet<string> | undefined;
  /** The calls that answered 2xx. */
  answered?: readonly ShutdownCall[];
}

export interface ShutdownDeps {
  request(call: ShutdownCall, timeoutMs: number): Promise<HttpResult>;
  log: Logger;
  now(): number;
  dryRun: boolean;
}

/** Calls every endpoint at once; a refused, failing or hanging one only costs its own timeout. */
export async function callShutdownEndpoints(calls: readonly ShutdownCall[], timeoutMs: number, deps: ShutdownDeps): Promise<ShutdownResult> {
  const { log } = deps;
  const start = deps.now();
  if (deps.dryRun) {
    for (const call of calls) log.info(`dry run: would call ${describeHttp(call.endpoint)} (${call.source})`);
    return { calls: calls.length, succeeded: 0, ms: 0 };
  }
  const results = await Promise.all(calls.map(async (call) => {
    const result = await deps.request(call, timeoutMs);
    const what = `shutdown endpoint ${describeHttp(call.endpoint)} (${call.source})`;
    if (result.ok) log.info(`${what} answered ${result.status}`, { status: result.status, ms: result.ms, outcome: 'called' });
    else log.warn(`${what} failed: ${result.error}; signals will stop what it should have`, { status: result.status, ms: result.ms, outcome: 'failed' });
    return result.ok;
  }));
  const answered = calls.filter((_, index) => results[index]);
  const owners = answered.every((call) => call.owners !== undefined) ? new Set(answered.flatMap((call) => call.owners ?? [])) : undefined;
  return { calls: calls.length, succeeded: answered.length, ms: Math.round(deps.now() - start), owners, answered };
}

