// A job that is jobdone itself: an image's ENTRYPOINT ["/jobdone/jobdone", "--"] plus a
// command (compose `command:`, Kubernetes `args:`) that repeats /jobdone/jobdone. Both would
// stop the pod, and the outer one, finding the sidecars already gone, would warn about
// shareProcessNamespace. The inner one is where the user's options are, so it does the work;
// the outer one only forwards signals and passes the status through (src/lifecycle.ts).
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { subcommands } from '../config/parse.ts';
import { parseCmdline } from '../proc/parse.ts';

export interface FileId {
  dev: number;
  ino: number;
}

export interface ThisProgram {
  exe: FileId;
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
  const { dev, ino } = statSync(process.execPath);
  return { exe: { dev, ino }, programArgs: isSea() ? [] : [...process.execArgv, process.argv[1] ?? ''] };
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
    return { emulator: { dev: real.dev, ino: real.ino }, preservesArgv0: binfmtPreservesArgv0(real) };
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

/**
 * Whether the process `pid`, just started by this jobdone, is a jobdone run. Reliable right after
 * spawn(): libuv returns only once the child has exec'd (or failed to), and a jobdone that was
 * exec'd cannot have exited and been reaped before this synchronous read. A job that already
 * ended, or whose /proc entry cannot be read, is not jobdone.
 */
export function jobIsNestedRun(pid: number, self: ThisProgram = thisProgram(), emulation: Emulation | undefined = thisEmulation()): boolean {
  try {
    const exe = statSync(`/proc/${pid}/exe`);
    const cmdline = parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
    if (emulation !== undefined && exe.dev === emulation.emulator.dev && exe.ino === emulation.emulator.ino) {
      // The job runs under the same emulator: what it runs is the file named after the emulator.
      const program = emulatedProgram(cmdline, emulation);
      if (program === undefined) return false;
      const file = statSync(resolve(readlinkSync(`/proc/${pid}/cwd`), program.file));
      return isNestedRun(self, { exe: { dev: file.dev, ino: file.ino }, argv: program.argv });
    }
    return isNestedRun(self, { exe: { dev: exe.dev, ino: exe.ino }, argv: cmdline });
  } catch {
    return false;
  }
}
