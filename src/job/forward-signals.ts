// Forward every catchable, asynchronous signal jobdone receives to the job,
// as tini does. Signals that arrive before the job has a pid are queued and
// delivered, in order, the moment it starts: none is lost.
import { sendSignal } from '../proc/kill.ts';
import { takeEarlySigusr1 } from './early-sigusr1.ts';

/**
 * Not forwarded: CHLD (about jobdone's own children), PIPE (raised by jobdone's
 * own writes to a closed stderr), the synchronous faults (SEGV, BUS, FPE, ILL,
 * TRAP, ABRT, SYS), and KILL/STOP, which cannot be caught. STKFLT is a plain
 * asynchronous signal on Linux (nothing raises it any more): left out, it killed
 * jobdone (exit 144) and orphaned the job. The real-time signals (SIGRTMIN..SIGRTMAX)
 * cannot be forwarded: Node has no names for them, so no handler can be installed,
 * and one kills jobdone (docs/limitations.md).
 */
export const forwardedSignals = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGCONT', 'SIGWINCH',
  'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR',
  'SIGSTKFLT',
] as const satisfies readonly NodeJS.Signals[];

export interface SignalForwarder {
  /** Start delivering to this pid, beginning with whatever was queued. */
  deliverTo(pid: number): void;
  /** Signals received so far, in order (for "a signal ended the wait" decisions). */
  readonly received: readonly NodeJS.Signals[];
  /** Called for every signal received, after forwarding it (or queueing it). */
  onSignal(listener: (signal: NodeJS.Signals) => void): void;
  /** Signals that were delivered to the job. */
  readonly delivered: readonly NodeJS.Signals[];
  /** Stop delivering (the job is gone); later signals are still recorded. */
  detach(): void;
  /** Remove the handlers. */
  dispose(): void;
}

export interface ForwarderHooks {
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  onForwardError?: (signal: NodeJS.Signals, error: NodeJS.ErrnoException) => void;
}

/** Install the handlers now, before anything else can take time. */
export function forwardSignals(hooks: ForwarderHooks = {}): SignalForwarder {
  const kill = hooks.kill ?? sendSignal;
  const received: NodeJS.Signals[] = [];
  const delivered: NodeJS.Signals[] = [];
  const queue: NodeJS.Signals[] = [];
  const listeners: Array<(signal: NodeJS.Signals) => void> = [];
  let target: number | undefined;
  let attached = true;

  const send = (signal: NodeJS.Signals): void => {
    if (target === undefined || !attached) return;
    try {
      kill(target, signal);
      delivered.push(signal);
    } catch (error) {
      // ESRCH: the job exited between its last breath and our handler; nothing to do.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') hooks.onForwardError?.(signal, error as NodeJS.ErrnoException);
    }
  };
  const handler = (signal: NodeJS.Signals): void => {
    received.push(signal);
    if (target === undefined) queue.push(signal);
    else send(signal);
    for (const listener of listeners) listener(signal);
  };
  for (const signal of forwardedSignals) process.on(signal, handler);
  // SIGUSR1s that came before these handlers (src/job/early-sigusr1.ts): queued like any other.
  for (let n = takeEarlySigusr1(); n > 0; n--) handler('SIGUSR1');

  return {
    received,
    delivered,
    deliverTo(pid) {
      target = pid;
      for (const signal of queue.splice(0)) send(signal);
    },
    onSignal(listener) {
      listeners.push(listener);
    },
    detach() {
      attached = false;
    },
    dispose() {
      for (const signal of forwardedSignals) process.off(signal, handler);
    },
  };
}
