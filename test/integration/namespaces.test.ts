// Two pods jobdone must recognise and leave alone: one without
// shareProcessNamespace (jobdone sees only its own container) and the node's
// own PID namespace (hostPID: true), where "other containers" are the node's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cleanEnv, isAlive, jobdoneArgv, runJobdone } from '../helpers/jobdone.ts';
import { asRoot, cannotRun } from '../helpers/skip.ts';

const rootReason = cannotRun('the namespace tests', process.getuid?.() === 0 ? undefined : 'needs root (unshare, cgroups)', asRoot);

/**
 * PID 2 is the kernel's kthreadd (PF_KTHREAD in its stat flags, as src/pod decides) only in the
 * node's PID namespace; in any other (a fresh-machine run's, a container's) it is an ordinary
 * process, or none.
 */
function onTheNodesPidNamespace(): boolean {
  try {
    const stat = readFileSync('/proc/2/stat', 'utf8');
    const flags = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[6]);
    return (flags & 0x00200000) !== 0;
  } catch {
    return false;
  }
}

describe('pods jobdone must leave alone', { skip: rootReason, timeout: 30_000 }, () => {
  it('without shareProcessNamespace (jobdone is PID 1): says once that it is missing, exits with the job\'s status', async () => {
    const [file, ...pre] = jobdoneArgv();
    // unshare makes jobdone PID 1 of a fresh PID namespace with its own /proc, as in a pod without sharing.
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--', file!, ...pre, '--', 'sh', '-c', 'exit 5'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 5, stderr);
    const lines = stderr.split('\n').filter((line) => line.includes('shareProcessNamespace: true'));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /jobdone is PID 1/);
  });

  it('as PID 1 (docker run without --init) with a zombie orphan it cannot reap: no phantom sidecar container, the PID-1 advice stays', async () => {
    const [file, ...pre] = jobdoneArgv();
    // The subshell's sleep is orphaned to PID 1 (jobdone), exits, and stays a zombie: Node reaps
    // only the children it started (docs/limitations.md).
    const job = '(sleep 0.1 &); while ! grep -qs "^[0-9]* (sleep) Z" /proc/[0-9]*/stat; do sleep 0.05; done; exit 4';
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--', file!, ...pre, '--grace', '1s', '--', 'sh', '-c', job], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 4, stderr);
    assert.doesNotMatch(stderr, /sidecar container/);
    assert.match(stderr, /jobdone is PID 1, so this container has a PID namespace of its own/);
  });

  it('on the node\'s PID namespace (kthreadd visible) a process in another cgroup is not signalled, and jobdone says why', async (t) => {
    // A bystander in a cgroup of its own: on the node that looks like another container.
    const cgroup = '/sys/fs/cgroup/pids/jobdone-hostpid-test';
    // t.skip only marks the test: hence the return.
    if (!onTheNodesPidNamespace()) return t.skip('kthreadd is not visible here: not the node\'s PID namespace');
    mkdirSync(cgroup, { recursive: true });
    const bystander = spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec sleep 30`], { stdio: 'ignore' });
    t.after(() => {
      bystander.kill('SIGKILL');
      setTimeout(() => { try { rmdirSync(cgroup); } catch { /* still draining */ } }, 200);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await runJobdone(['--grace', '1s', '--', 'sh', '-c', 'exit 0']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /hostPID/);
    assert.match(result.stderr, /--allow-host-pid/);
    assert.doesNotMatch(result.stderr, /sent SIG/);
    assert.equal(isAlive(bystander.pid!), true, 'the bystander was signalled');
  });

  it("on the node's PID namespace --wait-process does not take a process of the node for a sidecar (the stop's guard), unless --allow-host-pid", async (t) => {
    const cgroup = '/sys/fs/cgroup/pids/jobdone-hostpid-wait-test';
    if (!onTheNodesPidNamespace()) return t.skip('kthreadd is not visible here: not the node\'s PID namespace');
    mkdirSync(cgroup, { recursive: true });
    // A name nothing else on the node has, in a cgroup of its own: "another container" on the node.
    const name = `jd-node-${process.pid}`.slice(0, 15);
    const bystander = spawn('bash', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec -a ${name} sleep 30`], { stdio: 'ignore' });
    t.after(() => {
      bystander.kill('SIGKILL');
      setTimeout(() => { try { rmdirSync(cgroup); } catch { /* still draining */ } }, 200);
    });
    const named = (): boolean => { try { return readFileSync(`/proc/${bystander.pid}/cmdline`, 'latin1').startsWith(name); } catch { return false; } };
    for (let i = 0; i < 1000 && !named(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const refused = await runJobdone(['--wait-process', name, '--wait-timeout', '1s', '--grace', '1s', '--', 'true']);
    assert.equal(refused.code, 124, refused.stderr);
    assert.match(refused.stderr, /hostPID/);
    const allowed = await runJobdone(['--wait-process', name, '--wait-timeout', '20s', '--allow-host-pid', '--dry-run', '--', 'true']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, new RegExp(`ready: process ${name}`));
    assert.equal(isAlive(bystander.pid!), true, 'the bystander was signalled');
  });
});
