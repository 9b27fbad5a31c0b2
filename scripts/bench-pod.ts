// Stop latency in the pod sandbox (test/sandbox/pod.ts; root only): from the job's exit to every
// sidecar process having received its signal, and to jobdone's own exit, with 1, 10 and 50
// sidecar processes that exit on TERM; beside it the 2020 blog's way, `pkill` at the end of the
// job script, in the same pod.
//
// How it is timed, from inside the pod: every timestamp is bash's $EPOCHREALTIME (CLOCK_REALTIME,
// microseconds; one clock for all processes of the machine, so stamps from different containers
// compare directly).
// - job exit: the job is `bash -c 'echo $EPOCHREALTIME > job-exit'`; the stamp is its last act.
// - signal received: each sidecar process is a bash whose TERM trap stamps first thing, so the
//   stamp is when that process ran after the signal: delivery plus scheduling, an upper bound.
// - jobdone exit: the main container runs `bash -c 'jobdone -- JOB; echo $EPOCHREALTIME > exit'`;
//   bash stamps right after wait() returns. For pkill the stamp follows pkill's return, which
//   is when that job container would exit (pkill does not wait for the sidecars to go).
// The sidecar container's main process is a bash with the N stamping processes as children:
// jobdone signals a shell main's children (so the script exits 0), which makes all N of them
// signal targets. Their own `sleep` children are killed by the trap, so the container empties.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPod, sandboxSkipReason } from '../test/sandbox/pod.ts';
import { log, median, round, which } from './bench-lib.ts';

export interface StopRow {
  /**
   * 'baseline': the BENCH_BASELINE build, run exactly as jobdone is. 'no-recognize': this build
   * with --no-recognize, so that recognition's own cost shows beside it (issue 17).
   */
  way: 'jobdone' | 'no-recognize' | 'pkill' | 'baseline';
  sidecars: number;
  /** Median ms from the job's exit to the last signal sent: jobdone's JSON log (ms resolution); pkill's return. */
  lastSentMs: number;
  /** Median ms from the job's exit to the last sidecar process having run its TERM trap. */
  lastSignalledMs: number;
  /** Median ms from the job's exit to jobdone's exit (pkill: to the job script's end). */
  exitMs: number;
  runs: StopRun[];
}

interface StopRun { lastSentMs: number; lastSignalledMs: number; exitMs: number }

export function podSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (namespaces and cgroups for the pod sandbox)';
  try {
    return sandboxSkipReason();
  } catch (error) {
    return (error as Error).message;
  }
}

// Stamps on TERM, kills its sleep, exits 0. `sleep & wait` because bash runs a trap only
// between commands, and `wait` is interrupted by a trapped signal while a foreground sleep is not.
const stamper = 'd=$1; trap \'t=$EPOCHREALTIME; kill $! 2>/dev/null; echo "$t" > "$d/term.$$"; exit 0\' TERM; : > "$d/ready.$$"; sleep 600 & wait';
// The sidecar's main: N stampers as children. Their argv[0] is "sidecar-stamp", which pkill -f
// finds; the main's own argv holds only "sidecar-" and "stamp" apart, so pkill leaves it alone.
const sidecarMain = 'n=$1; d=$2; s=$3; i=0; while [ "$i" -lt "$n" ]; do bash -c "$s" "sidecar-$4" "$d" & i=$((i + 1)); done; wait';

/** exes: the jobdone build to measure, and the baseline build when there is one. */
export async function benchPod(counts: readonly number[], rounds: number, exes: { jobdone: string; baseline?: string | undefined }): Promise<StopRow[]> {
  const pkill = which('pkill');
  const ways: StopRow['way'][] = [...(exes.baseline === undefined ? [] : ['baseline' as const]), 'jobdone', 'no-recognize', ...(pkill === undefined ? [] : ['pkill' as const])];
  if (pkill === undefined) log('pkill not found (Debian package procps): the blog\'s way is not measured');
  const runs = new Map<string, StopRow['runs']>();
  for (let round = 0; round < rounds; round++) {
    for (const sidecars of counts) {
      for (const way of round % 2 === 0 ? ways : [...ways].reverse()) {
        const key = `${way} ${sidecars}`;
        if (!runs.has(key)) runs.set(key, []);
        runs.get(key)!.push(await oneStop(way, sidecars, way === 'baseline' ? exes.baseline! : exes.jobdone));
      }
    }
  }
  return [...runs].map(([key, list]) => {
    const [way, sidecars] = key.split(' ') as [StopRow['way'], string];
    return {
      way,
      sidecars: Number(sidecars),
      lastSentMs: round(median(list.map((r) => r.lastSentMs))),
      lastSignalledMs: round(median(list.map((r) => r.lastSignalledMs))),
      exitMs: round(median(list.map((r) => r.exitMs))),
      runs: list,
    };
  });
}

async function oneStop(way: StopRow['way'], sidecars: number, jobdoneExe: string): Promise<StopRun> {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-bench-stop-'));
  const pod = await createPod({ name: 'bench' });
  try {
    const sidecar = await pod.start({ name: 'sidecar', command: ['bash', '-c', sidecarMain, 'sidecar-main', String(sidecars), dir, stamper, 'stamp'] });
    await waitFor(() => readdirSync(dir).filter((f) => f.startsWith('ready.')).length === sidecars, 10_000, `${sidecars} sidecar processes ready`);
    // The job runs a moment first, as real jobs do, so jobdone's own start is over when it ends.
    const job = `sleep 0.3; echo "$EPOCHREALTIME" > ${dir}/job-exit`;
    const main = way !== 'pkill'
      ? ['bash', '-c', `"$@"; echo "$EPOCHREALTIME" > ${dir}/exit`, 'main', jobdoneExe, '--grace', '5s', '--log-format', 'json', ...(way === 'no-recognize' ? ['--no-recognize'] : []), '--', 'bash', '-c', job]
      : ['bash', '-c', `${job}; pkill -f 'sidecar[-]stamp'; echo "$EPOCHREALTIME" > ${dir}/exit`];
    const container = await pod.start({ name: 'main', command: main });
    const status = await container.exited;
    if (process.env.BENCH_DEBUG) process.stderr.write(`--- ${way} ${sidecars}: job exit ${readFileSync(join(dir, 'job-exit'), 'utf8')}${container.stderr.text}`);
    if (status.code !== 0) throw new Error(`${way} main container exited ${status.code}: ${container.stderr.text}`);
    await withTimeout(sidecar.exited, 10_000, 'the sidecar container to exit');
    const stamp = (file: string): number => Number(readFileSync(join(dir, file), 'utf8').trim().replace('.', '')) / 1000;
    const terms = readdirSync(dir).filter((f) => f.startsWith('term.')).map(stamp);
    if (terms.length !== sidecars) throw new Error(`${way}: ${terms.length} of ${sidecars} sidecar processes got TERM`);
    const jobExit = stamp('job-exit');
    const exit = stamp('exit');
    const sent = way === 'pkill' ? exit : Math.max(...container.stderr.text.split('\n')
      .filter((line) => line.includes('"sent SIG'))
      .map((line) => Date.parse((JSON.parse(line) as { time: string }).time)));
    return { lastSentMs: round(sent - jobExit), lastSignalledMs: round(Math.max(...terms) - jobExit), exitMs: round(exit - jobExit) };
  } finally {
    await pod.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}
