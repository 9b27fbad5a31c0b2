// Containers that were still starting, or started at all only after the job ended, are stopped
// too while the grace period lasts: otherwise they outlive jobdone and hold the pod.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { readStatOnly } from '../../src/proc/scan.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { MiniPod, exitOf } from './mini-pod.ts';

const options = stopOptions({ graceMs: 3000 });

function capture() {
  const lines: string[] = [];
  return { log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }), lines };
}

test('a container that appears after the first look is stopped too', { timeout: 10_000 }, async (t) => {
  const pod = new MiniPod(t);
  const early = await pod.spawn('early', 'sleep', ['30']);
  let late: ReturnType<MiniPod['startNow']> | undefined;
  const { log, lines } = capture();
  const report = await stopSidecars(options, {
    procRoot: pod.root, selfPid: process.pid, log,
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      // The first signal goes out; meanwhile the runtime starts a slow container.
      late ??= pod.startNow('late', 'sleep', ['30']);
    },
  });
  assert.ok(late !== undefined);
  assert.deepEqual(await exitOf(early), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(await exitOf(late), { code: null, signal: 'SIGTERM' });
  assert.equal(report.totals.exited, 2, lines.join(''));
  assert.match(lines.join(''), /1 container\(s\) started after the first look; stopping them too/);
});

test("a container still in the runtime's init (runc:[2:INIT]) is not signalled until it runs its command", { timeout: 10_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-runc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A bash whose comm reads runc:[2:INIT] and whose argv is `runc init`, as runc's init until it
  // execs the container's command (bash runs ./init, the script, from its directory).
  const runcInit = join(dir, 'runc:[2:INIT]');
  copyFileSync('/bin/bash', runcInit);
  chmodSync(runcInit, 0o755);
  writeFileSync(join(dir, 'init'), 'sleep 0.4; exec sleep 30\n');
  const pod = new MiniPod(t);
  const slow = await pod.spawn('slow', runcInit, ['init'], { argv0: 'runc', cwd: dir });
  await pod.adoptChildren(slow.pid!, 'slow');
  assert.equal(readStatOnly('/proc', slow.pid!)?.comm, 'runc:[2:INIT]');
  const commAtSignal: string[] = [];
  const { log, lines } = capture();
  const report = await stopSidecars(options, {
    procRoot: pod.root, selfPid: process.pid, log,
    kill: (pid, signal) => {
      commAtSignal.push(readStatOnly('/proc', pid)?.comm ?? '?');
      pod.kill(pid, signal);
    },
  });
  assert.deepEqual(await exitOf(slow), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(commAtSignal, ['sleep'], 'signalled only once it had become its command');
  assert.match(lines.join(''), /never: starting/);
  assert.equal(report.totals.exited, 1, lines.join(''));
});

// Issue 10 item 6: a sidecar that named itself runc:[2:INIT] was taken for a container still
// starting, and never stopped.
test('a process named runc:[2:INIT] whose argv is not `runc init` is an ordinary sidecar', { timeout: 10_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-runc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const impostor = join(dir, 'runc:[2:INIT]');
  copyFileSync('/bin/bash', impostor);
  chmodSync(impostor, 0o755);
  const pod = new MiniPod(t);
  const sidecar = await pod.spawn('impostor', impostor, ['-c', 'sleep 30; :']);
  await pod.adoptChildren(sidecar.pid!, 'impostor');
  const { log, lines } = capture();
  await stopSidecars({ ...options, graceMs: 500 }, { procRoot: pod.root, selfPid: process.pid, log, kill: pod.kill });
  assert.deepEqual(await exitOf(sidecar), { code: null, signal: 'SIGTERM' });
  assert.doesNotMatch(lines.join(''), /never: starting/);
});

test('a container that stays in the runtime\'s init is stopped when the grace period ends', { timeout: 10_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-runc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runcInit = join(dir, 'runc:[2:INIT]');
  copyFileSync('/bin/bash', runcInit);
  chmodSync(runcInit, 0o755);
  writeFileSync(join(dir, 'init'), 'trap "" TERM; sleep 30; :\n');
  const pod = new MiniPod(t);
  const stuck = await pod.spawn('stuck', runcInit, ['init'], { argv0: 'runc', cwd: dir });
  await pod.adoptChildren(stuck.pid!, 'stuck');
  const { log, lines } = capture();
  const started = performance.now();
  await stopSidecars({ ...options, graceMs: 300 }, { procRoot: pod.root, selfPid: process.pid, log, kill: pod.kill, confirmMs: 2000 });
  assert.deepEqual(await exitOf(stuck), { code: null, signal: 'SIGKILL' });
  assert.match(lines.join(''), /never: starting/);
  assert.match(lines.join(''), /1 container\(s\) still in the runtime's init when the grace period ended; stopping them now/);
  assert.ok(performance.now() - started < 5000);
});
