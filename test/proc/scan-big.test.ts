import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { writeBigProcTree } from './big-tree.ts';

// The time budget (under 250 ms, linear growth) is checked by npm run bench, side by side
// with smaller trees; here only what must hold on any machine.
test('a 10,000-process tree scans completely and classifies into its containers', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'jobdone-proc10k-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeBigProcTree(root, 10_000);
  const times: number[] = [];
  let count = 0;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    const processes = scanProcesses(root);
    times.push(performance.now() - start);
    count = processes.length;
  }
  const start = performance.now();
  const pod = buildPod(scanProcesses(root), { selfPid: 2 });
  const withPod = performance.now() - start;
  const median = [...times].sort((a, b) => a - b)[2] ?? Infinity;
  t.diagnostic(`scan 10k: ${times.map((ms) => ms.toFixed(1)).join(' / ')} ms (median ${median.toFixed(1)}); scan + buildPod ${withPod.toFixed(1)} ms; ${pod.others.length} containers`);
  assert.equal(count, 10_000);
  assert.ok(pod.others.length > 0);
});
