// A pod of made-up processes on a fake clock, for the stop's ordering tests: the in-memory /proc
// of src/proc/memory-proc-fs.ts, a kill() that ends processes as the kernel and the runtime
// would, and a clock that sleep() advances, so a 3 s grace period takes no real time.
// mini-pod.ts is the same pod made of real processes, for what only real ones can show.
import { MemoryProcFs, type MemoryProcess } from '../../src/proc/memory-proc-fs.ts';

export type Ending = { code: number | null; signal: NodeJS.Signals | null };

export interface FakeProcessSpec {
  comm?: string;
  cmdline?: string[];
  /** The parent's pid; 0 (default) makes it its container's main process. */
  ppid?: number;
  /** Signals it ignores, e.g. ['SIGTERM'] for `trap '' TERM`. */
  ignores?: string[];
  /** A shell that waits for its child and then exits this code. */
  exitsWhenChildrenEnd?: number;
  /** The session id (the job's pid for the job's leftovers). */
  session?: number;
}

export const ownCgroup = '0::/\n';
export const cgroupOf = (container: string): string => (container === 'own' ? ownCgroup : `0::/../${container}\n`);

export class FakePod {
  readonly proc = new MemoryProcFs();
  readonly selfPid = 10;
  /** Every signal sent, as "pid SIGNAME", in order. */
  readonly sent: string[] = [];
  private time = 0;
  private lastPid = 100;
  private readonly specs = new Map<number, FakeProcessSpec>();
  private readonly endings = new Map<number, Ending>();
  private readonly timers: Array<{ at: number; run: () => void }> = [];

  constructor() {
    // Every pod shows its PID 1 (the infra process); jobdone itself is in the own container.
    this.proc.add({ pid: 1, ppid: 0, comm: 'pause', cgroup: cgroupOf('infra'), cmdline: ['/pause'] });
    this.proc.add({ pid: this.selfPid, ppid: 0, comm: 'jobdone', cgroup: ownCgroup, cmdline: ['jobdone'], startTime: 50 });
  }

  readonly now = (): number => this.time;

  /** Advances the clock, runs what was due by then, and lets promises settle. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.time += ms;
    for (const timer of this.timers.filter((one) => one.at <= this.time)) {
      this.timers.splice(this.timers.indexOf(timer), 1);
      timer.run();
    }
    await new Promise((resolve) => setImmediate(resolve));
  };

  /** Runs `run` once the fake clock has reached `ms`. */
  at(ms: number, run: () => void): void {
    this.timers.push({ at: ms, run });
  }

  /** A process in `container` ('own': jobdone's); returns its pid. */
  spawn(container: string, spec: FakeProcessSpec = {}): number {
    const pid = ++this.lastPid;
    const comm = spec.comm ?? 'sleep';
    const entry: MemoryProcess = {
      pid, ppid: spec.ppid ?? 0, comm, cgroup: cgroupOf(container), cmdline: spec.cmdline ?? [comm, '30'], startTime: 100 + pid,
      ...(spec.session === undefined ? {} : { session: spec.session }),
    };
    this.proc.add(entry);
    this.specs.set(pid, spec);
    return pid;
  }

  /** The process becomes another program (exec): same pid and start time, new comm and argv. */
  exec(pid: number, comm: string, cmdline: string[]): void {
    const p = this.proc.get(pid);
    if (p !== undefined) this.proc.add({ ...p, comm, cmdline });
  }

  /** Throws like process.kill; a signal that is not ignored ends the process. */
  readonly kill = (pid: number, signal: string): void => {
    if (this.proc.get(pid) === undefined) throw Object.assign(new Error(`kill ESRCH`), { code: 'ESRCH' });
    this.sent.push(`${pid} ${signal}`);
    if (this.specs.get(pid)?.ignores?.includes(signal) === true && signal !== 'SIGKILL') return;
    this.end(pid, { code: null, signal: signal as NodeJS.Signals });
  };

  /** The process exits (code) at the fake time `ms`. */
  exitAt(pid: number, ms: number, code = 0): void {
    this.at(ms, () => this.end(pid, { code, signal: null }));
  }

  /** How the process ended, like mini-pod.ts's exitOf; undefined while it runs. */
  endOf(pid: number): Ending | undefined {
    return this.endings.get(pid);
  }

  isAlive(pid: number): boolean {
    return this.proc.get(pid) !== undefined;
  }

  /**
   * A process ends. A shell that waited for it exits too; when a container's main process ends,
   * the runtime kills what is left in the container.
   */
  private end(pid: number, ending: Ending): void {
    const p = this.proc.get(pid);
    if (p === undefined) return;
    this.proc.remove(pid);
    this.endings.set(pid, ending);
    const parent = this.proc.get(p.ppid);
    const waiting = parent === undefined ? undefined : this.specs.get(parent.pid)?.exitsWhenChildrenEnd;
    if (parent !== undefined && waiting !== undefined && !this.proc.list().some((q) => q.ppid === parent.pid)) {
      this.end(parent.pid, { code: waiting, signal: null });
    }
    if (p.ppid !== 0 || p.cgroup === ownCgroup) return;
    for (const rest of this.proc.list()) if (rest.cgroup === p.cgroup) this.end(rest.pid, { code: null, signal: 'SIGKILL' });
  }
}
