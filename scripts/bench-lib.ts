// Small helpers shared by the benchmark parts (scripts/bench*.ts). Not a test: nothing here
// asserts; the parts measure, and bench.ts compares against the targets and prints.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** The Node binary inside dist/jobdone (same version: the SEA blob must match it). */
export const node24 = join(dirname(require.resolve(`node-linux-${process.arch}/package.json`)), 'bin', 'node');
/** BENCH_JOBDONE=PATH measures another build of jobdone (e.g. to compare two options). */
export const jobdoneExe = process.env.BENCH_JOBDONE ?? join(repoRoot, 'dist', 'jobdone');
/**
 * BENCH_BASELINE=PATH puts another build beside this one in the same run (startup, memory, stop
 * latency), interleaved with it: e.g. main's dist/jobdone, to show a change's before and after.
 */
export const baselineExe = process.env.BENCH_BASELINE;
export const bundleDir = join(repoRoot, 'dist', 'bundle', 'jobdone');

/**
 * The other CPU's Node binary (the one inside dist/<arch>/jobdone), for the emulated startup
 * comparison: fetched with npm pack at the lockfile's version and checked against its integrity
 * (as scripts/build.mjs does), kept in bench/. Undefined when npm cannot get it.
 */
export function otherNode(arch: string): string | undefined {
  const dir = join(repoRoot, 'bench', `node-${arch}`);
  const node = join(dir, 'node');
  if (existsSync(node)) return node;
  const name = `node-linux-${arch}`;
  const locked = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).packages?.[`node_modules/${name}`];
  if (locked?.version === undefined || locked.integrity === undefined) return undefined;
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const packed = JSON.parse(execFileSync('npm', ['pack', `${name}@${locked.version}`, '--json', '--prefer-offline', '--pack-destination', dir],
      { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).toString()) as Array<{ filename: string }>;
    const tarball = join(dir, packed[0]!.filename);
    const [algorithm, expected] = (locked.integrity as string).split(/-(.*)/s);
    if (createHash(algorithm!).update(readFileSync(tarball)).digest('base64') !== expected) throw new Error(`${tarball} does not match package-lock.json`);
    execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/bin/node']);
    renameSync(join(dir, 'package', 'bin', 'node'), node);
    rmSync(tarball);
    return node;
  } catch (error) {
    log(`${name}: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Absolute path of a program on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Single-quoted for sh. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Wall times of commands, interleaved: each round runs every command once, in an order that
 * rotates from round to round, so a noisy neighbour hurts all contenders alike. The timing
 * runs inside one bash process ($EPOCHREALTIME, microseconds, around a plain fork+exec+wait)
 * so the harness adds the same small, constant cost to each; `true` shows that floor.
 */
export function interleavedWallTimes(commands: Record<string, readonly string[]>, rounds: number): Record<string, number[]> {
  const names = Object.keys(commands);
  const lines = ['set -u'];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const index = (round + k) % names.length;
      const argv = commands[names[index]!]!.map(shq).join(' ');
      lines.push(`s=$EPOCHREALTIME; ${argv} </dev/null >/dev/null 2>&1; rc=$?; e=$EPOCHREALTIME; echo "${index} $rc $s $e"`);
    }
  }
  // The script on stdin, not in argv: one argument may not exceed 128 KB (E2BIG), which 160
  // rounds of seven commands did. Each command's stdin is /dev/null all the same.
  const result = spawnSync('bash', ['-s'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`timing shell failed: ${result.error?.message ?? result.stderr}`);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const line of result.stdout.trim().split('\n')) {
    const [index, rc, s, e] = line.split(' ');
    const name = names[Number(index)]!;
    if (rc !== '0') throw new Error(`${commands[name]!.join(' ')} exited ${rc}`);
    times[name]!.push((Number(e!.replace('.', '')) - Number(s!.replace('.', ''))) / 1000);
  }
  return times;
}

export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
