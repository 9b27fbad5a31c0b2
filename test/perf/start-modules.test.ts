// What a start loads beyond Node's own bootstrap costs every run of every job. The first use of
// the `performance` global loads perf_hooks and eight internal modules: 1.1 ms of each start
// here (measured), for a clock process.hrtime gives for free (src/monotonic.ts); node:v8 (to
// turn on the linear-time RegExp engine) 2.1 ms, needed only for a pattern; node:os (signal
// numbers, needed only for a signal given by the user or one that killed the job) 0.2 ms.
// Checked on the bundle the executables run, with Node's list of the modules it loaded, at exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanEnv, repoRoot } from '../helpers/jobdone.ts';
import { cannotRun } from '../helpers/skip.ts';

const bundle = join(repoRoot, 'dist', 'jobdone.cjs');
const skip = cannotRun('the start-modules test', existsSync(bundle) ? undefined : 'dist/jobdone.cjs is missing', 'npm run build');

test('a run loads no perf_hooks, at start or stop, no node:v8 without a pattern, and no node:os with the default signals', { skip, timeout: 30_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-modules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const preload = join(dir, 'modules.cjs');
  writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(3, JSON.stringify(process.moduleLoadList)));\n");
  const result = spawnSync(process.execPath, ['--require', preload, bundle, '--', 'true'], { env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  const loaded = JSON.parse(String(result.output[3])) as string[];
  // The list names what ran: the job's exit and the look at the pod are in it.
  assert.ok(loaded.includes('NativeModule child_process'), loaded.join(' '));
  assert.deepEqual(loaded.filter((m) => m === 'NativeModule perf_hooks' || m === 'NativeModule internal/perf/performance' || m === 'NativeModule v8' || m === 'NativeModule os'), []);
});

test('the bundle is ASCII: one other character made its whole source a two-byte string, decoded in twice the time at every start', { skip }, () => {
  const bytes = readFileSync(bundle);
  const at = bytes.findIndex((byte) => byte > 0x7f);
  assert.equal(at, -1, `byte ${at}: ${bytes.subarray(Math.max(0, at - 30), at + 10).toString()}`);
});
