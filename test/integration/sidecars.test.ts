// jobdone as the main container of a pod with shareProcessNamespace: true (the
// sandbox in test/sandbox), stopping real sidecar containers. Runs against the
// source and against dist/jobdone (TEST_JOBDONE=dist).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobdoneArgv, repoRoot, timeBound } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Container, type ContainerSpec, type Pod } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();
const trapper = join(repoRoot, 'test', 'fixtures', 'jobs', 'trap-signals.mjs');
const blogSidecar = ['bash', '-c', "sleep infinity; echo 'stopping now!'"];
const countdown = ['sh', '-c', 'for i in 10 9 8 7 6 5 4 3 2 1; do echo "$i"; sleep 0.05; done; echo "And it is a lift off!"'];

function jobdone(pod: Pod, args: string[], spec: Partial<ContainerSpec> = {}): Promise<Container> {
  return pod.start({ name: 'main', cwd: repoRoot, ...spec, command: [...jobdoneArgv(), ...args] });
}

async function ready(container: Container): Promise<Container> {
  await container.waitForOutput('ready', { stream: 'stdout', timeoutMs: 10_000 });
  return container;
}

function elapsed(since: number): number {
  return performance.now() - since;
}

describe('stopping sidecars in a pod', { skip, timeout: 60_000 }, () => {
  it("the blog post's pod: countdown job, endless sidecar; output intact, sidecar exits 0, PID 1 alive", async (t) => {
    const pod = await createPod({ name: 'blog', t });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await jobdone(pod, ['--', ...countdown]);
    assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
    assert.equal(main.stdout.text, '10\n9\n8\n7\n6\n5\n4\n3\n2\n1\nAnd it is a lift off!\n');
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.equal(sidecar.stdout.text, 'stopping now!\n');
    assert.match(main.stderr.text, /sent SIGTERM pid=\d+ comm=sleep/);
    assert.ok(pod.pid1Alive(), 'PID 1 (infra) must survive');
  });

  it('keeps exit code 3 and death by signal, and stops the sidecar in both cases', async (t) => {
    for (const [job, expected] of [[['sh', '-c', 'exit 3'], 3], [['sh', '-c', 'kill -USR2 $$'], 128 + 12]] as const) {
      const pod = await createPod({ name: 'status', t });
      const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
      const main = await jobdone(pod, ['--', ...job]);
      assert.equal((await main.exited).code, expected, main.stderr.text);
      assert.equal((await sidecar.exited).code, 0);
      assert.ok(pod.pid1Alive());
      await pod.destroy();
    }
  });

  it("jobdone -- jobdone -- sh -c 'exit 3' (an ENTRYPOINT repeated in the command): exit 3, the inner one stops, the outer one finds nothing left, no shareProcessNamespace warning", async (t) => {
    const pod = await createPod({ name: 'nested', t });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await jobdone(pod, ['--', ...jobdoneArgv(), '--', 'sh', '-c', 'exit 3']);
    assert.equal((await main.exited).code, 3, main.stderr.text);
    const stderr = main.stderr.text;
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.equal(sidecar.stdout.text, 'stopping now!\n');
    const count = (pattern: RegExp): number => stderr.split('\n').filter((line) => pattern.test(line)).length;
    assert.equal(count(/stopping sidecar container/), 1, stderr);
    assert.equal(count(/sent SIGTERM pid=\d+ comm=sleep/), 1, stderr);
    // The inner one's stop, then the outer one's: one scan, nothing left, no warning.
    assert.equal(count(/done: job exited with code 3; 1 container\(s\) stopped/), 1, stderr);
    assert.equal(count(/^jobdone: no sidecar to stop/), 1, stderr);
    assert.equal(count(/done: job exited with code 3; nothing to stop/), 1, stderr);
    assert.equal(count(/the job is jobdone itself \(pid \d+\): it stops the sidecars first; this one stops what is left after it/), 1, stderr);
    assert.doesNotMatch(stderr, /shareProcessNamespace|warn/);
    assert.ok(pod.pid1Alive());
  });

  it('a root job container stops a sidecar running as UID 1337', async (t) => {
    const pod = await createPod({ name: 'uid', t });
    const sidecar = await pod.start({ name: 'proxy', uid: 1337, command: ['sleep', 'infinity'] });
    const main = await jobdone(pod, ['--', 'true']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    // sleep dies of TERM: as a container's main process that is the kubelet's way too.
    assert.deepEqual(await sidecar.exited, { code: 143, signal: 'SIGTERM' });
  });

  it('a job running as UID 1000 cannot signal a UID 1337 sidecar: one clear EPERM line, the job\'s code, no hang', async (t) => {
    const pod = await createPod({ name: 'eperm', t });
    const sidecar = await pod.start({ name: 'proxy', uid: 1337, command: ['sleep', 'infinity'] });
    const started = performance.now();
    const main = await jobdone(pod, ['--grace', '5s', '--', 'sh', '-c', 'exit 4'], { uid: 1000 });
    assert.equal((await main.exited).code, 4, main.stderr.text);
    assert.ok(elapsed(started) < timeBound(4000), `took ${elapsed(started)} ms: waited for a container it cannot stop`);
    const eperm = main.stderr.text.split('\n').filter((line) => /permission denied/.test(line));
    assert.equal(eperm.length, 1, main.stderr.text);
    assert.match(eperm[0]!, /pid=\d+/);
    assert.match(eperm[0]!, /comm=sleep/);
    assert.match(eperm[0]!, /uid=1337/);
    assert.match(eperm[0]!, /root|CAP_KILL|shutdown endpoint/);
    assert.equal(sidecar.running, true);
  });

  it('a sidecar that ignores SIGTERM is SIGKILLed after --grace 1s', async (t) => {
    const pod = await createPod({ name: 'stubborn', t });
    const sidecar = await ready(await pod.start({ name: 'stubborn', command: ['bash', '-c', "trap '' TERM; echo ready; exec sleep infinity"] }));
    const started = performance.now();
    const main = await jobdone(pod, ['--grace', '1s', '--', 'true']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    const took = elapsed(started);
    assert.ok(took >= 1000 && took < timeBound(4000), `jobdone took ${took} ms with --grace 1s`);
    assert.deepEqual(await sidecar.exited, { code: 137, signal: 'SIGKILL' });
    assert.match(main.stderr.text, /SIGKILL/);
  });

  it('two sidecar containers, one with children, grandchildren and an orphan: every process is gone', async (t) => {
    const pod = await createPod({ name: 'tree', t });
    const tree = await ready(await pod.start({
      name: 'tree',
      command: ['bash', '-c', '(sleep 1000 &); bash -c "sleep 1000 & sleep 1000; wait" & sleep 1000 & echo ready; wait'],
    }));
    const other = await pod.start({ name: 'other', uid: 1337, command: blogSidecar });
    assert.ok(tree.processes().length >= 5, `expected a tree, got ${tree.processes().length} processes`);
    const main = await jobdone(pod, ['--grace', '2s', '--', 'true']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    await tree.exited;
    await other.exited;
    assert.deepEqual(tree.processes(), []);
    assert.deepEqual(other.processes(), []);
    // Only PID 1 and nothing else is left in the pod.
    assert.deepEqual(pod.processes().map((p) => p.podPid), [1]);
  });

  it('containers in their own cgroup namespace (cgroup v2 style) are told apart', async (t) => {
    const pod = await createPod({ name: 'cgns', t });
    const sidecar = await pod.start({ name: 'sidecar', cgroupNamespace: true, command: blogSidecar });
    const main = await jobdone(pod, ['--', 'true'], { cgroupNamespace: true });
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.equal(sidecar.stdout.text, 'stopping now!\n');
  });

  it("a process of jobdone's own container that the job did not start is not signalled", async (t) => {
    const pod = await createPod({ name: 'own', t });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await jobdone(pod, ['--', 'sh', '-c', 'echo ready; sleep 1']);
    await main.waitForOutput('ready', { stream: 'stdout' });
    // As `kubectl exec -c main`: a process in the job's container, not the job's.
    const execd = await pod.exec(['sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { container: 'main' });
    const bystander = Number(execd.stdout.trim());
    const seenBefore = await pod.exec(['cat', `/proc/${bystander}/comm`]);
    assert.equal(seenBefore.stdout, 'sleep\n');
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.equal((await sidecar.exited).code, 0);
    assert.doesNotMatch(main.stderr.text, new RegExp(`pid=${bystander} `));
  });

  it('SIGTERM to jobdone during the job: the job gets it, its exit code comes back, sidecars stopped', async (t) => {
    const pod = await createPod({ name: 'term', t });
    const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
    const main = await ready(await jobdone(pod, ['--', process.execPath, trapper, '1', '21', 'TERM']));
    main.kill('SIGTERM');
    assert.equal((await main.exited).code, 21, main.stderr.text);
    assert.match(main.stdout.text, /got-TERM/);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
  });
});

describe('targeting options in a pod', { skip, timeout: 60_000 }, () => {
  const targeting = [
    { flags: ['--only', 'sleep'], what: '--only sleep signals only the sleeps (pkill sleep); a container without a match is left alone' },
    { flags: ['--skip', 'trap-signals'], what: '--skip leaves a matching container alone and stops the rest' },
  ];
  for (const { flags, what } of targeting) {
    it(what, async (t) => {
      const pod = await createPod({ name: flags[0]!.slice(2), t });
      const blog = await pod.start({ name: 'blog', command: blogSidecar });
      const agent = await ready(await pod.start({ name: 'agent', command: [process.execPath, trapper, '99', '0', 'TERM'] }));
      const main = await jobdone(pod, [...flags, '--grace', '1s', '--', 'true']);
      assert.equal((await main.exited).code, 0, main.stderr.text);
      assert.deepEqual(await blog.exited, { code: 0, signal: null });
      assert.equal(agent.running, true);
      assert.doesNotMatch(agent.stdout.text, /got-TERM/);
    });
  }

  it('--signal INT and --signal-for node=QUIT choose what each sidecar gets', async (t) => {
    const pod = await createPod({ name: 'sig', t });
    const intOnly = await ready(await pod.start({ name: 'intonly', command: ['bash', '-c', `echo ready; exec ${process.execPath} ${trapper} 1 0 INT`] }));
    const main = await jobdone(pod, ['--signal', 'INT', '--grace', '3s', '--', 'true']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.deepEqual(await intOnly.exited, { code: 0, signal: null });
    assert.match(intOnly.stdout.text, /got-INT/);

    const pod2 = await createPod({ name: 'sigfor', t });
    const quitter = await ready(await pod2.start({ name: 'quitter', command: [process.execPath, trapper, '1', '0', 'QUIT'] }));
    const blog = await pod2.start({ name: 'blog', command: blogSidecar });
    const main2 = await jobdone(pod2, ['--signal-for', 'node=QUIT', '--grace', '3s', '--', 'true']);
    assert.equal((await main2.exited).code, 0, main2.stderr.text);
    assert.deepEqual(await quitter.exited, { code: 0, signal: null });
    assert.match(quitter.stdout.text, /got-QUIT/);
    assert.deepEqual(await blog.exited, { code: 0, signal: null }, 'the others still get TERM');
  });

  it('--no-kill: a sidecar still running after the grace period is reported, not killed', async (t) => {
    const pod = await createPod({ name: 'nokill', t });
    const stubborn = await ready(await pod.start({ name: 'stubborn', command: [process.execPath, trapper, '99', '0', 'TERM'] }));
    const started = performance.now();
    const main = await jobdone(pod, ['--no-kill', '--grace', '1s', '--', 'true']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.ok(elapsed(started) < timeBound(4000));
    assert.match(stubborn.stdout.text, /got-TERM/);
    assert.equal(stubborn.running, true);
    assert.match(main.stderr.text, /still running/);
    assert.doesNotMatch(main.stderr.text, /SIGKILL/);
  });

  it('a job that runs a while: the pod is looked at early, the stop reads those processes from the held files and stops a container started after that look too', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-early-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pod = await createPod({ name: 'early', t });
    const first = await pod.start({ name: 'first', command: blogSidecar });
    // The job ends when the test says so: after the early look and the late container's start.
    const main = await jobdone(pod, ['--verbose', '--', 'sh', '-c', `while [ ! -e ${dir}/go ]; do sleep 0.02; done`]);
    const heldLine = await main.waitForOutput(/looked at the pod while the job runs: the files of (\d+) processes held for the stop/, { stream: 'stderr', timeoutMs: 10_000 });
    const late = await ready(await pod.start({ name: 'late', command: ['bash', '-c', 'sleep infinity & echo ready; wait; echo stopping now!'] }));
    writeFileSync(join(dir, 'go'), '');
    assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    assert.deepEqual(await late.exited, { code: 0, signal: null });
    assert.ok(Number(/(\d+) processes held/.exec(heldLine)?.[1]) >= 4, heldLine);
    const [, processes, known] = /first look: (\d+) processes, (\d+) of them read from the files held since the job ran/.exec(main.stderr.text) ?? [];
    // PID 1, jobdone and the first sidecar's bash and sleep at least were known; the late one's two were not.
    assert.ok(Number(known) >= 4 && Number(processes) - Number(known) >= 2, main.stderr.text);
    assert.match(main.stderr.text, /sidecar container late exited/);
    assert.ok(pod.pid1Alive());
  });
});
