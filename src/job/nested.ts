// A job that is jobdone itself: an image's ENTRYPOINT ["/jobdone/jobdone", "--"] plus a
// command (compose `command:`, Kubernetes `args:`) that repeats /jobdone/jobdone. Both would
// stop the pod, and the outer one, finding the sidecars already gone, would warn about
// shareProcessNamespace. The inner one is where the user's options are, so it does the work;
// the outer one only forwards signals and passes the status through (src/lifecycle.ts).
import { readFileSync, statSync } from 'node:fs';
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

export function thisProgram(): ThisProgram {
  const { dev, ino } = statSync('/proc/self/exe');
  return { exe: { dev, ino }, programArgs: isSea() ? [] : [...process.execArgv, process.argv[1] ?? ''] };
}

/**
 * Whether the process `pid`, just started by this jobdone, is a jobdone run. Reliable right after
 * spawn(): libuv returns only once the child has exec'd (or failed to), and a jobdone that was
 * exec'd cannot have exited and been reaped before this synchronous read. A job that already
 * ended, or whose /proc entry cannot be read, is not jobdone.
 */
export function jobIsNestedRun(pid: number, self: ThisProgram = thisProgram()): boolean {
  try {
    const { dev, ino } = statSync(`/proc/${pid}/exe`);
    return isNestedRun(self, { exe: { dev, ino }, argv: parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'latin1')) });
  } catch {
    return false;
  }
}
