import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { writeBigProcTree } from './big-tree.ts';

// The time budget (under 250 ms) is checked by npm run bench, side by side with smaller trees;
// here only what must hold on any machine: the whole tree, the same every time, classified
// exactly, and a scan that grows linearly. Growth is a ratio of two sizes measured in turns in
// one run, so a loaded machine slows both alike; linear is about 10x for 10x the processes,
// quadratic about 100x, and the bound sits far from both.
test('a 10,000-process tree scans completely and classifies into its containers', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'jobdone-proc10k-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeBigProcTree(join(root, 'small'), 1000);
  writeBigProcTree(join(root, 'big'), 10_000);
  const timed = (tree: string) => {
    const start = performance.now();
    const processes = scanProcesses(join(root, tree));
    return { processes, ms: performance.now() - start };
  };
  const small: number[] = [];
  const big: number[] = [];
  const scans = [];
  for (let run = 0; run < 5; run++) {
    small.push(timed('small').ms);
    const scan = timed('big');
    big.push(scan.ms);
    scans.push(scan.processes);
  }
  const start = performance.now();
  const pod = buildPod(scanProcesses(join(root, 'big')), { selfPid: 2 });
  const withPod = performance.now() - start;
  const median = (times: number[]): number => [...times].sort((a, b) => a - b)[2]!;
  const growth = median(big) / median(small);
  t.diagnostic(`scan 10k: ${big.map((ms) => ms.toFixed(1)).join(' / ')} ms (median ${median(big).toFixed(1)}); 1k median ${median(small).toFixed(1)} ms (x${growth.toFixed(1)}); scan + buildPod ${withPod.toFixed(1)} ms; ${pod.others.length} containers`);

  assert.equal(scans[0]!.length, 10_000);
  for (const scan of scans.slice(1)) assert.deepEqual(scan, scans[0]);
  // big-tree.ts puts pid N in container N % 8 (pid 1 is the infra); jobdone is pid 2.
  assert.equal(pod.roleOf.get(1), 'infra');
  assert.equal(pod.ownContainer?.processes.length, 1250);
  assert.deepEqual(pod.others.map((container) => container.processes.length).sort(), [1249, 1250, 1250, 1250, 1250, 1250, 1250]);
  assert.ok(growth < 40, `a 10x bigger tree took ${growth.toFixed(1)}x as long to scan: the scan no longer grows linearly`);
});
