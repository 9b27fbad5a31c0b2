// Scan benchmark: time to scan and classify /proc (scanProcesses + buildPod + planStop) with
// 100, 1,000 and 10,000 processes, each in a fresh Node 24 process (cold, as jobdone runs it).
// Real processes: this machine's /proc topped up with `sleep`s to about 100 and 1,000. Beyond
// that a fixture tree on disk (test/proc/big-tree.ts): the same code, the same files, but the
// kernel does not generate them, so fixture and real rows are compared within their kind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { writeBigProcTree } from '../test/proc/big-tree.ts';
import { log, median, node24, repoRoot, round } from './bench-lib.ts';

export interface ScanRow {
  kind: 'real' | 'fixture';
  target: number;
  /** Processes actually scanned (the real /proc moves under our feet). */
  processes: number;
  medianMs: number;
  scanMs: number;
  classifyMs: number;
  usPerProcess: number;
  runs: number[];
}

interface EntryResult { processes: number; scanMs: number; classifyMs: number; totalMs: number }

export async function benchScan(rounds: number): Promise<ScanRow[]> {
  const entry = join(repoRoot, 'bench', 'scan-entry.cjs');
  mkdirSync(join(repoRoot, 'bench'), { recursive: true });
  await build({
    entryPoints: [join(repoRoot, 'scripts', 'bench-scan-entry.ts')],
    outfile: entry, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'warning',
  });
  const run = (procRoot: string, selfPid: number): EntryResult => {
    const result = spawnSync(node24, [entry, procRoot, String(selfPid)], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`scan entry failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as EntryResult;
  };

  const fixtures = mkdtempSync(join(tmpdir(), 'jobdone-bench-proc-'));
  const sleepers: ChildProcess[] = [];
  try {
    const sizes = [100, 1000, 10_000];
    log(`writing fixture /proc trees of ${sizes.join(', ')} processes`);
    for (const size of sizes) writeBigProcTree(join(fixtures, String(size)), size);
    const rows: ScanRow[] = [];
    const bySize = new Map<number, EntryResult[]>(sizes.map((size) => [size, []]));
    // Interleaved by round; a fixture's self pid is 2 (a process of one of its containers), as in test/proc.
    for (let i = 0; i < rounds; i++) for (const size of sizes) bySize.get(size)!.push(run(join(fixtures, String(size)), 2));
    for (const size of sizes) rows.push(summarize('fixture', size, bySize.get(size)!));
    for (const size of [100, 1000]) {
      // Topped up until there: on a shared machine other processes come and go meanwhile.
      await waitUntil(() => {
        const missing = size - countPids();
        for (let i = 0; i < missing; i++) sleepers.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
        return missing <= 0;
      }, 10_000);
      const results: EntryResult[] = [];
      for (let i = 0; i < rounds; i++) results.push(run('/proc', process.pid));
      rows.push(summarize('real', size, results));
    }
    return rows.sort((a, b) => (a.kind === b.kind ? a.target - b.target : a.kind === 'real' ? -1 : 1));
  } finally {
    for (const child of sleepers) child.kill('SIGKILL');
    rmSync(fixtures, { recursive: true, force: true });
  }
}

function summarize(kind: 'real' | 'fixture', target: number, results: EntryResult[]): ScanRow {
  const medianMs = median(results.map((r) => r.totalMs));
  const processes = Math.round(median(results.map((r) => r.processes)));
  return {
    kind, target, processes,
    medianMs: round(medianMs),
    scanMs: round(median(results.map((r) => r.scanMs))),
    classifyMs: round(median(results.map((r) => r.classifyMs))),
    usPerProcess: round((medianMs * 1000) / processes, 1),
    runs: results.map((r) => round(r.totalMs)),
  };
}

function countPids(): number {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for the sleepers to start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
