// Ask sidecars to stop through their own endpoints before any signal, and decide how the signal
// fallback is timed. A sidecar that exits through its endpoint exits 0 and needs no permission
// to be signalled (a non-root job cannot signal istio-proxy's UID 1337 at all).
import type { ShutdownCall } from '../config/gates.ts';
import { describeHttp } from '../config/endpoints.ts';
import type { Logger } from '../log/logger.ts';
import { httpRequest, type HttpResult } from '../http/request.ts';

export interface ShutdownResult {
  calls: number;
  /** Calls answered 2xx. */
  succeeded: number;
  /** From the first call until the last answer (or timeout). */
  ms: number;
  /** comms that serve the calls that answered 2xx; undefined when one of them is not known. */
  owners?: ReadonlySet<string> | undefined;
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
  return { calls: calls.length, succeeded: answered.length, ms: Math.round(deps.now() - start), owners };
}

/** No call may take more than a quarter of the grace period, nor more than 2 s. */
export function callTimeoutMs(graceMs: number): number {
  return Math.max(100, Math.min(2000, Math.floor(graceMs / 4)));
}

export interface SignalTiming {
  /** Let targeted containers exit on their own this long before signalling them. */
  waitBeforeSignalMs: number;
  /** Only containers running one of these comms wait (their endpoint answered); unset: all wait. */
  waitOnlyFor?: ReadonlySet<string> | undefined;
  /** From the signal to SIGKILL. */
  graceMs: number;
}

/**
 * The grace period starts with the shutdown calls. When no call succeeded, nothing is going to
 * exit by itself: signal at once. When one did, give the sidecars up to half the grace period to
 * exit by themselves (the wait ends as soon as every targeted container is gone), then signal
 * what is left, and SIGKILL at the end of the grace period either way. When every call that
 * answered came from a preset, only containers running that preset's processes wait; the others
 * (a log shipper) are signalled at once.
 */
export function signalTiming(graceMs: number, shutdown: ShutdownResult | undefined): SignalTiming {
  if (shutdown === undefined || shutdown.calls === 0) return { waitBeforeSignalMs: 0, graceMs };
  const left = Math.max(0, graceMs - shutdown.ms);
  if (shutdown.succeeded === 0) return { waitBeforeSignalMs: 0, graceMs: left };
  const waitBeforeSignalMs = Math.max(0, Math.floor(graceMs / 2) - shutdown.ms);
  const timing = { waitBeforeSignalMs, graceMs: Math.max(0, left - waitBeforeSignalMs) };
  return shutdown.owners === undefined ? timing : { ...timing, waitOnlyFor: shutdown.owners };
}

/** The lifecycle's view: call the endpoints (if any), say when to signal, and a phrase for the last line. */
export async function shutdownThroughEndpoints(
  calls: readonly ShutdownCall[],
  stop: { graceMs: number; dryRun: boolean },
  log: Logger,
): Promise<{ timing: SignalTiming; summary: string }> {
  if (calls.length === 0) return { timing: signalTiming(stop.graceMs, undefined), summary: '' };
  const result = await callShutdownEndpoints(calls, callTimeoutMs(stop.graceMs), {
    request: (call, timeoutMs) => httpRequest(call.endpoint, timeoutMs),
    log,
    now: () => performance.now(),
    dryRun: stop.dryRun,
  });
  const timing = signalTiming(stop.graceMs, result);
  if (result.succeeded > 0) log.debug(`waiting up to ${timing.waitBeforeSignalMs} ms for the sidecars to exit by themselves before signalling`);
  return { timing, summary: stop.dryRun ? '' : `${result.succeeded}/${result.calls} shutdown endpoint(s) answered; ` };
}
