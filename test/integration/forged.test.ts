// Processes that look like something they are not, in a pod (the sandbox of test/sandbox): what
// jobdone decides must rest on what a process cannot forge.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ccSkipReason, compileC } from '../helpers/cc.ts';
import { jobdoneArgv, repoRoot } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason } from '../sandbox/pod.ts';

const skip = sandboxSkipReason() ?? ccSkipReason();
const blogSidecar = ['bash', '-c', "sleep infinity; echo 'stopping now!'"];

describe('forged processes in a pod', { skip, timeout: 60_000 }, () => {
  it('PID 2 calling itself kthreadd, parent 0, empty command line: not the node\'s namespace, the sidecars are stopped', async (t) => {
    const fake = compileC('fake-kthreadd');
    const pod = await createPod({ name: 'kthreadd', t });
    const impostor = await pod.start({ name: 'impostor', command: [fake] });
    await impostor.waitForOutput('started', { stream: 'stdout', timeoutMs: 10_000 });
    process.kill(impostor.hostPid, 'SIGUSR2');
    await impostor.waitForOutput('ready', { stream: 'stdout', timeoutMs: 10_000 });
    assert.equal(impostor.podPid, 2, 'the impostor must be PID 2 of the pod');
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    assert.equal(readFileSync(`/proc/${impostor.hostPid}/comm`, 'latin1'), 'kthreadd\n');
    assert.equal(readFileSync(`/proc/${impostor.hostPid}/cmdline`, 'latin1'), '', 'its command line reads empty');
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null }, main.stderr.text);
    assert.deepEqual(await impostor.exited, { code: 143, signal: 'SIGTERM' }, main.stderr.text);
    assert.doesNotMatch(main.stderr.text, /hostPID/);
    assert.ok(pod.pid1Alive());
  });

  it('a sidecar whose main thread has exited (pthread_exit) while threads run reads Z, yet is stopped', async (t) => {
    const program = compileC('main-thread-exits');
    const pod = await createPod({ name: 'threads', t });
    const sidecar = await pod.start({ name: 'sidecar', command: [program, '50'] });
    await sidecar.waitForOutput('started', { stream: 'stdout', timeoutMs: 10_000 });
    process.kill(sidecar.hostPid, 'SIGUSR2');
    await sidecar.waitForOutput('ready', { stream: 'stdout', timeoutMs: 10_000 });
    for (let i = 0; i < 500 && !readFileSync(`/proc/${sidecar.hostPid}/stat`, 'latin1').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(readFileSync(`/proc/${sidecar.hostPid}/stat`, 'latin1'), /\) Z /);
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--grace', '20s', '--', 'true'] });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 143, signal: 'SIGTERM' }, main.stderr.text);
    assert.match(main.stderr.text, /sent SIGTERM pid=\d+ comm=main-thread-exi/);
    assert.match(main.stderr.text, /sidecar container sidecar exited/);
  });
});
