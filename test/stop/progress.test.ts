// A long grace period must not look like a hang: one line every few seconds naming what still runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { readStatOnly } from '../../src/proc/scan.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { MiniPod, exitOf } from './mini-pod.ts';

const options = stopOptions({ graceMs: 450 });

test('while a sidecar outlives its signal, a progress line names it; none once everything is gone', { timeout: 10_000 }, async (t) => {
  const pod = new MiniPod(t);
  const stubborn = await pod.spawn('stubborn', '/bin/sh', ['-c', "trap '' TERM; exec sleep 30"]);
  for (let i = 0; i < 300 && readStatOnly('/proc', stubborn.pid!)?.comm !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 5));
  const quick = await pod.spawn('quick', 'sleep', ['30']);
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'info', write: (line) => lines.push(line) });
  await stopSidecars(options, { procRoot: pod.root, selfPid: process.pid, log, kill: pod.kill, progressEveryMs: 200 });
  const progress = lines.map((l) => JSON.parse(l) as { message: string; outcome?: string }).filter((l) => l.outcome === 'waiting');
  assert.ok(progress.length >= 1 && progress.length <= 2, lines.join(''));
  assert.match(progress[0]!.message, new RegExp(`^waiting for 1 container\\(s\\), 1 s of grace left: stubborn \\(${stubborn.pid} sleep\\)$`));
  assert.deepEqual(await exitOf(stubborn), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(await exitOf(quick), { code: null, signal: 'SIGTERM' });
});
