import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanEnv, jobdoneArgv, runJobdone } from '../helpers/jobdone.ts';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('stdio, argv, environment, working directory', () => {
  it('50 MB of random bytes through stdout arrive intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-io-'));
    const file = join(dir, 'random.bin');
    const data = randomBytes(50 * 1024 * 1024);
    writeFileSync(file, data);
    const result = await runJobdone(['--', 'cat', file], { timeoutMs: 60_000 });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.length, data.length);
    assert.equal(sha(result.stdout), sha(data));
  });

  it('all 256 byte values on stdout and on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-io-'));
    const file = join(dir, 'bytes.bin');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    writeFileSync(file, bytes);
    const out = await runJobdone(['--quiet', '--', 'cat', file]);
    assert.deepEqual(out.stdout, bytes);
    // stderr: read it as bytes through a direct spawn (the helper decodes stderr as text).
    const [file0, ...pre] = jobdoneArgv();
    const err = spawnSync(file0!, [...pre, '--quiet', '--', 'sh', '-c', 'cat "$1" >&2', 'sh', file], { env: cleanEnv() });
    assert.equal(err.status, 0);
    assert.deepEqual(err.stderr, bytes);
  });

  it('the job sees a terminal when jobdone has one', () => {
    // util-linux `script` gives jobdone a pseudo-terminal on stdin, stdout and stderr.
    const command = [...jobdoneArgv(), '--quiet', '--', 'sh', '-c', 'test -t 0 && test -t 1 && test -t 2 && echo tty-yes || echo tty-no']
      .map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /tty-yes/);
  });

  it('argv passes byte-exact: spaces, quotes, empty strings, newlines, --, -e, --help, 100 KB', async () => {
    const args = ['a b', "it's", '"q"', '', 'line1\nline2', '--', '-e', '--help', 'x'.repeat(100 * 1024), 'tab\there', 'ünï'];
    // The job writes each argument NUL-terminated; compare the bytes.
    const result = await runJobdone(['--', 'sh', '-c', 'printf "%s\\0" "$@"', 'sh', ...args]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout, Buffer.from(args.map((a) => `${a}\0`).join('')));
  });

  it('the environment passes byte-exact', async () => {
    const extra = { JD_SPACE: 'a b', JD_QUOTE: `'"`, JD_EMPTY: '', JD_NL: 'l1\nl2', JD_DASH: '--', JD_BIG: 'y'.repeat(100 * 1024), JD_EQ: 'a=b=c' };
    const result = await runJobdone(['--', 'sh', '-c', 'for k in JD_SPACE JD_QUOTE JD_EMPTY JD_NL JD_DASH JD_BIG JD_EQ; do eval "printf \'%s=%s\\0\' $k \\"\\$$k\\""; done; env | grep -c "^JD_EMPTY=$"'], { env: cleanEnv(extra) });
    assert.equal(result.code, 0, result.stderr);
    const [values, count] = [result.stdout.subarray(0, result.stdout.lastIndexOf(0) + 1), result.stdout.subarray(result.stdout.lastIndexOf(0) + 1)];
    assert.deepEqual(values, Buffer.from(Object.entries(extra).map(([k, v]) => `${k}=${v}\0`).join('')));
    assert.equal(count.toString(), '1\n', 'JD_EMPTY must be set (to the empty string), not unset');
  });

  it('keeps the working directory (with spaces) and resolves ./relative.sh from it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'jobdone-cwd-')), 'with spaces in it');
    mkdirSync(dir);
    const script = join(dir, 'relative.sh');
    writeFileSync(script, '#!/bin/sh\npwd\nexit 5\n');
    chmodSync(script, 0o755);
    const result = await runJobdone(['--', './relative.sh'], { cwd: dir });
    assert.equal(result.code, 5, result.stderr);
    assert.equal(result.stdout.toString(), `${dir}\n`);
  });
});
