import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryProcFs } from '../../src/proc/memory-proc-fs.ts';
import { warmUp, whileJobRuns } from '../../src/warm-up.ts';

// The warm-up runs in the build, before the code cache is taken (scripts/sea-code-cache.cjs),
// and must not signal anything, write anything, or fail there.
test('warm-up signals no real process and writes nothing to stdout or stderr', { timeout: 10_000 }, async (t) => {
  const killed: unknown[] = [];
  const written: unknown[] = [];
  t.mock.method(process, 'kill', (...args: unknown[]) => { killed.push(args); return true; });
  t.mock.method(process.stderr, 'write', (chunk: unknown) => { written.push(chunk); return true; });
  t.mock.method(process.stdout, 'write', (chunk: unknown) => { written.push(chunk); return true; });
  await warmUp();
  t.mock.restoreAll();
  assert.deepEqual(killed, []);
  assert.deepEqual(written, []);
});

// It swallows its errors (a failed warm-up costs speed only), so a warm-up that no longer reaches
// the stop would go unnoticed: the made-up pod's sidecars and the job's leftover must be stopped.
test('warm-up drives the stop step over its in-memory pod: both sidecar containers and the leftover are stopped, in each log format', async (t) => {
  const removed: number[] = [];
  const remove = MemoryProcFs.prototype.remove;
  t.mock.method(MemoryProcFs.prototype, 'remove', function (this: MemoryProcFs, pid: number) {
    removed.push(pid);
    remove.call(this, pid);
  });
  await warmUp();
  t.mock.restoreAll();
  assert.deepEqual(removed.sort((a, b) => a - b), [9, 9, 12, 12, 13, 13, 20, 20]);
});

// Every run warms the stop once more while the job runs and looks at the pod early (src/warm-up.ts,
// whileJobRuns); that work must never overlap the real stop (issue 18, item 17), and the stop gets
// what it made (the early look's held files), or nothing when it never ran.
test('while the job runs: the work runs once, never before afterMs, is cancelled by a stop that comes first, awaited by one that comes during it, and hands its result to the stop', async () => {
  const calls: string[] = [];
  let finish: () => void = () => {};
  const warm = (formats: readonly string[]): Promise<string> => {
    calls.push(`warm ${formats.join(',')}`);
    return new Promise((resolve) => { finish = () => { calls.push('warm done'); resolve('held'); }; });
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // The job ends first: no warm-up at all, then or later.
  const early = whileJobRuns(() => warm(['json']), 30);
  early.start();
  assert.equal(await early.beforeStop(), undefined);
  await sleep(60);
  assert.deepEqual([...calls], []);

  // The job ends while it runs: the stop goes on only once the warm-up is over.
  const during = whileJobRuns(() => warm(['json']), 5);
  during.start();
  await sleep(40);
  assert.deepEqual([...calls], ['warm json']);
  const stop = during.beforeStop().then((made) => calls.push(`stop ${made}`));
  await sleep(10);
  assert.deepEqual([...calls], ['warm json'], 'the stop began while the warm-up ran');
  finish();
  await stop;
  assert.deepEqual(calls, ['warm json', 'warm done', 'stop held']);
});

// The build's whole warm-up (src/warm-up-cache.ts) adds the lifecycle over stand-ins: in the
// build's process nothing may stay behind, not even a signal handler taken out.
test('the build\'s warm-up runs the lifecycle to its end in both formats, signals nothing, writes nothing, and leaves no signal handler', { timeout: 20_000 }, async (t) => {
  const { warmUpForCache } = await import('../../src/warm-up-cache.ts');
  const { forwardedSignals } = await import('../../src/job/forward-signals.ts');
  const handlers = () => forwardedSignals.map((signal) => process.listenerCount(signal));
  const before = handlers();
  const killed: unknown[] = [];
  const written: unknown[] = [];
  t.mock.method(process, 'kill', (...args: unknown[]) => { killed.push(args); return true; });
  t.mock.method(process.stderr, 'write', (chunk: unknown) => { written.push(chunk); return true; });
  t.mock.method(process.stdout, 'write', (chunk: unknown) => { written.push(chunk); return true; });
  const ran = await warmUpForCache();
  t.mock.restoreAll();
  assert.equal(ran, true);
  assert.deepEqual(killed, []);
  assert.deepEqual(written, []);
  assert.deepEqual(handlers(), before);
});
