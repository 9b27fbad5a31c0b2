import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { isAlive, repoRoot, startJobdone } from '../helpers/jobdone.ts';

const trapper = join(repoRoot, 'test', 'fixtures', 'jobs', 'trap-signals.mjs');
const trapJob = (exitAfter: number, exitCode: number, ...signals: string[]): string[] =>
  ['--', process.execPath, trapper, String(exitAfter), String(exitCode), ...signals];

function gotLines(stdout: Buffer): string[] {
  return stdout.toString().split('\n').filter((line) => line.startsWith('got-'));
}

describe('signals', () => {
  it('forwards TERM, INT, HUP, QUIT, USR1, USR2 sent in a row, and the job\'s own exit code comes back', async () => {
    const run = startJobdone(trapJob(6, 42, 'TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2'));
    await run.stdoutHas('ready');
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) run.child.kill(signal);
    const result = await run.finished;
    assert.equal(result.code, 42, result.stderr);
    assert.deepEqual(gotLines(result.stdout).sort(), ['got-HUP', 'got-INT', 'got-QUIT', 'got-TERM', 'got-USR1', 'got-USR2']);
  });

  it('delivers a repeated signal each time', async () => {
    const run = startJobdone(trapJob(4, 0, 'USR1'));
    await run.stdoutHas('ready');
    for (let i = 1; i <= 4; i += 1) {
      run.child.kill('SIGUSR1');
      // Wait for each one to land: identical pending signals merge in the kernel.
      await run.stdoutHas('got-USR1\n'.repeat(i));
    }
    const result = await run.finished;
    assert.equal(result.code, 0);
    assert.equal(gotLines(result.stdout).length, 4);
  });

  it('forwards WINCH, CONT and ALRM, but not CHLD', async () => {
    const run = startJobdone(trapJob(4, 0, 'WINCH', 'CONT', 'ALRM', 'CHLD', 'TERM'));
    await run.stdoutHas('ready');
    for (const signal of ['SIGWINCH', 'SIGCONT', 'SIGALRM', 'SIGCHLD'] as const) run.child.kill(signal);
    await run.stdoutHas('got-ALRM');
    // Had CHLD been forwarded it would arrive with the others; give it time to show.
    await sleep(300);
    run.child.kill('SIGTERM');
    const result = await run.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(gotLines(result.stdout).sort(), ['got-ALRM', 'got-CONT', 'got-TERM', 'got-WINCH']);
  });

  it('a job that takes 1.5 s to clean up after TERM and exits 0 gives 0', async () => {
    const run = startJobdone(['--', 'bash', '-c', "trap 'sleep 1.5; echo cleaned; exit 0' TERM; echo ready; while :; do sleep 0.05 & wait $!; done"]);
    await run.stdoutHas('ready');
    const sentAt = performance.now();
    run.child.kill('SIGTERM');
    const result = await run.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /cleaned/);
    assert.ok(performance.now() - sentAt >= 1400, 'jobdone did not wait for the cleanup');
  });

  it('the job starts with default signal dispositions and an empty signal mask', async () => {
    const result = await startJobdone(['--', 'sh', '-c', 'grep -E "^Sig(Blk|Ign):" /proc/self/status']).finished;
    assert.equal(result.code, 0);
    assert.match(result.stdout.toString(), /SigBlk:\s+0+\n/);
    // sh itself may ignore nothing at start; a non-default disposition inherited from node (SIGPIPE) would show here.
    assert.match(result.stdout.toString(), /SigIgn:\s+0+\n/);
  });

  it('after SIGTERM to jobdone no process of the job is left running', async () => {
    // The shell dies of TERM at once; its two background sleeps would outlive it.
    const run = startJobdone(['--grace', '2s', '--', 'sh', '-c', 'sleep 300 & echo $!; sleep 300 & echo $!; echo ready; wait']);
    await run.stdoutHas('ready');
    const pids = run.child.stdout ? [] as number[] : [];
    run.child.kill('SIGTERM');
    const result = await run.finished;
    for (const line of result.stdout.toString().split('\n')) if (/^\d+$/.test(line)) pids.push(Number(line));
    assert.equal(pids.length, 2);
    assert.equal(result.code, 143, result.stderr);
    // The command line is read only for a survivor: where PID 1 reaps at once (systemd on a real
    // machine) a stopped process has no /proc entry left to read.
    for (const pid of pids) if (isAlive(pid)) assert.fail(`job process ${pid} survived: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}`);
  });
});
