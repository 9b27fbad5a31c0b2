// Issue 10 item 2: on a host whose /proc is mounted hidepid=2, a non-root jobdone sees neither
// kthreadd nor PID 1, took the host for a pod and sent SIGTERM to a same-user process in another
// cgroup. It must fail closed: stop nothing, and say why in one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { cleanEnv, isAlive, jobdoneArgv, repoRoot } from '../helpers/jobdone.ts';
import { cgroupSkipReason, createCgroup, findHierarchies, removeCgroups } from '../sandbox/cgroups.ts';
import { asRoot, cannotRun } from '../helpers/skip.ts';

const hierarchies = findHierarchies();
const skip = process.getuid?.() !== 0
  ? cannotRun('the hidepid tests', 'needs root (mounts a proc filesystem in a private mount namespace, drops to uid 1000)', asRoot)
  : cgroupSkipReason(hierarchies);

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('hidepid', { skip, timeout: 60_000 }, () => {
  it('2: with /proc mounted hidepid=2, a non-root jobdone signals no same-user process in another cgroup and says why in one line', async (t) => {
    const dirs = createCgroup(hierarchies, `other-${process.pid}`);
    const other = spawn('sh', ['-c', 'for d; do echo $$ > "$d/cgroup.procs"; done; exec setpriv --reuid 1000 --regid 1000 --clear-groups sleep 30', 'sh', ...dirs], { stdio: 'ignore' });
    t.after(async () => {
      other.kill('SIGKILL');
      await removeCgroups(dirs);
    });
    // Wait until it is uid 1000's sleep in its own cgroup.
    for (let i = 0; i < 500 && !(await isSleeping(other.pid!)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const result = await run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid 1000 --regid 1000 --clear-groups -- "$@"', 'sh',
      ...jobdoneArgv(), '--grace', '2s', '--', 'true']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(isAlive(other.pid!), `the other cgroup's process was stopped:\n${result.stderr}`);
    const why = result.stderr.split('\n').filter((line) => /^jobdone: (warn|error):/.test(line));
    assert.equal(why.length, 1, result.stderr);
    assert.match(why[0]!, /hidepid.*no sidecar is signalled/);
    assert.doesNotMatch(result.stderr, /sent SIG/);
  });
});

async function isSleeping(pid: number): Promise<boolean> {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
  } catch {
    return false;
  }
}
