// Issue 10 item 7: jobdone reported sidecars "killed" or "exited" while processes forked after
// its first look kept running. Here the sandbox does not kill what is left of a container when
// its main process exits (a runtime would), so the test sees what jobdone alone left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobdoneArgv, repoRoot } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Container } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();

const sidecars: Array<[string, string[]]> = [
  // A shell whose children get the SIGTERM (the shell is left to finish its script), forking a
  // child that lives 1 s every 10 ms.
  ['a shell forking every 10 ms', ['sh', '-c', 'echo ready; while :; do sleep 1 & sleep 0.01; done']],
  // A program that ignores SIGTERM and starts a child of its own session every 10 ms.
  ['node forking every 10 ms', ['node', '-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => require('child_process').spawn('sleep', ['5'], { detached: true, stdio: 'ignore' }).unref(), 10)"]],
  // A program that answers SIGTERM by leaving a daemon behind and exiting 0.
  ['a sidecar that daemonizes on SIGTERM', ['node', '-e', "process.on('SIGTERM', () => { require('child_process').spawn('sh', ['-c', 'trap \"\" TERM; exec sleep 30'], { detached: true, stdio: 'ignore' }).unref(); setTimeout(() => process.exit(0), 50); }); console.log('ready'); setInterval(() => {}, 1000)"]],
];

describe('a stopped container is empty when jobdone exits', { skip, timeout: 120_000 }, () => {
  for (const [what, command] of sidecars) {
    it(what, async (t) => {
      const pod = await createPod({ name: 'forker', t });
      const sidecar: Container = await pod.start({ name: 'sidecar', command, runtimeKillsLeftovers: false });
      await sidecar.waitForOutput('ready', { timeoutMs: 10_000 });
      const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '1s', '--', 'sleep', '0.3'] });
      assert.equal((await main.exited).code, 0, main.stderr.text);
      assert.deepEqual(sidecar.processes(), [], `left in the sidecar container:\n${main.stderr.text}`);
      assert.doesNotMatch(main.stderr.text, /still-running/);
      assert.ok(pod.pid1Alive());
    });
  }
});

// Issue 18 item 16: what jobdone reports must be what is left. Without a runtime that kills the
// rest of a container when its main process exits (runc does, for a pod with a shared PID
// namespace), two kinds of process can outlast jobdone's SIGKILL; see docs/limitations.md.
describe('what is left is what jobdone says is left', { skip, timeout: 120_000 }, () => {
  // Each generation forks the next and exits, all ignoring SIGTERM; the main shell stays.
  const hop = 'trap "" TERM; f() { (sleep 0.001; f) & }; f; echo ready; while :; do sleep 1; done';

  it('a child that renames itself runc:[2:INIT] after SIGTERM is adopted and killed, not taken for a container still starting', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-renamer-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // `runc init` in argv and runc:[2:INIT] as comm, as runc's own init shows: a bash started as
    // runc (argv0) through a link of that name, running the script `init` from its directory.
    symlinkSync('/bin/bash', join(dir, 'runc:[2:INIT]'));
    writeFileSync(join(dir, 'init'), 'trap "" TERM\nwhile :; do sleep 0.05; done\n');
    const onTerm = `require('child_process').spawn('./runc:[2:INIT]', ['init'], { argv0: 'runc', cwd: ${JSON.stringify(dir)}, detached: true, stdio: 'ignore' }).unref(); setTimeout(() => process.exit(0), 100);`;
    const pod = await createPod({ name: 'renamer', t });
    const sidecar = await pod.start({ name: 'sidecar', command: ['node', '-e', `process.on('SIGTERM', () => { ${onTerm} }); console.log('ready'); setInterval(() => {}, 1000)`], runtimeKillsLeftovers: false });
    await sidecar.waitForOutput('ready', { timeoutMs: 10_000 });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '2s', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(sidecar.processes(), [], `left in the sidecar container:\n${main.stderr.text}`);
    assert.match(main.stderr.text, /appeared in sidecar after the first look|sent SIGKILL/);
  });

  it('a lineage that changes pid every millisecond: caught by the runtime once jobdone SIGKILLs the main process', async (t) => {
    const pod = await createPod({ name: 'hopper', t });
    const sidecar = await pod.start({ name: 'sidecar', command: ['sh', '-c', hop] });
    await sidecar.waitForOutput('ready', { timeoutMs: 10_000 });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '500ms', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    await sidecar.exited;
    assert.deepEqual(sidecar.processes(), [], main.stderr.text);
  });
});
