// The termination message: what `kubectl describe pod` shows under "Message", and where it goes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminationLogOfRefusedInvocation } from '../../src/config/termination-log.ts';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import {
  fitMessage, maxMessageBytes, terminationMessage, usageErrorMessage, writeTerminationMessage,
} from '../../src/report/termination.ts';
import { howOf, noOutcomes, type StopReport } from '../../src/stop/report.ts';

const report = (groups: StopReport['groups']): StopReport => ({
  groups, ms: 40, warnings: [],
  totals: noOutcomes(),
});
type Group = StopReport['groups'][number];
const sidecar = (shortId: string, outcome: Group['outcome'], ms = 0, processes = 1): Group => ({ kind: 'sidecar', shortId, processes, outcome, ms, how: howOf(outcome, true, false) });

test('success: job status, each sidecar and how it was stopped, time taken', () => {
  const message = terminationMessage({
    outcome: { kind: 'exited', code: 0 }, status: 0, ms: 4210,
    stopped: { summary: '2 container(s) stopped', report: report([sidecar('3f2a9c1b0d4e', 'exited', 12, 2), sidecar('ab12cd34ef56', 'killed', 10_004), sidecar('skipped00000', 'skipped', 0, 0)]) },
  });
  assert.equal(message, 'jobdone: job exited with code 0; exit 0; took 4.2 s; sidecars: 3f2a9c1b0d4e exited in 12 ms, ab12cd34ef56 killed in 10.0 s\n');
});

test('failures are named: a sidecar it could not signal, one still running, a job that was not found, a timeout', () => {
  const failed = terminationMessage({
    outcome: { kind: 'exited', code: 2 }, status: 2, ms: 300,
    stopped: { summary: '', report: report([sidecar('proxy0000000', 'eperm'), sidecar('stubborn0000', 'still-running')]) },
  });
  assert.match(failed, /; failed: proxy0000000 not signalled \(permission denied\), stubborn0000 still running\n$/);
  const notFound = terminationMessage({
    outcome: { kind: 'not-started', code: 127, reason: 'command "nope" not found in PATH (ENOENT)' }, status: 127, ms: 5,
    stopped: { summary: 'nothing to stop', report: report([]) },
  });
  assert.equal(notFound, 'jobdone: job not started: command "nope" not found in PATH (ENOENT); exit 127; took 5 ms; sidecars: nothing to stop\n');
  const timedOut = terminationMessage({
    outcome: { kind: 'timed-out', afterMs: 1000, then: { kind: 'signaled', signal: 'TERM' } }, status: 124, ms: 1010,
    stopped: { summary: 'sidecars not stopped (boom)' },
  });
  assert.match(timedOut, /^jobdone: job timed out after 1s and was stopped \(killed by SIGTERM\); exit 124; .*sidecars: sidecars not stopped \(boom\)\n$/);
  // Issue 18 item 19: "(killed by SIGTERM (exit 143); exit 124); exit 124" said the exit status three times, two of them wrong.
  assert.equal(timedOut.match(/exit \d+/g)?.length, 1, timedOut);
  const notReady = terminationMessage({
    outcome: { kind: 'not-ready', reason: 'readiness gates timed out after 60s' }, status: 124, ms: 60_010,
    stopped: { summary: '', report: report([sidecar('istio0000000', 'exited', 4)]) },
  });
  assert.equal(notReady, 'jobdone: job not started (readiness gates timed out after 60s); exit 124; took 60.0 s; sidecars: istio0000000 exited in 4 ms\n');
  assert.equal(usageErrorMessage('bad duration "x" for --grace', 125), 'jobdone: bad duration "x" for --grace; exit 125; nothing was run or signalled\n');
});

test('the message stays one line and under 4096 bytes, cut on a character boundary', () => {
  const groups = Array.from({ length: 500 }, (_, i) => sidecar(`container-${i}-é`, 'eperm'));
  const long = terminationMessage({ outcome: { kind: 'exited', code: 1 }, status: 1, ms: 1, stopped: { summary: '', report: report(groups) } });
  assert.ok(Buffer.byteLength(long) <= maxMessageBytes + 1 && Buffer.byteLength(long) < 4096, String(Buffer.byteLength(long)));
  assert.match(long, /\.\.\.\n$/);
  assert.ok(!long.includes('\uFFFD'));
  const multibyte = fitMessage('€'.repeat(3000));
  assert.ok(Buffer.byteLength(multibyte) < 4096 && !multibyte.includes('\uFFFD'));
  assert.equal(fitMessage('a\nb'), 'a\\nb\n');
});

test('written to an explicit path; the default /dev/termination-log only when it exists; unwritable is one warning', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-term-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
  const explicit = join(dir, 'msg');
  writeFileSync(explicit, 'an older, longer message that must not survive');
  writeTerminationMessage({ path: explicit, onlyIfPresent: false }, 'short\n', log);
  assert.equal(readFileSync(explicit, 'utf8'), 'short\n');
  const absent = join(dir, 'termination-log');
  writeTerminationMessage({ path: absent, onlyIfPresent: true }, 'x\n', log);
  assert.equal(existsSync(absent), false);
  writeTerminationMessage(undefined, 'x\n', log);
  writeTerminationMessage({ path: join(dir, 'missing-dir', 'x'), onlyIfPresent: false }, 'x\n', log);
  assert.deepEqual(lines.map((l) => l.replace(/ENOENT.*/s, 'ENOENT')), [`jobdone: warn: cannot write the termination message to ${join(dir, 'missing-dir', 'x')}: ENOENT`]);
});

test('the message is made only for a file that is there: outside Kubernetes a run does not pay for it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-term-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger({ format: 'text', level: 'info', write: () => {} });
  let made = 0;
  const message = (): string => {
    made++;
    return 'made\n';
  };
  writeTerminationMessage({ path: join(dir, 'termination-log'), onlyIfPresent: true }, message, log);
  assert.equal(made, 0);
  const present = join(dir, 'present');
  writeFileSync(present, '');
  writeTerminationMessage({ path: present, onlyIfPresent: true }, message, log);
  assert.equal(made, 1);
  assert.equal(readFileSync(present, 'utf8'), 'made\n');
});

// Issue 18 item 8: root jobdone followed a symlink planted by another user in a shared directory
// and truncated its target. As root the directory is a sticky 0777 one and the planting is done
// by uid 1000, as in the pod; otherwise by this user, which changes nothing for the open.
test('a symlink, a dangling symlink or a hard link at the path: the target is untouched, one warning saying why', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-term-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'root:x:0:0:root:/root:/bin/sh\n');
  const asOtherUser = (script: string) => {
    const root = process.getuid?.() === 0;
    execFileSync('sh', ['-c', script], root ? { uid: 1000, gid: 1000 } : {});
  };
  chmodSync(dir, 0o755);
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
  const link = join(shared, 'termination-log');
  asOtherUser(`ln -s '${victim}' '${link}'`);
  for (const onlyIfPresent of [false, true]) writeTerminationMessage({ path: link, onlyIfPresent }, 'jobdone: job exited with code 0\n', log);
  assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  const dangling = join(shared, 'dangling');
  asOtherUser(`ln -s '${join(dir, 'created-by-root')}' '${dangling}'`);
  writeTerminationMessage({ path: dangling, onlyIfPresent: false }, 'x\n', log);
  assert.equal(existsSync(join(dir, 'created-by-root')), false, 'a dangling symlink was followed to create its target');
  assert.deepEqual(lines, [link, link, dangling].map((path) => `jobdone: warn: cannot write the termination message to ${path}: it is a symbolic link, which jobdone does not follow (ELOOP)\n`));
  // A hard link to a file of someone else (possible where fs.protected_hardlinks is 0).
  lines.length = 0;
  const hard = join(dir, 'hard');
  linkSync(victim, hard);
  writeTerminationMessage({ path: hard, onlyIfPresent: false }, 'x\n', log);
  assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  assert.deepEqual(lines, [`jobdone: warn: cannot write the termination message to ${hard}: a regular file with 2 hard links, which jobdone does not write through\n`]);
  // A plain file there is still written, and a new one created 0644.
  lines.length = 0;
  const plain = join(shared, 'plain');
  writeFileSync(plain, 'older and longer');
  writeTerminationMessage({ path: plain, onlyIfPresent: true }, 'new\n', log);
  writeTerminationMessage({ path: join(shared, 'fresh'), onlyIfPresent: false }, 'fresh\n', log);
  assert.equal(readFileSync(plain, 'utf8'), 'new\n');
  assert.equal(readFileSync(join(shared, 'fresh'), 'utf8'), 'fresh\n');
  assert.equal(statSync(join(shared, 'fresh')).mode & 0o777, 0o644);
  assert.deepEqual(lines, []);
});

test('for a usage error the target is read leniently from argv and the environment', () => {
  assert.deepEqual(terminationLogOfRefusedInvocation(['--grace', 'x', '--', 'true'], {}), { path: '/dev/termination-log', onlyIfPresent: true });
  assert.deepEqual(terminationLogOfRefusedInvocation(['--termination-log', '/tmp/t', '--grace', 'x'], {}), { path: '/tmp/t', onlyIfPresent: false });
  assert.deepEqual(terminationLogOfRefusedInvocation(['--grace', 'x', '--termination-log', '/tmp/t', '--', 'true'], {}), { path: '/tmp/t', onlyIfPresent: false });
  assert.deepEqual(terminationLogOfRefusedInvocation(['--termination-log=/tmp/u'], { JOBDONE_TERMINATION_LOG: '/tmp/env' }), { path: '/tmp/u', onlyIfPresent: false });
  assert.equal(terminationLogOfRefusedInvocation([], { JOBDONE_TERMINATION_LOG: '' }), undefined);
  assert.equal(terminationLogOfRefusedInvocation(['--termination-log', ''], {}), undefined);
  assert.deepEqual(terminationLogOfRefusedInvocation(['--', '--termination-log', '/job/arg'], {}), { path: '/dev/termination-log', onlyIfPresent: true });
});
