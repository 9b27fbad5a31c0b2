// A pod made of real processes for the stopper's tests. The host's own /proc shows the node's
// PID namespace (kthreadd, other people's processes), which jobdone must never act on; so each
// test gets a /proc root of its own holding only this test process and the children it spawns:
// stat, status and cmdline are symlinks to the live /proc files (real I/O: a process that exits
// vanishes, a zombie reads as Z), and the cgroup file says which "container" each one is in.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatOnly, scanProcesses } from '../../src/proc/scan.ts';

export const ownCgroup = '0::/\n';
export const cgroupOf = (container: string): string => `0::/../${container}\n`;

export class MiniPod {
  readonly root = mkdtempSync(join(tmpdir(), 'jobdone-minipod-'));
  /** pid -> start time of every process this test started (directly or as a grandchild). */
  private readonly started = new Map<number, number>();

  constructor(t: { after: (fn: () => void | Promise<void>) => void }) {
    // Every pod shows its PID 1 (the infra process); jobdone stops nothing where it cannot see it.
    // The host's PID 1 stands in: never started by the test, so never signalled by it.
    this.add(1, cgroupOf('infra'));
    this.add(process.pid, ownCgroup);
    t.after(() => this.cleanUp());
  }

  /** Starts a process in a container; resolves once it runs. */
  async spawn(container: string, command: string, args: string[], options: SpawnOptions = {}): Promise<ChildProcess> {
    const child = spawn(command, args, { stdio: 'ignore', ...options });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (child.pid === undefined) throw new Error(`${command} did not start`);
    this.add(child.pid, container === 'own' ? ownCgroup : cgroupOf(container));
    return child;
  }

  /** Starts a process and adds it at once, synchronously: for a container that appears mid-stop. */
  startNow(container: string, command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: 'ignore' });
    if (child.pid === undefined) throw new Error(`${command} did not start`);
    this.add(child.pid, container === 'own' ? ownCgroup : cgroupOf(container));
    return child;
  }

  /** Adds the children of `parentPid` (e.g. a shell's `sleep`) once they exist, to the same container. */
  async adoptChildren(parentPid: number, container: string, count = 1): Promise<number[]> {
    for (let i = 0; i < 300; i++) {
      const children = scanProcesses('/proc').filter((p) => p.ppid === parentPid && p.state !== 'Z');
      if (children.length >= count) {
        for (const c of children) this.add(c.pid, container === 'own' ? ownCgroup : cgroupOf(container));
        return children.map((c) => c.pid);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`pid ${parentPid} did not start ${count} child(ren)`);
  }

  /** A kill that refuses any pid this test did not start: the host is shared. */
  readonly kill = (pid: number, signal: string): void => {
    if (!this.started.has(pid)) throw new Error(`test tried to signal pid ${pid}, which it did not start`);
    process.kill(pid, signal);
  };

  isAlive(pid: number): boolean {
    const stat = readStatOnly('/proc', pid);
    return stat !== undefined && stat.startTime === this.started.get(pid) && stat.state !== 'Z';
  }

  private add(pid: number, cgroup: string): void {
    const dir = join(this.root, String(pid));
    mkdirSync(dir);
    for (const file of ['stat', 'status', 'cmdline']) symlinkSync(`/proc/${pid}/${file}`, join(dir, file));
    writeFileSync(join(dir, 'cgroup'), cgroup);
    const stat = readStatOnly('/proc', pid);
    if (stat === undefined) throw new Error(`pid ${pid} is gone already`);
    if (pid !== process.pid && pid !== 1) this.started.set(pid, stat.startTime);
  }

  /** SIGKILLs every process this test started that is still the same process; removes the root. */
  private cleanUp(): void {
    for (const [pid, startTime] of this.started) {
      if (readStatOnly('/proc', pid)?.startTime !== startTime) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
