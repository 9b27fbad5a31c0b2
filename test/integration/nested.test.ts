// jobdone as jobdone's job (an image's ENTRYPOINT repeated in the command, a script that runs
// it): whatever the inner one does, the outer ends with the pod's sidecars stopped and the
// right status. In the pod sandbox (test/sandbox), with a real sidecar each time.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobdoneArgv, repoRoot, timeBound } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Pod } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();
const blogSidecar = ['bash', '-c', "sleep infinity; echo 'stopping now!'"];
const [file, ...pre] = jobdoneArgv();
const jobdone = [file!, ...pre];

/** A pod with the blog post's sidecar, the outer jobdone as its main container; checks the status and that the sidecar is gone. */
async function nestedRun(t: { after(fn: () => Promise<void>): void }, name: string, outer: string[], expected: number): Promise<{ stderr: string; pod: Pod }> {
  const pod = await createPod({ name, t });
  const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
  const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdone, ...outer] });
  const { code } = await main.exited;
  assert.equal(code, expected, main.stderr.text);
  assert.deepEqual(await sidecar.exited, { code: 0, signal: null }, `the sidecar must be stopped:\n${main.stderr.text}`);
  assert.equal(sidecar.stdout.text, 'stopping now!\n');
  assert.ok(pod.pid1Alive());
  return { stderr: main.stderr.text, pod };
}

function tempDir(t: { after(fn: () => Promise<void>): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-nested-'));
  chmodSync(dir, 0o755);
  t.after(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('jobdone -- jobdone ...: the outer always stops the pod', { skip, timeout: 180_000 }, () => {
  for (const [what, inner, expected] of [
    ['--version', ['--version'], 0],
    ['--help', ['--help'], 0],
    ['a bad option', ['--no-such-option', '--', 'true'], 125],
    ['no command', [], 125],
    ['--dry-run', ['--dry-run', '--', 'sh', '-c', 'exit 3'], 3],
  ] as const) {
    it(`the inner one with ${what}: exit ${expected}, the sidecar stopped by the outer`, async (t) => {
      const { stderr } = await nestedRun(t, 'nested', ['--', ...jobdone, ...inner], expected);
      assert.doesNotMatch(stderr, /shareProcessNamespace/);
    });
  }

  it('the inner one killed by SIGKILL: 137, the sidecar stopped by the outer', async (t) => {
    // The inner's job kills its parent, the inner jobdone.
    await nestedRun(t, 'killed', ['--', ...jobdone, '--', 'sh', '-c', 'kill -KILL $PPID; sleep 1'], 137);
  });

  it("the outer's --timeout SIGKILLs an inner whose job ignores SIGTERM: 124, the sidecar stopped", async (t) => {
    // The deadline must fall after the inner one has set up its signals (the source under tsx on
    // a loaded machine takes over a second, an emulated executable more): else SIGTERM kills it
    // before it can forward it, and no SIGKILL is needed.
    const timeout = `${Math.round(timeBound(5000))}ms`;
    const { stderr } = await nestedRun(t, 'timeout', ['--timeout', timeout, '--grace', '1s', '--', ...jobdone, '--grace', '30s', '--', 'sh', '-c', "trap '' TERM; sleep 60"], 124);
    assert.match(stderr, /sending SIGKILL/);
  });

  for (const how of ['hard link', 'symlink', 'copy'] as const) {
    it(`the inner one is a ${how} of the executable: exit 3, the sidecar stopped${how === 'copy' ? ', no shareProcessNamespace advice' : ''}`, async (t) => {
      const other = join(tempDir(t), 'jobdone-again');
      if (how === 'hard link') linkSync(file!, other);
      else if (how === 'symlink') symlinkSync(file!, other);
      else copyFileSync(file!, other);
      chmodSync(other, 0o755);
      const { stderr } = await nestedRun(t, 'linked', ['--', other, ...pre, '--', 'sh', '-c', 'exit 3'], 3);
      assert.match(stderr, /the job is jobdone itself/);
      assert.doesNotMatch(stderr, /shareProcessNamespace/);
    });
  }

  it("sh -c 'exec jobdone --version' (the outer may read the job before or after the exec): 0, the sidecar stopped", async (t) => {
    for (let run = 0; run < 3; run++) {
      const quoted = jobdone.map((arg) => `'${arg}'`).join(' ');
      await nestedRun(t, 'exec', ['--', 'sh', '-c', `exec ${quoted} --version`], 0);
    }
  });

  it("the inner one honours the outer's --skip: the skipped sidecar is never signalled, by either", async (t) => {
    const pod = await createPod({ name: 'skip', t });
    const kept = await pod.start({ name: 'kept', command: ['bash', '-c', 'exec -a fluent-bit sleep infinity'] });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdone, '--skip', 'fluent', '--grace', '1s', '--', ...jobdone, '--grace', '1s', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.doesNotMatch(main.stderr.text, /sent SIG\w+ pid=\d+ comm=sleep container=kept|comm=fluent/);
    assert.ok(kept.processes().length > 0, `the skipped sidecar was stopped:\n${main.stderr.text}`);
  });

  it("the outer honours the inner's --skip in its stop after it", async (t) => {
    const pod = await createPod({ name: 'innerskip', t });
    const kept = await pod.start({ name: 'kept', command: ['bash', '-c', 'exec -a fluent-bit sleep infinity'] });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdone, '--grace', '1s', '--', ...jobdone, '--skip', 'fluent', '--grace', '1s', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.ok(kept.processes().length > 0, `the skipped sidecar was stopped:\n${main.stderr.text}`);
  });

  it("the outer's --termination-log is written, with the inner's status", async (t) => {
    const log = join(tempDir(t), 'termination-log');
    await nestedRun(t, 'termlog', ['--termination-log', log, '--', ...jobdone, '--termination-log', '', '--', 'sh', '-c', 'exit 3'], 3);
    assert.match(readFileSync(log, 'utf8'), /exited with code 3/);
  });
});
