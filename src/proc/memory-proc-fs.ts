// A /proc that lives in memory: a pod of made-up processes, served as the kernel's stat, status,
// cmdline and cgroup files. The warm-up (src/warm-up.ts) stops such a pod to compile the stop
// path without touching a real process, and tests build fixture pods with it by hand.
import type { HeldFile, ProcFs } from './proc-fs.ts';

export interface MemoryProcess {
  pid: number;
  ppid: number;
  comm: string;
  /** The cgroup file's text, e.g. '0::/kubepods/pod1/<64 hex>\n'. */
  cgroup: string;
  cmdline: string[];
  /** Defaults to the pid (a session leader). */
  session?: number;
  /** Clock ticks since boot; defaults to 100 + pid. */
  startTime?: number;
  /** stat's state letter; defaults to 'S'. */
  state?: string;
  uid?: number;
}

export class MemoryProcFs implements ProcFs {
  private readonly processes = new Map<number, MemoryProcess>();
  /** Files readAndHold opened and nobody closed yet. */
  heldOpen = 0;

  /** uptimeTicks: what /proc/uptime says, in clock ticks since boot. */
  constructor(processes: readonly MemoryProcess[] = [], public uptimeTicks = 1_000_000) {
    for (const p of processes) this.add(p);
  }

  add(p: MemoryProcess): void {
    this.processes.set(p.pid, p);
  }

  /** The process exits and is reaped: its directory is gone. */
  remove(pid: number): void {
    this.processes.delete(pid);
  }

  get(pid: number): MemoryProcess | undefined {
    return this.processes.get(pid);
  }

  list(): MemoryProcess[] {
    return [...this.processes.values()];
  }

  listDir(path: string): string[] {
    // A process's threads (<pid>/task): each made-up process is one thread, its leader.
    if (path.endsWith('/task')) return [path.split('/').at(-2) ?? ''];
    return ['self', 'net', 'uptime', ...[...this.processes.keys()].map(String)];
  }

  readText(path: string): string {
    const parts = path.split('/');
    const file = parts.at(-1);
    if (file === 'uptime') return `${Math.floor(this.uptimeTicks / 100)}.${String(this.uptimeTicks % 100).padStart(2, '0')} 0.00\n`;
    const p = this.processes.get(Number(parts.at(-2)));
    if (p === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    const text = file === undefined ? undefined : fileOf(p, file);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  }

  /** Like the kernel's: the file names the process it was opened for, not the pid (gone: ESRCH). */
  readAndHold(path: string): { text: string; held: HeldFile } {
    const text = this.readText(path);
    const parts = path.split('/');
    const pid = Number(parts.at(-2));
    const opened = this.processes.get(pid);
    const file = parts.at(-1) ?? '';
    this.heldOpen += 1;
    let open = true;
    return {
      text,
      held: {
        reread: () => {
          const now = this.processes.get(pid);
          if (!open) throw Object.assign(new Error('EBADF: bad file descriptor, read'), { code: 'EBADF' });
          // Entries are replaced on exec or a state change: the same process is the same start time.
          if (now === undefined || opened === undefined || startOf(now) !== startOf(opened)) throw Object.assign(new Error('ESRCH: no such process, read'), { code: 'ESRCH' });
          return fileOf(now, file) ?? '';
        },
        close: () => {
          if (open) this.heldOpen -= 1;
          open = false;
        },
      },
    };
  }
}

function startOf(p: MemoryProcess): number {
  return p.startTime ?? 100 + p.pid;
}

function fileOf(p: MemoryProcess, file: string): string | undefined {
  const session = p.session ?? p.pid;
  const uid = p.uid ?? 0;
  switch (file) {
    case 'stat':
      return `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid} ${session} ${session} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${startOf(p)} 0 0\n`;
    case 'status':
      return `Name:\t${p.comm}\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t0\t0\t0\t0\n`;
    case 'cmdline':
      return p.cmdline.map((arg) => `${arg}\0`).join('');
    case 'cgroup':
      return p.cgroup;
    default:
      return undefined;
  }
}
