// A long grace period must not look like a hang: one line every few seconds naming what still runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

const options = stopOptions({ graceMs: 450 });

test('while a sidecar outlives its signal, a progress line names it; none once everything is gone', async () => {
  const pod = new FakePod();
  // sh -c "trap '' TERM; exec sleep 30": a sleep that ignores SIGTERM.
  const stubborn = pod.spawn('stubborn', { ignores: ['SIGTERM'] });
  const quick = pod.spawn('quick');
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'info', write: (line) => lines.push(line) });
  await stopSidecars(options, { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep, progressEveryMs: 200 });
  const progress = lines.map((l) => JSON.parse(l) as { message: string; outcome?: string }).filter((l) => l.outcome === 'waiting');
  assert.ok(progress.length >= 1 && progress.length <= 2, lines.join(''));
  assert.match(progress[0]!.message, new RegExp(`^waiting for 1 container\\(s\\), 1 s of grace left: stubborn \\(${stubborn} sleep\\)$`));
  assert.deepEqual(pod.endOf(stubborn), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(pod.endOf(quick), { code: null, signal: 'SIGTERM' });
});
