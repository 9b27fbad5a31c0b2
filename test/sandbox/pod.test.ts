import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { skipUnlessCI } from './host.ts';
import { createPod, sandboxSkipReason, withPod, type Pod } from './pod.ts';
import { readStat } from './procfs.ts';

const skip = sandboxSkipReason();
if (skip !== undefined) console.warn(`# pod sandbox tests SKIPPED: ${skip}`);
const opts = { skip, timeout: 15_000 };
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// Docker's default set (CHOWN ... SETFCAP) as it shows in /proc/<pid>/status.
const DOCKER_DEFAULT_CAP_MASK = '00000000a80425fb';

async function text(pod: Pod, command: string[], options: Parameters<Pod['exec']>[1] = {}): Promise<string> {
  const result = await pod.exec(command, options);
  assert.equal(result.code, 0, `${command.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function procStatusField(hostPid: number, field: string): string {
  const line = readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim() ?? '';
}

function cgroupV2Line(cgroupFile: string): string {
  const line = cgroupFile.split('\n').find((l) => l.startsWith('0::'));
  assert.ok(line !== undefined, `no v2 line in ${JSON.stringify(cgroupFile)}`);
  return line;
}

describe('pod sandbox', () => {
  test('CI never skips the sandbox: a reason to skip is an error when CI is set', () => {
    assert.throws(() => skipUnlessCI('pod sandbox needs root', 'true'), { message: 'CI is set but the pod sandbox cannot run: pod sandbox needs root' });
    assert.equal(skipUnlessCI('pod sandbox needs root', undefined), 'pod sandbox needs root');
    assert.equal(skipUnlessCI('pod sandbox needs root', ''), 'pod sandbox needs root');
    assert.equal(skipUnlessCI(undefined, 'true'), undefined);
  });

  test('PID 1 is catatonit, the pod sees only its own processes, hostname is the pod name', opts, async (t) => {
    const pod = await createPod({ name: 'ident', t });
    assert.ok(pod.pid1Alive());
    assert.equal(await text(pod, ['cat', '/proc/1/comm']), 'catatonit\n');
    assert.equal(await text(pod, ['hostname']), 'ident\n');
    const comms = await text(pod, ['sh', '-c', 'for p in /proc/[0-9]*; do cat $p/comm; done']);
    assert.ok(!comms.includes('kthreadd'), `kernel threads visible: ${comms}`);
    assert.ok(comms.split('\n').filter(Boolean).length <= 4, `unexpected processes: ${comms}`);
  });

  test('containers see each other in /proc', opts, async (t) => {
    const pod = await createPod({ t });
    const a = await pod.start({ name: 'a', command: ['sleep', '30'] });
    const b = await pod.start({ name: 'b', uid: 1337, command: ['sleep', '31'] });
    assert.equal(await text(pod, ['cat', `/proc/${b.podPid}/cmdline`], { container: 'a' }), 'sleep\x0031\x00');
    assert.equal(await text(pod, ['cat', `/proc/${a.podPid}/cmdline`], { container: 'b', uid: 1337 }), 'sleep\x0030\x00');
  });

  test('a main process has PPid 0 in the pod; its orphans are reparented to PID 1', opts, async (t) => {
    const pod = await createPod({ t });
    const main = await pod.start({ name: 'main', command: ['sh', '-c', 'sh -c "sleep 30 & echo orphan \\$!"; sleep 30'] });
    const orphan = Number((await main.waitForOutput(/orphan \d+/)).split(' ')[1]);
    assert.equal(await text(pod, ['sh', '-c', `grep PPid /proc/${main.podPid}/status`]), 'PPid:\t0\n');
    assert.equal(await text(pod, ['sh', '-c', `grep PPid /proc/${orphan}/status`]), 'PPid:\t1\n');
    const pids = main.processes().map((p) => p.podPid);
    assert.equal(pids[0], main.podPid, 'processes() lists the main process first');
    assert.ok(pids.includes(orphan), 'the orphan stays in its container cgroup');
  });

  test('/proc/<pid>/cgroup tells containers apart (no cgroup namespace: full paths)', opts, async (t) => {
    const pod = await createPod({ t });
    const a = await pod.start({ name: 'a', command: ['sh', '-c', 'sleep 30 & echo ready; wait'] });
    const b = await pod.start({ name: 'b', uid: 1000, command: ['sleep', '30'] });
    await a.waitForOutput('ready');
    const [aMain, aChild] = a.processes();
    assert.ok(aMain !== undefined && aChild !== undefined, 'container a has two processes');
    const read = (pid: number): Promise<string> => text(pod, ['cat', `/proc/${pid}/cgroup`], { uid: 1000 });
    const [ofAMain, ofAChild, ofB] = await Promise.all([read(aMain.podPid), read(aChild.podPid), read(b.podPid)]);
    assert.equal(ofAMain, ofAChild);
    assert.notEqual(ofAMain, ofB);
    assert.match(ofAMain, new RegExp(`/jobdone-sandbox/${pod.cgroupName}/a$`, 'm'));
    assert.match(ofB, new RegExp(`/jobdone-sandbox/${pod.cgroupName}/b$`, 'm'));
  });

  test('with cgroupNamespace a container sees its own cgroup as 0::/ and others as 0::/../<name>', opts, async (t) => {
    const pod = await createPod({ t });
    const b = await pod.start({ name: 'b', cgroupNamespace: true, command: ['sleep', '30'] });
    const a = await pod.start({
      name: 'a',
      uid: 1337,
      cgroupNamespace: true,
      command: ['sh', '-c', `cat /proc/self/cgroup; echo ---; sleep 30 & cat /proc/$!/cgroup; echo ---; cat /proc/${b.podPid}/cgroup`],
    });
    assert.equal((await a.exited).code, 0, a.stderr.text);
    const [own, child, other] = a.stdout.text.split('---\n');
    assert.equal(cgroupV2Line(own!), '0::/');
    assert.equal(own, child);
    assert.equal(cgroupV2Line(other!), '0::/../b');
    // kubectl exec into a shows the same view as its main process
    const viaExec = await text(pod, ['cat', '/proc/self/cgroup'], { container: 'b' });
    assert.equal(cgroupV2Line(viaExec), '0::/');
  });

  test('UIDs and CAP_KILL: 1000 cannot signal 1337, root can, root without KILL cannot', opts, async (t) => {
    const pod = await createPod({ t });
    const sidecar = await pod.start({ name: 'sidecar', uid: 1337, command: ['sleep', '30'] });
    assert.equal(procStatusField(sidecar.hostPid, 'Uid'), '1337\t1337\t1337\t1337');
    assert.equal(procStatusField(sidecar.hostPid, 'CapEff'), '0000000000000000');
    const probe = async (name: string, spec: { uid?: number; dropCaps?: string[] }) => {
      const c = await pod.start({ name, ...spec, command: ['sh', '-c', `grep CapEff /proc/$$/status; kill -0 ${sidecar.podPid}`] });
      return { ...(await c.exited), out: c.stdout.text, err: c.stderr.text };
    };
    const asRoot = await probe('root', {});
    assert.equal(asRoot.code, 0, asRoot.err);
    assert.match(asRoot.out, new RegExp(`CapEff:\\s+${DOCKER_DEFAULT_CAP_MASK}`));
    const as1000 = await probe('user', { uid: 1000 });
    assert.equal(as1000.code, 1);
    assert.match(as1000.err, /Operation not permitted/);
    const noKill = await probe('nokill', { dropCaps: ['KILL'] });
    assert.equal(noKill.code, 1);
    assert.match(noKill.err, /Operation not permitted/);
    const same = await probe('same', { uid: 1337 });
    assert.equal(same.code, 0, same.err);
    assert.ok(sidecar.running, 'kill -0 did not hurt the sidecar');
  });

  test('exit status is reported as a runtime does: code, or 128+N after signal N', opts, async (t) => {
    const pod = await createPod({ t });
    const run = async (name: string, script: string) => (await pod.start({ name, command: ['sh', '-c', script] })).exited;
    assert.deepEqual(await run('seven', 'exit 7'), { code: 7, signal: null });
    assert.deepEqual(await run('term', 'kill -TERM $$'), { code: 143, signal: 'SIGTERM' });
    assert.deepEqual(await run('kill', 'kill -KILL $$'), { code: 137, signal: 'SIGKILL' });
    assert.deepEqual(await run('segv', 'kill -SEGV $$'), { code: 139, signal: 'SIGSEGV' });
    const stopped = await pod.start({ name: 'stopped', command: ['sleep', '30'] });
    stopped.kill('SIGINT');
    assert.deepEqual(await stopped.exited, { code: 130, signal: 'SIGINT' });
    assert.deepEqual(await run('missing', 'exec /nonexistent'), { code: 127, signal: null });
    const bash = await pod.start({ name: 'sidecar', uid: 1337, command: ['bash', '-c', "sleep infinity; echo 'stopping now!'"] });
    const [, sleeper] = await waitForProcesses(bash, 2);
    process.kill(sleeper!.hostPid, 'SIGTERM'); // the 2020 `pkill sleep` trick: the shell goes on and exits 0
    assert.deepEqual(await bash.exited, { code: 0, signal: null });
    assert.equal(bash.stdout.text, 'stopping now!\n');
  });

  test('when the main process exits, the rest of its container is killed', opts, async (t) => {
    const pod = await createPod({ t });
    const other = await pod.start({ name: 'other', command: ['sleep', '30'] });
    const c = await pod.start({ name: 'c', command: ['sh', '-c', 'sleep 30 & echo $!; exit 0'] });
    await c.exited;
    assert.deepEqual(c.processes(), []);
    assert.ok(other.running, 'other containers are untouched');
    assert.ok(pod.pid1Alive());
  });

  test('loopback works inside the pod and is not reachable from the host', opts, async (t) => {
    const pod = await createPod({ t });
    const token = `pod-${process.pid}-${Date.now()}`;
    const server = await pod.start({
      name: 'server',
      uid: 1337,
      command: ['node', '-e', `require('http').createServer((q, s) => s.end(${JSON.stringify(token)})).listen(0, '127.0.0.1', function () { console.log('port', this.address().port) })`],
    });
    const port = Number((await server.waitForOutput(/port \d+/)).split(' ')[1]);
    const client = await pod.start({ name: 'client', uid: 1000, command: ['busybox', 'wget', '-qO-', `http://127.0.0.1:${port}/`] });
    assert.equal((await client.exited).code, 0, client.stderr.text);
    assert.equal(client.stdout.text, token);
    assert.equal(await text(pod, ['sh', '-c', "busybox ip -o link | cut -d: -f2 | tr -d ' '"]), 'lo\n');
    const fromHost = await new Promise<string>((resolve) => {
      get({ host: '127.0.0.1', port, timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      }).on('error', (error) => resolve(`error ${error.message}`));
    });
    assert.notEqual(fromHost, token);
  });

  test('a non-root container runs the checkout with node and tsx', opts, async (t) => {
    const pod = await createPod({ name: 'tsxpod', t });
    const c = await pod.start({ name: 'job', uid: 1000, cwd: repoRoot, command: ['node', '--import', 'tsx', 'test/sandbox/fixtures/whoami.ts'] });
    assert.equal((await c.exited).code, 0, c.stderr.text);
    assert.deepEqual(JSON.parse(c.stdout.text), { uid: 1000, hostname: 'tsxpod' });
  });

  test('destroy leaves no process and no cgroup directory behind', opts, async () => {
    const pod = await createPod();
    const before = await populate(pod);
    await pod.destroy();
    assertGone(pod, before);
    await pod.destroy(); // idempotent
  });

  test('withPod destroys the pod when the body throws', opts, async () => {
    let seen: { pod: Pod; pids: number[] } | undefined;
    await assert.rejects(
      withPod(async (pod) => {
        seen = { pod, pids: await populate(pod) };
        throw new Error('test body failed');
      }),
      /test body failed/,
    );
    assert.ok(seen !== undefined);
    assertGone(seen.pod, seen.pids);
  });
});

async function waitForProcesses(container: { processes(): { hostPid: number; podPid: number }[] }, count: number) {
  for (let i = 0; i < 200; i++) {
    const found = container.processes();
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${count} processes appeared`);
}

/** Starts containers with children and orphans; returns the host PIDs of everything in the pod. */
async function populate(pod: Pod): Promise<number[]> {
  await pod.start({ name: 'sidecar', uid: 1337, command: ['bash', '-c', "sleep infinity; echo 'stopping now!'"] });
  const job = await pod.start({ name: 'job', cgroupNamespace: true, command: ['sh', '-c', 'sh -c "sleep 30 &"; sleep 30 & echo ready; wait'] });
  await job.waitForOutput('ready');
  const pids = pod.processes().map((p) => p.hostPid);
  assert.ok(pids.length >= 5, `expected PID 1 and at least 4 processes, got ${pids.length}`);
  return pids;
}

function assertGone(pod: Pod, hostPids: number[]): void {
  assert.equal(pod.pid1Alive(), false);
  assert.deepEqual(pod.processes(), []);
  for (const pid of hostPids) assert.equal(readStat(pid), undefined, `process ${pid} survived`);
  for (const hierarchy of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    assert.equal(existsSync(`${hierarchy}/jobdone-sandbox/${pod.cgroupName}`), false, `${hierarchy} still has the pod cgroup`);
  }
}
