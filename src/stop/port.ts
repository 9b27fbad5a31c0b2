// What the stop needs from the system, in one small port: signals, the clock, sleep and /proc.
// The real one is the default; tests pass a fake clock and an in-memory /proc
// (src/proc/memory-proc-fs.ts) so ordering tests run in milliseconds.
import { sendSignal } from '../proc/kill.ts';
import { nodeProcFs, type ProcFs } from '../proc/proc-fs.ts';
import { monotonicMs } from '../monotonic.ts';

export interface StopPort {
  /** Sends a signal ('SIGTERM'); throws an error with code ESRCH/EPERM like process.kill. */
  kill(pid: number, signal: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  fs: ProcFs;
}

export const realStopPort: StopPort = {
  kill: sendSignal,
  now: monotonicMs,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  fs: nodeProcFs,
};

/** The real port with what the caller passed in its place. */
export function portOf(given: Partial<StopPort>): StopPort {
  return {
    kill: given.kill ?? realStopPort.kill,
    now: given.now ?? realStopPort.now,
    sleep: given.sleep ?? realStopPort.sleep,
    fs: given.fs ?? realStopPort.fs,
  };
}
