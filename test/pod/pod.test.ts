import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessInfo } from '../../src/proc/process-info.ts';
import { fileURLToPath } from 'node:url';
import { buildPod, type Pod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/proc/${name}`, import.meta.url));
const podOf = (name: string, selfPid: number, jobPid?: number): Pod => buildPod(scanProcesses(fixture(name)), { selfPid, jobPid });
const roles = (pod: Pod): Record<number, string> => Object.fromEntries(pod.roleOf);
const containers = (pod: Pod) => pod.others.map((c) => ({ id: c.shortId, pids: c.processes.map((p) => p.pid), mains: c.mains.map((p) => p.pid) }));

// The same pod as cgroup v1, v2 with cgroup namespaces, and hybrid (every container shows `0::/`).
for (const layout of ['pod-v1', 'pod-v2', 'pod-hybrid']) {
  test(`${layout}: containers, mains and roles`, () => {
    const pod = podOf(layout, 7, 20);
    assert.deepEqual(containers(pod), [
      { id: 'bbbbbbbbbbbb', pids: [3, 12], mains: [3] },
      { id: 'cccccccccccc', pids: [4, 15], mains: [4] },
      { id: 'dddddddddddd', pids: [5, 16, 17], mains: [5] },
    ]);
    // With a cgroup namespace jobdone sees its own cgroup as `0::/`: no id in it, so a stable hash.
    assert.match(pod.ownContainer?.shortId ?? '', layout === 'pod-v2' ? /^cg-[0-9a-f]{8}$/ : /^a1b2c3d4e5f6$/);
    assert.deepEqual(pod.ownContainer?.processes.map((p) => p.pid), [7, 8, 20, 21, 30, 31, 32, 33]);
    assert.deepEqual(roles(pod), {
      1: 'infra',
      3: 'sidecar', 12: 'sidecar', 4: 'sidecar', 15: 'sidecar', 5: 'sidecar', 16: 'sidecar', 17: 'sidecar',
      7: 'self',
      8: 'own-container', // a `kubectl exec` shell: in jobdone's container, not started by the job
      20: 'job', 21: 'job', // the job and its child
      30: 'job', 31: 'job', // an orphan of the job (ppid 1, job's session, started after jobdone) and its child
      32: 'own-container', // orphan of the exec shell: other session
      33: 'own-container', // started before jobdone
    });
    assert.deepEqual([...pod.jobDescendants].sort(), [20, 21]);
    assert.deepEqual([...pod.jobOrphans].sort(), [30, 31]);
    assert.equal(pod.hostPidNamespace, false);
    assert.equal(pod.sharedPidNamespace, true);
  });
}

test('the job pid only counts while it is still a child of jobdone (reaped and reused otherwise)', () => {
  // 21 exists but is not jobdone's child: a reused pid must not pull its tree in as "the job".
  const pod = podOf('pod-v1', 7, 21);
  assert.deepEqual([...pod.jobDescendants], []);
  assert.equal(pod.roleOf.get(21), 'own-container');
  // The job was reaped: its leftovers are still found as orphans only if reparented to PID 1.
  const reaped = podOf('pod-v1', 7, 999);
  assert.deepEqual([...reaped.jobDescendants], []);
});

test('without a job pid, the job\'s session is unknown: its processes are own-container, never touched', () => {
  const pod = podOf('pod-v1', 7);
  // 30 is in session 20 (the job's setsid session), unknown without the job pid.
  assert.equal(pod.roleOf.get(30), 'own-container');
  assert.equal(pod.roleOf.get(20), 'own-container');
});

test('ancestors of jobdone are found along the ppid chain', () => {
  // In pod-v1, pretend psql (21) is jobdone: bash 20 and node 7 are its ancestors.
  const pod = podOf('pod-v1', 21);
  assert.deepEqual([...pod.ancestors].sort(), [20, 7]);
  assert.equal(pod.roleOf.get(7), 'ancestor');
  assert.equal(pod.roleOf.get(20), 'ancestor');
});

test('host PID namespace: kthreadd and kernel threads are recognised', () => {
  const pod = podOf('host-pid', 600, 610);
  assert.equal(pod.hostPidNamespace, true);
  assert.equal(pod.roleOf.get(2), 'kernel');
  assert.equal(pod.roleOf.get(3), 'kernel');
  assert.equal(pod.roleOf.get(500), 'ancestor');
  assert.equal(pod.roleOf.get(620), 'job');
  assert.ok(pod.jobOrphans.has(620));
  assert.equal(pod.jobDescendants.has(620), false);
  assert.deepEqual(pod.others.map((c) => c.shortId).sort(), ['eeeeeeeeeeee', 'ssh.service']);
});

test('a pod PID 2 that is not kthreadd does not make a host namespace', () => {
  // In pod-v1 PID 2 does not exist; in a pod it is an ordinary process. weird/ has no pid 2 either.
  const processes = scanProcesses(fixture('pod-v1')).map((p) => (p.pid === 3 ? { ...p, pid: 2, comm: 'kthreadd' } : p));
  const pod = buildPod(processes, { selfPid: 7, jobPid: 20 });
  assert.equal(pod.hostPidNamespace, false, 'it has a cmdline, so it is not the kernel thread');
});

test('a pod PID 2 that calls itself kthreadd, with parent 0 and an empty command line, is still no kernel thread', () => {
  // Everything but PF_KTHREAD can be forged: prctl(PR_SET_NAME), an unmapped argv, and a
  // container's first process has ppid 0. It used to make jobdone stop nothing in the whole pod.
  const forged = (p: ProcessInfo): ProcessInfo => ({ ...p, pid: 2, ppid: 0, comm: 'kthreadd', cmdline: [] });
  const processes = scanProcesses(fixture('pod-v1')).map((p) => (p.pid === 3 ? forged(p) : p));
  const pod = buildPod(processes, { selfPid: 7, jobPid: 20 });
  assert.equal(pod.hostPidNamespace, false);
  assert.notEqual(pod.roleOf.get(2), 'kernel');
  const real = buildPod(processes.map((p) => (p.pid === 2 ? { ...p, kernelThread: true } : p)), { selfPid: 7, jobPid: 20 });
  assert.equal(real.hostPidNamespace, true, 'the kernel mark decides');
});

test('no shareProcessNamespace: jobdone is PID 1 and sees only its own container', () => {
  const pod = podOf('no-share', 1, 7);
  assert.equal(pod.sharedPidNamespace, false);
  assert.deepEqual(pod.others, []);
  assert.equal(pod.roleOf.get(1), 'infra');
  assert.equal(pod.roleOf.get(7), 'job');
});

test('unreadable cgroups make processes unknown, not sidecars', () => {
  const processes = scanProcesses(fixture('pod-v2')).map((p) => (p.pid === 12 ? { ...p, cgroup: undefined } : p));
  const pod = buildPod(processes, { selfPid: 7, jobPid: 20 });
  assert.equal(pod.roleOf.get(12), 'unknown-cgroup');
  assert.deepEqual(pod.others[0]?.processes.map((p) => p.pid), [3]);
  // Without jobdone's own cgroup nothing can be told apart.
  const blind = buildPod(processes.map((p) => (p.pid === 7 ? { ...p, cgroup: undefined } : p)), { selfPid: 7, jobPid: 20 });
  assert.deepEqual(blind.others, []);
  assert.equal(blind.roleOf.get(3), 'unknown-cgroup');
});

test('a zombie whose cgroup file reads as the root belongs to its parent\'s container, not to one of its own', () => {
  // The kernel moves an exited task out of its cgroup; seen in the sandbox as a phantom "container".
  const plain = podOf('pod-v1', 7, 20);
  const pod = podOf('zombie-left-cgroup', 7, 20);
  assert.equal(pod.others.length, plain.others.length);
  assert.equal(pod.containerOf.get(17), pod.containerOf.get(5), 'the nginx zombie stays with its master');
  assert.equal(pod.containerOf.get(22), pod.ownContainer, "the job's zombie stays in jobdone's container");
  assert.equal(pod.roleOf.get(17), 'sidecar');
});

test('a process caught while exiting (PF_EXITING, not yet a zombie) stays in its parent\'s container', () => {
  // A short-lived `sleep` of the job's loop, read between its exit starting and its becoming a
  // zombie: its v1 cgroup lines already read `/`. It once made jobdone ps count a third sidecar.
  const plain = podOf('pod-v1', 7, 20);
  const pod = podOf('exiting-left-cgroup', 7, 20);
  assert.equal(pod.byPid.get(22)?.state, 'R');
  assert.deepEqual(pod.others.map((c) => c.shortId), plain.others.map((c) => c.shortId));
  assert.equal(pod.containerOf.get(17), pod.containerOf.get(5), "the exiting nginx worker stays with its master");
  assert.equal(pod.containerOf.get(22), pod.ownContainer, "the job's exiting sleep stays in jobdone's container");
  // Without a job pid (jobdone ps), the same sleep is still in jobdone's own container.
  const ps = podOf('exiting-left-cgroup', 7);
  assert.deepEqual(ps.others.map((c) => c.shortId), plain.others.map((c) => c.shortId));
  assert.equal(ps.roleOf.get(22), 'own-container');
});

test('the proc mount is read only where it can raise a doubt: not for the node\'s PID namespace, once for a pod', () => {
  let reads = 0;
  const mount = () => {
    reads++;
    return { hidepid: 'invisible' };
  };
  const host = buildPod(scanProcesses(fixture('host-pid')), { selfPid: 600, jobPid: 610 }, mount);
  assert.equal(host.pidNamespaceDoubt, undefined);
  assert.equal(reads, 0);
  const pod = buildPod(scanProcesses(fixture('pod-v1')), { selfPid: 7, jobPid: 20 }, mount);
  assert.match(pod.pidNamespaceDoubt ?? '', /hidepid=invisible/);
  assert.equal(reads, 1);
});
