// jobdone install DIR with the built executable (dist/jobdone; npm test builds
// it first): a fresh directory, an older copy that is running while it is
// replaced, a second run, directories it cannot write. From the source it must
// say that install needs the built executable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { cleanEnv, distExecutable, runJobdone, target as jobdoneTarget } from '../helpers/jobdone.ts';
import { sandboxSkipReason } from '../sandbox/pod.ts';

const needsRoot = sandboxSkipReason();

function scratchDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function built(): string {
  if (!existsSync(distExecutable)) throw new Error(`${distExecutable} is missing: run npm run build (npm test does)`);
  return distExecutable;
}

// runJobdone starts the source or dist according to TEST_JOBDONE; these tests need the
// executable whatever that says, so they spawn it directly.
function runExecutable(file: string, args: string[], options: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'], ...options });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.includes('jobdone-install'));
}

describe('jobdone install', { timeout: 60_000 }, () => {
  const fromDist = jobdoneTarget === 'dist' ? 'this case is about running from the source' : undefined;
  it('from the source: exit 125, says it needs the built executable, writes nothing', { skip: fromDist }, async (t) => {
    const target = join(scratchDir(t), 'target');
    const result = await runJobdone(['install', target], { env: cleanEnv(), timeoutMs: 20_000 });
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /^jobdone: install copies the built executable, and this is node running the source .*npm run build/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(target), false);
  });

  it('without exactly one DIR: exit 125 with a usage line', async () => {
    for (const args of [['install'], ['install', 'a', 'b']]) {
      const result = await runExecutable(built(), args);
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, /^jobdone: jobdone install takes one directory, got \[.*\]: e\.g\. jobdone install \/install/);
    }
  });

  it('a fresh directory gets a byte-identical, runnable copy', async (t) => {
    const target = join(scratchDir(t), 'fresh');
    const result = await runExecutable(built(), ['install', target]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /installed jobdone into .*fresh \(1 file\(s\), [\d.]+ MB\); this copy needs glibc >= 2\.28/);
    assert.equal(sha256(join(target, 'jobdone')), sha256(built()));
    assert.equal(statSync(join(target, 'jobdone')).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(target), ['jobdone']);
    const copy = await runExecutable(join(target, 'jobdone'), ['--', 'sh', '-c', 'exit 3']);
    assert.equal(copy.code, 3, copy.stderr);
  });

  it('replaces an older copy that is running by rename (new inode, old one untouched), and again idempotently', async (t) => {
    const target = scratchDir(t);
    const installed = join(target, 'jobdone');
    // The "older copy": another executable under the same name, running while we install.
    copyFileSync('/bin/sleep', installed);
    const older = spawn(installed, ['30'], { stdio: 'ignore' });
    t.after(() => { older.kill('SIGKILL'); });
    await new Promise((resolve) => older.once('spawn', resolve));
    const oldFd = openSync(installed, 'r');
    t.after(() => closeSync(oldFd));
    const oldInode = fstatSync(oldFd).ino;
    const oldHash = sha256('/bin/sleep');

    const first = await runExecutable(built(), ['install', target]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(sha256(installed), sha256(built()));
    assert.notEqual(statSync(installed).ino, oldInode, 'written under a new inode: a rename, not an overwrite in place (ETXTBSY)');
    assert.equal(fstatSync(oldFd).size, statSync('/bin/sleep').size, 'the old inode keeps its content');
    assert.equal(oldHash, sha256('/bin/sleep'));
    assert.equal(older.exitCode, null, 'the running older copy keeps running');
    assert.deepEqual(leftovers(target), []);

    const second = await runExecutable(built(), ['install', target]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(sha256(installed), sha256(built()));
    assert.deepEqual(readdirSync(target), ['jobdone']);
  });

  // Issue 18 item 15: it said "EEXIST" for a file, and a dangling symlink threw an internal error.
  it('DIR is a file, a dangling symlink, or under a file: exit 125, one line naming "not a directory"', async (t) => {
    const scratch = scratchDir(t);
    const file = join(scratch, 'file');
    writeFileSync(file, 'x');
    symlinkSync(join(scratch, 'nowhere'), join(scratch, 'dangling'));
    for (const target of [file, join(scratch, 'dangling'), join(file, 'sub')]) {
      const result = await runExecutable(built(), ['install', target]);
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, /^jobdone: cannot install into .*: not a directory \((EEXIST|ENOTDIR) on .*\); give it a writable directory/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    assert.equal(readFileSync(file, 'utf8'), 'x');
    assert.deepEqual(readdirSync(scratch).sort(), ['dangling', 'file']);
  });

  it('as the image\'s non-root user (uid 65532) into a world-writable directory, as an emptyDir is: a runnable copy', { skip: needsRoot }, async (t) => {
    const scratch = scratchDir(t);
    chmodSync(scratch, 0o755);
    // The executable where uid 65532 can read it, as the image's /jobdone is (the worktree may not be).
    const source = join(scratch, 'source');
    mkdirSync(source, { mode: 0o755 });
    copyFileSync(built(), join(source, 'jobdone'));
    chmodSync(join(source, 'jobdone'), 0o755);
    const target = join(scratch, 'emptydir');
    mkdirSync(target);
    chmodSync(target, 0o777);
    const result = await runExecutable(join(source, 'jobdone'), ['install', target], { uid: 65532, gid: 65532 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(statSync(join(target, 'jobdone')).uid, 65532);
    const copy = await runExecutable(join(target, 'jobdone'), ['--', 'sh', '-c', 'exit 4'], { uid: 65532, gid: 65532 });
    assert.equal(copy.code, 4, copy.stderr);
  });

  it('a directory the user cannot write: exit 125, one line, nothing left behind', { skip: needsRoot }, async (t) => {
    const target = scratchDir(t); // root-owned, 0700 from mkdtemp; the job user is nobody
    const result = await runExecutable(built(), ['install', target], { uid: 65534, gid: 65534 });
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /^jobdone: cannot install into .*: no permission to write \(EACCES on .*\); give it a writable directory, e\.g\. an emptyDir/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.deepEqual(readdirSync(target), []);
  });

  it('a read-only mount: exit 125 naming EROFS', { skip: needsRoot }, async (t) => {
    const target = scratchDir(t);
    mkdirSync(join(target, 'ro'));
    // A read-only bind mount in a private mount namespace, as a volume mounted readOnly: true.
    const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" install "$1"';
    const result = await runExecutable('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', join(target, 'ro'), built()]);
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /^jobdone: cannot install into .*ro: a read-only file system \(EROFS on .*\)/);
    assert.deepEqual(readdirSync(join(target, 'ro')), []);
  });
});
