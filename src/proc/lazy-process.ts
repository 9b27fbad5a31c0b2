// A process as a scan found it (src/proc/scan.ts): the fields of its stat and cgroup, read then,
// and its uid and command line, read from /proc on first use.
import { parseCmdline, parseRealUid, type StatFields } from './parse.ts';
import type { ProcessInfo } from './process-info.ts';
import type { ProcFs } from './proc-fs.ts';
import { readField } from './read-field.ts';

/**
 * A command line is read up to this many bytes (Linux allows about 2 MB of arguments): --only and
 * --skip see at most this much of it, and a hostile process cannot make jobdone read megabytes.
 */
export const maxCmdlineBytes = 128 * 1024;

const unread = Symbol('unread');

/**
 * The uid and cmdline decide nothing for most processes: uid goes into log lines and the EPERM
 * message, cmdline into --only/--skip matching (when comm did not match), kthreadd detection
 * and `jobdone ps`. Reading them on first use halves the files a stop reads, and status is the
 * largest file /proc generates. A late read cannot misdirect a signal: execute re-checks each
 * pid's start time before signalling it. A process gone by then reads as undefined.
 * A class, its getters on the prototype: an object literal with its own getters cost 4.5 us to
 * make (V8 builds each one at run time with two closures), 45 ms of a 10,000-process scan; this
 * costs 0.7 (issue 21). Spread or JSON, it shows the fields from stat and cgroup only.
 */
export class LazyProcess implements ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  readonly state: string;
  readonly exiting: boolean;
  readonly kernelThread: boolean;
  readonly startTime: number;
  readonly comm: string;
  readonly cgroup: string | undefined;
  #uid: number | undefined | typeof unread = unread;
  #cmdline: string[] | undefined | typeof unread = unread;
  readonly #dir: string;
  readonly #fs: ProcFs;
  readonly #statusDir: string;

  constructor(stat: StatFields, cgroup: string | undefined, dir: string, fs: ProcFs, statusDir = dir) {
    this.#dir = dir;
    this.#fs = fs;
    this.#statusDir = statusDir;
    this.pid = stat.pid;
    this.ppid = stat.ppid;
    this.pgrp = stat.pgrp;
    this.session = stat.session;
    this.state = stat.state;
    this.exiting = stat.exiting;
    this.kernelThread = stat.kernelThread;
    this.startTime = stat.startTime;
    this.comm = stat.comm;
    this.cgroup = cgroup;
  }

  get uid(): number | undefined {
    if (this.#uid === unread) {
      const status = readField(this.#fs, `${this.#statusDir}/status`);
      this.#uid = typeof status === 'string' ? parseRealUid(status) : undefined;
    }
    return this.#uid;
  }

  get cmdline(): string[] | undefined {
    if (this.#cmdline === unread) {
      const text = readField(this.#fs, `${this.#dir}/cmdline`, maxCmdlineBytes);
      this.#cmdline = typeof text === 'string' ? parseCmdline(text) : undefined;
    }
    return this.#cmdline;
  }
}
