// The stop in pieces, for `jobdone ps` (scan, build, plan, print) and for the lifecycle (all four).
export { scanProcesses, readProcess } from '../proc/scan.ts';
export { buildPod } from '../pod/pod.ts';
export { planStop, matches, normalizeSignal } from './plan.ts';
export type { Action, JobState, NeverReason, PlannedGroup, PlannedProcess, StopPlan } from './plan.ts';
export { execute } from './execute.ts';
export type { ExecuteContext, GroupReport, Outcome, StopReport } from './execute.ts';
export { stopSidecars } from './stop-sidecars.ts';
export type { StopContext } from './stop-sidecars.ts';
