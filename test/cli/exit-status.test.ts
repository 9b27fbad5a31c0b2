import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobdoneArgv, startJobdone, runJobdone, timeBound } from '../helpers/jobdone.ts';

describe('exit status', () => {
  for (const code of [0, 1, 2, 3, 126, 127, 255]) {
    it(`passes exit code ${code} through`, async () => {
      const result = await runJobdone(['--', 'sh', '-c', `exit ${code}`]);
      assert.equal(result.code, code, result.stderr);
    });
  }

  for (const name of ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'SEGV', 'USR2', 'TERM'] as const) {
    const number = constants.signals[`SIG${name}`];
    it(`gives 128+${number} when the job dies of SIG${name}`, async () => {
      // ulimit -c 0: a SEGV or QUIT death must not spend time writing a core file.
      const result = await runJobdone(['--', 'sh', '-c', `ulimit -c 0; kill -s ${name} $$; sleep 5`]);
      assert.equal(result.code, 128 + number, result.stderr);
      assert.match(result.stderr, new RegExp(`killed by SIG${name}`));
    });
  }

  it('gives 127 and names the command when it is not found in PATH', async () => {
    const result = await runJobdone(['--', 'no-such-command-jobdone-test', 'arg']);
    assert.equal(result.code, 127);
    assert.match(result.stderr, /"no-such-command-jobdone-test" not found in PATH/);
  });

  it('gives 127 and names the command for a missing absolute path', async () => {
    const result = await runJobdone(['--', '/nonexistent/dir/job']);
    assert.equal(result.code, 127);
    assert.match(result.stderr, /"\/nonexistent\/dir\/job" no such file/);
  });

  it('gives 126 for a file that is not executable, and for a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-noexec-'));
    const file = join(dir, 'job.sh');
    writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    for (const command of [file, dir]) {
      const result = await runJobdone(['--', command]);
      assert.equal(result.code, 126, result.stderr);
      assert.ok(result.stderr.includes(`${JSON.stringify(command)} is not executable`), result.stderr);
    }
  });

  it('runs the job without -- too, as tini does', async () => {
    const result = await runJobdone(['sh', '-c', 'exit 4']);
    assert.equal(result.code, 4);
  });

  it('exits 3 promptly while a background process of the job still holds stdout open', async () => {
    const result = await runJobdone(['--', 'sh', '-c', 'sleep 20 & exit 3'], { timeoutMs: 15_000 });
    assert.equal(result.code, 3);
    assert.ok(result.ms < timeBound(8_000), `took ${result.ms} ms`);
  });

  it("jobdone's own file deleted while a readiness gate waits: the job's status, no internal error", async (t) => {
    // The nested check stats jobdone's own file after the job has started: it threw, jobdone
    // exited 125 "internal error", the job was orphaned and nothing was stopped.
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-deleted-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [file] = jobdoneArgv();
    const copy = join(dir, 'jobdone-copy');
    copyFileSync(file!, copy);
    chmodSync(copy, 0o755);
    const gate = join(dir, 'go');
    const run = startJobdone(['--wait-file', gate, '--wait-timeout', '60s', '--', 'sh', '-c', 'exit 3'], { executable: copy });
    await run.stderrHas('waiting for');
    unlinkSync(copy);
    writeFileSync(gate, '');
    const result = await run.finished;
    assert.equal(result.code, 3, result.stderr);
    assert.doesNotMatch(result.stderr, /internal error/);
  });
});
