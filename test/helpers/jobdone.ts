// How tests start jobdone: from the TypeScript source (default), the built executable
// (TEST_JOBDONE=dist: dist/jobdone, this machine's CPU) or one CPU's build
// (TEST_JOBDONE=dist-arm64 or dist-x64: dist/<arch>/jobdone; the other CPU's runs under
// qemu-user through binfmt_misc). The same tests run against all of them.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readStatOnly } from '../../src/proc/scan.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distArch = /^dist-(x64|arm64)$/.exec(process.env.TEST_JOBDONE ?? '')?.[1];
export const target: 'src' | 'dist' = process.env.TEST_JOBDONE === 'dist' || distArch !== undefined ? 'dist' : 'src';
export const distExecutable = distArch === undefined ? join(repoRoot, 'dist', 'jobdone') : join(repoRoot, 'dist', distArch, 'jobdone');
/** The executable under test is another CPU's, run by qemu-user (TEST_JOBDONE=dist-arm64 on x64). */
export const emulated = distArch !== undefined && distArch !== process.arch;
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** argv that starts jobdone, e.g. [node, --import, tsx, src/main.ts] or [dist/jobdone]. */
export function jobdoneArgv(): string[] {
  if (target === 'dist') {
    if (!existsSync(distExecutable)) throw new Error(`TEST_JOBDONE=${process.env.TEST_JOBDONE} but ${distExecutable} is missing: run npm run build${distArch === undefined ? '' : ` -- --arch ${distArch}`}`);
    return [distExecutable];
  }
  return [process.execPath, '--import', tsxLoader, join(repoRoot, 'src', 'main.ts')];
}

/** The environment without JOBDONE_* settings of the caller, plus extra. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('JOBDONE_')) env[key] = value;
  return { ...env, ...extra };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

export interface Started {
  child: ChildProcess;
  finished: Promise<Finished>;
  /** Resolves when stdout (as text) contains this string. */
  stdoutHas(text: string): Promise<void>;
  stderrHas(text: string): Promise<void>;
}

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * wrap: a command that execs jobdone under its own pid (e.g. nsenter --net=... --);
 * `executable`: another file in place of the executable (for the source: of node), e.g. a copy of it.
 */
export function startJobdone(args: readonly string[], options: SpawnOptions & { timeoutMs?: number; wrap?: readonly string[]; executable?: string } = {}): Started {
  const [file, ...pre] = jobdoneArgv();
  const [first, ...rest] = [...(options.wrap ?? []), options.executable ?? file!, ...pre, ...args];
  const startedAt = performance.now();
  const child = spawn(first!, rest, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...options });
  alive.add(child);
  const out: Buffer[] = [];
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => { out.push(chunk); for (const w of waiters.splice(0)) w(); });
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); for (const w of waiters.splice(0)) w(); });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      // SIGTERM first: jobdone forwards it and stops what its job left behind; SIGKILL would orphan the job.
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      reject(new Error(`jobdone ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr so far:\n${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      alive.delete(child);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, ms: performance.now() - startedAt });
    });
  });
  const waitFor = (read: () => string, text: string): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (read().includes(text)) resolve();
      else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`exited before printing ${JSON.stringify(text)}; stderr:\n${err}`));
      else waiters.push(check);
    };
    child.on('close', check);
    check();
  });
  return {
    child,
    finished,
    stdoutHas: (text) => waitFor(() => Buffer.concat(out).toString(), text),
    stderrHas: (text) => waitFor(() => err, text),
  };
}

export function runJobdone(args: readonly string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<Finished> {
  return startJobdone(args, options).finished;
}

export function isAlive(pid: number): boolean {
  // A zombie is dead for our purposes, though kill(pid, 0) still succeeds on it.
  const state = readStatOnly('/proc', pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

let startups: { native: number; underTest: number } | undefined;

/** The median of three `-- true` runs of this machine's build and of the executable under test, measured once per test file. */
function measureStartups(): { native: number; underTest: number } {
  if (startups !== undefined) return startups;
  const startup = (exe: string): number => {
    const times = [0, 1, 2].map(() => {
      const began = performance.now();
      spawnSync(exe, ['--', 'true'], { stdio: 'ignore', timeout: 60_000 });
      return performance.now() - began;
    }).sort((a, b) => a - b);
    return times[1]!;
  };
  startups = { native: startup(join(repoRoot, 'dist', 'jobdone')), underTest: startup(distExecutable) };
  return startups;
}

/**
 * How much longer the executable under test takes to start than this machine's own build: 1
 * natively (source or dist). Under qemu-user Node's own start takes about a second instead of
 * tens of ms, so windows of "the first 200 ms" are stretched by this factor to cover the same
 * phases (exec, Node's start, jobdone's start, the job's).
 */
export function startupStretch(): number {
  if (!emulated) return 1;
  const { native, underTest } = measureStartups();
  return Math.max(1, underTest / native);
}

/**
 * An upper bound on a native run's time (start, the work, the exit), for the executable under
 * test: natively as it is; emulated, plus twice the extra start-up time, for the start itself and
 * for the slower JavaScript after it (measured: the emulated stop takes less than a start). Not
 * a multiple: a bound of 8 s that catches a 20 s hang natively must still catch it emulated.
 */
export function timeBound(ms: number): number {
  if (!emulated) return ms;
  const { native, underTest } = measureStartups();
  return ms + 2 * Math.max(0, underTest - native);
}
