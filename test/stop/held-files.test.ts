// The check before each signal reads the stat file the first look held open (one pread, and it
// cannot name a newer process), and the stop closes every file it held, whatever happened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

function counted(pod: FakePod) {
  const reads = { byPath: 0, held: 0 };
  const readText = pod.proc.readText.bind(pod.proc);
  pod.proc.readText = (path: string): string => {
    if (path.endsWith('/stat')) reads.byPath++;
    return readText(path);
  };
  const readAndHold = pod.proc.readAndHold.bind(pod.proc);
  pod.proc.readAndHold = (path: string) => {
    const { text, held } = readAndHold(path);
    return { text, held: { ...held, reread: () => (reads.held++, held.reread()) } };
  };
  return reads;
}

test('50 sidecar processes: every check before a signal reads a held file, none by path, and every held file is closed', async () => {
  const pod = new FakePod();
  const main = pod.spawn('shells', { comm: 'bash', exitsWhenChildrenEnd: 0 });
  for (let i = 0; i < 49; i++) pod.spawn('shells', { ppid: main });
  const reads = counted(pod);
  const atSignals: Array<{ byPath: number; held: number }> = [];
  const kill = (pid: number, signal: string): void => {
    atSignals.push({ ...reads });
    pod.kill(pid, signal);
  };
  const log = createLogger({ format: 'text', level: 'info', write: () => {} });
  const report = await stopSidecars(stopOptions({ graceMs: 1000 }), { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill, now: pod.now, sleep: pod.sleep });
  assert.deepEqual(report.groups.map((g) => g.outcome), ['exited']);
  assert.equal(atSignals.length, 49);
  const first = atSignals[0]!;
  const last = atSignals.at(-1)!;
  // From the first signal to the last: one held read each, not one stat by path.
  assert.equal(last.byPath - first.byPath, 0, JSON.stringify({ first, last }));
  assert.equal(last.held - first.held, 48);
  assert.equal(pod.proc.heldOpen, 0);
});

test('the held files are closed when the stop fails midway', async () => {
  const pod = new FakePod();
  pod.spawn('proxy');
  const log = createLogger({ format: 'text', level: 'info', write: () => {} });
  pod.spawn('stubborn', { ignores: ['SIGTERM'] });
  const sleep = (): Promise<void> => Promise.reject(new Error('the clock broke'));
  await assert.rejects(stopSidecars(stopOptions({ graceMs: 1000 }), { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep }), /the clock broke/);
  assert.equal(pod.proc.heldOpen, 0);
});
