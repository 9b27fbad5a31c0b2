import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUp } from '../../src/warm-up.ts';

// The warm-up runs inside every real jobdone while the job runs: it must not signal anything,
// write anything, or fail.
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
