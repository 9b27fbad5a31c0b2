// A job that is jobdone itself: an image's ENTRYPOINT ["/jobdone/jobdone", "--"] plus a
// command (compose `command:`, Kubernetes `args:`) that repeats /jobdone/jobdone. Both stop the
// pod (src/lifecycle.ts: the outer always stops after its job, whatever the job did); knowing
// that the job is jobdone only refines the outer's stop: it honours the inner's --skip too, and
// an empty pod after the inner's stop is no sign that shareProcessNamespace is missing. So this
// check may miss (a jobdone exec'd later by a script) without leaving a sidecar running.
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { parseInvocation, subcommands } from '../config/parse.ts';
import { parseCmdline } from '../proc/parse.ts';

export interface FileId {
  dev: number;
  ino: number;
}

export interface ThisProgram {
  exe: FileId;
  /** Where its file can be read (a copy of it is jobdone too), and its size. */
  path?: string;
  size?: number;
  /** The arguments that make `exe` be jobdone: [] for the executable; node's options and the script for the source. */
  programArgs: readonly string[];
}

/**
 * Pure: the job is a run of this program (the same executable file, the same program arguments
 * after argv[0], and not a subcommand: `jobdone -- jobdone ps` stops nothing itself).
 */
export function isNestedRun(self: ThisProgram, job: { exe: FileId; argv: readonly string[] }): boolean {
  if (job.exe.dev !== self.exe.dev || job.exe.ino !== self.exe.ino) return false;
  if (!self.programArgs.every((arg, index) => job.argv[index + 1] === arg)) return false;
  const first = job.argv[self.programArgs.length + 1];
  return first === undefined || !(subcommands as readonly string[]).includes(first);
}

/**
 * How binfmt_misc shows an emulated process (qemu-user running another CPU's executable): its
 * exe is the emulator, and its cmdline starts with the emulator and the executable's path, then
 * argv[0] again only where the handler has the 'P' (preserve argv[0]) flag.
 */
export interface Emulation {
  emulator: FileId;
  /** Undefined where binfmt_misc cannot be read (a pod's own /proc does not mount it). */
  preservesArgv0: boolean | undefined;
}

/** Pure: the program and argv an emulated process runs, from its cmdline (undefined if it is too short to tell). */
export function emulatedProgram(cmdline: readonly string[], emulation: Emulation): { file: string; argv: string[] } | undefined {
  const file = cmdline[1];
  if (file === undefined) return undefined;
  // Flag unknown: a kept argv[0] names the same program as the file (jobdone's own first
  // argument never does: it is an option, '--', a subcommand or the job's command).
  const argv0 = cmdline[2];
  const preserved = emulation.preservesArgv0 ?? (argv0 !== undefined && basename(argv0) === basename(file));
  return { file, argv: preserved ? cmdline.slice(2) : [file, ...cmdline.slice(2)] };
}

export function thisProgram(): ThisProgram {
  // process.execPath, not a stat of /proc/self/exe: under qemu-user, /proc/self/exe (stat'ed by
  // the kernel) is the emulator, which every emulated job shares, so any job looked like jobdone.
  // But where that path cannot be stat'ed (deleted while a gate waited, a memfd), the kernel's
  // link still reaches the file natively; an error here once came after the job had started.
  for (const path of [process.execPath, '/proc/self/exe']) {
    try {
      const { dev, ino, size } = statSync(path);
      return { exe: { dev, ino }, path, size, programArgs: isSea() ? [] : [...process.execArgv, process.argv[1] ?? ''] };
    } catch {
      // the next
    }
  }
  return { exe: { dev: -1, ino: -1 }, programArgs: [] };
}

/**
 * A plain copy of jobdone's executable is jobdone too (`cp /jobdone/jobdone /app/run`): same
 * size, and the same bytes at 16 places spread over the file (4 KB each: a jobdone build of
 * another version differs in its SEA blob and its size). Reading 64 KB only when the sizes agree.
 */
export function sameContent(a: string, b: string, size: number): boolean {
  const chunk = 4096;
  const fa = openSync(a, 'r');
  try {
    const fb = openSync(b, 'r');
    try {
      const bufA = Buffer.alloc(chunk);
      const bufB = Buffer.alloc(chunk);
      for (let i = 0; i < 16; i++) {
        const at = Math.floor(((size - chunk) * i) / 15);
        const n = readSync(fa, bufA, 0, chunk, Math.max(0, at));
        if (n !== readSync(fb, bufB, 0, chunk, Math.max(0, at)) || !bufA.subarray(0, n).equals(bufB.subarray(0, n))) return false;
      }
      return true;
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

/**
 * Whether this jobdone runs under binfmt emulation (the kernel's exe of this process is not the
 * file it runs), and how the kernel then shows processes: the emulator, and the P flag of its
 * handler where binfmt_misc can be read. Undefined when we run natively.
 */
export function thisEmulation(): Emulation | undefined {
  try {
    const real = statSync('/proc/self/exe');
    const own = statSync(process.execPath);
    if (real.dev === own.dev && real.ino === own.ino) return undefined;
    const emulator = { dev: real.dev, ino: real.ino };
    // Read only for a job that runs under the same emulator: binfmt_misc's files took an emulated
    // start 28 ms before it noticed that `true` had exited (issue 21).
    let preserves: boolean | undefined | null = null;
    return {
      emulator,
      get preservesArgv0() {
        if (preserves === null) preserves = binfmtPreservesArgv0(emulator);
        return preserves;
      },
    };
  } catch {
    return undefined;
  }
}

/** The P flag of the enabled binfmt_misc handler whose interpreter is `emulator`; undefined where it cannot be read. */
function binfmtPreservesArgv0(emulator: FileId): boolean | undefined {
  try {
    const dir = '/proc/sys/fs/binfmt_misc';
    for (const name of readdirSync(dir)) {
      const entry = readFileSync(`${dir}/${name}`, 'latin1');
      const interpreter = /^interpreter (.+)$/m.exec(entry)?.[1];
      if (interpreter === undefined || !/^enabled$/m.test(entry)) continue;
      const handler = statSync(interpreter);
      if (handler.dev === emulator.dev && handler.ino === emulator.ino) return /^flags: \S*P/m.test(entry);
    }
  } catch {
    // not mounted here, or not readable: inferred from the job's cmdline (emulatedProgram)
  }
  return undefined;
}

/** What the outer needs to know of an inner jobdone run: its own --skip, which the outer honours in its stop too. */
export interface InnerRun {
  skip: RegExp | undefined;
}

/**
 * The job `pid`, just started by this jobdone, as a jobdone run: undefined when it is not one.
 * Reliable right after spawn(): libuv returns only once the child has exec'd (or failed to), and
 * a jobdone that was exec'd cannot have exited and been reaped before this synchronous read. A
 * job that already ended, or whose /proc entry cannot be read, is not jobdone. Its options are
 * read from its command line and environment, as it parses them itself; options it refuses
 * (it will exit 125) restrict nothing.
 */
export function innerRunOf(pid: number, self: ThisProgram = thisProgram(), emulation: Emulation | undefined = thisEmulation()): InnerRun | undefined {
  const run = nestedRunOf(pid, self, emulation);
  if (run === undefined) return undefined;
  try {
    const invocation = parseInvocation(run.args, run.env);
    return { skip: invocation.kind === 'run' ? invocation.config.stop.skip : undefined };
  } catch {
    return { skip: undefined };
  }
}

/** Whether the process `pid` is a jobdone run (see innerRunOf). */
export function jobIsNestedRun(pid: number, self: ThisProgram = thisProgram(), emulation: Emulation | undefined = thisEmulation()): boolean {
  return nestedRunOf(pid, self, emulation) !== undefined;
}

function nestedRunOf(pid: number, self: ThisProgram, emulation: Emulation | undefined): { args: string[]; env: NodeJS.ProcessEnv } | undefined {
  try {
    const exe = statSync(`/proc/${pid}/exe`);
    const emulated = emulation !== undefined && sameFile(exe, emulation.emulator);
    // Nothing more to read when the job's file is neither this program's, nor its emulator, nor
    // of its size (a copy): most jobs.
    if (!emulated && !sameFile(exe, self.exe) && exe.size !== self.size) return undefined;
    let file = { path: `/proc/${pid}/exe`, stat: exe };
    let argv = parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
    if (emulation !== undefined && emulated) {
      // The job runs under the same emulator: what it runs is the file named after the emulator.
      const program = emulatedProgram(argv, emulation);
      if (program === undefined) return undefined;
      const path = resolve(readlinkSync(`/proc/${pid}/cwd`), program.file);
      file = { path, stat: statSync(path) };
      argv = program.argv;
    }
    const copy = self.path !== undefined && file.stat.size === self.size && !sameFile(file.stat, self.exe) && sameContent(file.path, self.path, file.stat.size);
    if (!isNestedRun(self, { exe: copy ? self.exe : { dev: file.stat.dev, ino: file.stat.ino }, argv })) return undefined;
    return { args: argv.slice(self.programArgs.length + 1), env: parseEnviron(readFileSync(`/proc/${pid}/environ`, 'utf8')) };
  } catch {
    return undefined;
  }
}

function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function parseEnviron(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of parseCmdline(text)) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}
