// The view of one container that recognition rules match against: each process's comm, argv,
// program name and uid, and the ports listening in the pod's network namespace (shared by every
// container, so a port says an endpoint exists, not which container serves it).
import type { ProcessInfo } from '../proc/process-info.ts';
import type { ListeningSocket } from './recognize.ts';

/** A process as a rule sees it: the fields that identify a program, read once. */
export interface SeenProcess {
  comm: string;
  /** argv; [] when unreadable (a rule that needs argv then does not match: never guess). */
  argv: readonly string[];
  /** False when cmdline could not be read: an empty argv then means nothing. */
  argvKnown: boolean;
  /** Base name of argv[0]: the program as it was started (a shebang script shows its interpreter here). */
  program: string;
  uid: number | undefined;
}

/** What the rules look at: the container's processes (main first) and the pod's listening ports. */
export class Seen {
  readonly main: SeenProcess;
  readonly all: readonly SeenProcess[];
  private ports: ReadonlySet<number> | undefined;
  private readonly listening: readonly ListeningSocket[] | (() => readonly ListeningSocket[]);

  constructor(processes: readonly ProcessInfo[], listening: readonly ListeningSocket[] | (() => readonly ListeningSocket[])) {
    this.all = processes.map(seenProcess);
    this.main = this.all[0]!;
    this.listening = listening;
  }

  /** A TCP port listens where a loopback call reaches it (read on first use). */
  listens(port: number): boolean {
    if (this.ports === undefined) {
      const sockets = typeof this.listening === 'function' ? this.listening() : this.listening;
      // Only sockets a loopback call can reach: a port bound to one non-loopback address is not an
      // endpoint jobdone may call (calls stay on 127.0.0.1 / ::1).
      this.ports = new Set(sockets.filter((s) => reachableFromLoopback(s.address)).map((s) => s.port));
    }
    return this.ports.has(port);
  }

  /** The first process that `test` accepts, main process first. */
  find(test: (p: SeenProcess) => boolean): SeenProcess | undefined {
    return this.all.find(test);
  }
}

/**
 * argv and uid are read from /proc on first use (src/proc/scan.ts), and every rule looks at comm
 * first, which the scan already has: a container of 50 shells that no rule names reads no
 * cmdline and no status for recognition. (Reading both for every process of every container
 * cost a 10-process stop 2 ms: npm run bench, issue 17.)
 */
class LazySeenProcess implements SeenProcess {
  readonly comm: string;
  private argvRead: readonly string[] | undefined;
  private programRead: string | undefined;

  constructor(private readonly info: ProcessInfo) {
    this.comm = info.comm;
  }

  get argv(): readonly string[] {
    return (this.argvRead ??= this.info.cmdline ?? []);
  }

  get argvKnown(): boolean {
    return this.info.cmdline !== undefined;
  }

  get program(): string {
    if (this.programRead === undefined) {
      const first = this.argv[0] ?? '';
      this.programRead = first.slice(first.lastIndexOf('/') + 1);
    }
    return this.programRead;
  }

  get uid(): number | undefined {
    return this.info.uid;
  }
}

function seenProcess(info: ProcessInfo): SeenProcess {
  return new LazySeenProcess(info);
}

/** A listener on the wildcard or a loopback address answers a call to 127.0.0.1 or ::1. */
function reachableFromLoopback(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** "comm pilot-agent, argv 'proxy sidecar', uid 1337" for the evidence field. */
export function describe(p: SeenProcess, argvShown = 3): string {
  const parts = [`comm ${p.comm}`];
  // Each argument cut at 40 characters: `envoy --config-yaml '...'` carries a whole config, maybe
  // with credentials, and a log line is no place for it.
  const shown = p.argv.slice(1, 1 + argvShown).map((arg) => (arg.length > 40 ? `${arg.slice(0, 39)}…` : arg));
  if (shown.length > 0) parts.push(`argv '${shown.join(' ')}'`);
  if (p.uid !== undefined) parts.push(`uid ${p.uid}`);
  return parts.join(', ');
}

/** A shutdown endpoint on the pod's loopback; jobdone never calls anything else. */
export function loopback(method: 'POST' | 'GET' | 'PUT', port: number, path: string): { method: 'POST' | 'GET' | 'PUT'; url: string } {
  return { method, url: `http://127.0.0.1:${port}${path}` };
}

/** "comm X, argv '...', uid N" plus the other observations, for the evidence field. */
export function evidence(p: SeenProcess, argvShown: number, ...more: Array<string | false | undefined>): string {
  return [describe(p, argvShown), ...more.filter((m): m is string => typeof m === 'string' && m !== '')].join(', ');
}
