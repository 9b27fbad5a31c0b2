// A phase's shutdown calls: its containers' own endpoints (presets, recognised ones) and, in the
// last phase, the calls that name no container (--shutdown-http), all at once, each bounded by
// the budget. The answer is noted on each container: one whose endpoint answered waits before
// any signal.
import type { ShutdownCall } from '../config/gates.ts';
import type { HttpResult } from '../http/request.ts';
import type { Budget } from './budget.ts';
import type { Phase } from './phases.ts';
import { callShutdownEndpoints } from './shutdown-endpoints.ts';
import type { StopRun } from './stop-run.ts';
import type { Tracked } from './tracked.ts';

export type RequestShutdown = (call: ShutdownCall, timeoutMs: number) => Promise<HttpResult>;

/** Calls the phase's endpoints; true when a call that names no container answered. */
export async function callPhaseEndpoints(run: StopRun, phase: Phase, members: readonly Tracked[], budget: Budget, request: RequestShutdown | undefined): Promise<boolean> {
  const owned = members.filter((t) => t.stop?.call !== undefined);
  const calls = [...owned.map((t) => t.stop!.call!), ...phase.unownedCalls];
  if (calls.length === 0 || request === undefined) return false;
  const result = await callShutdownEndpoints(calls, budget.callTimeoutMs(run.port.now()), { request, log: run.log, now: run.port.now, dryRun: false });
  const answered = new Set(result.answered ?? []);
  for (const t of owned) t.endpoint = answered.has(t.stop!.call!) ? 'answered' : 'failed';
  return phase.unownedCalls.some((call) => answered.has(call));
}
