// The stop's first look keeps its stat files open (src/proc/held-stats.ts): a check before a
// signal is then one pread, and it names the process the look saw, never a newer one with its pid.
// Real processes and the real /proc.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { HeldStats } from '../../src/proc/held-stats.ts';
import { MemoryProcFs } from '../../src/proc/memory-proc-fs.ts';
import { nodeProcFs } from '../../src/proc/proc-fs.ts';
import { readStatAgain, scanProcesses } from '../../src/proc/scan.ts';

function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child as ChildProcess & { pid: number };
}

/** What this process's fds point at, by fd. */
function ownFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the fd readdir itself used, closed by now
    }
  }
  return fds;
}

test('a held stat is read again while its process runs, and reads as gone once it is reaped', async (t) => {
  const child = sleeper();
  t.after(() => child.kill('SIGKILL'));
  const hold = new HeldStats();
  t.after(() => hold.closeAll());
  const seen = scanProcesses('/proc', nodeProcFs, hold).find((p) => p.pid === child.pid);
  assert.ok(seen !== undefined);
  // The scan's file is the one held: an fd of this process points at the child's stat.
  assert.ok([...ownFds().values()].includes(`/proc/${child.pid}/stat`), 'no fd holds the child\'s stat');
  const again = readStatAgain('/proc', seen, nodeProcFs, hold);
  assert.equal(again?.startTime, seen.startTime);
  assert.equal(again?.comm, 'sleep');
  child.kill('SIGKILL');
  await once(child, 'exit');
  // Reaped by Node: the held file fails with ESRCH whatever has the pid now.
  assert.throws(() => hold.reread(seen.pid, seen.startTime), { code: 'ESRCH' });
  assert.equal(readStatAgain('/proc', seen, nodeProcFs, hold), undefined);
});

test('at most `capacity` stat files are held, the rest are read by path, and closeAll leaves no fd open', async (t) => {
  const children = [sleeper(), sleeper(), sleeper()];
  t.after(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  const before = ownFds();
  const hold = new HeldStats(2);
  const processes = scanProcesses('/proc', nodeProcFs, hold);
  assert.equal(hold.size, 2);
  const held = [...ownFds()].filter(([fd, target]) => !before.has(fd) && /^\/proc\/\d+\/stat$/.test(target));
  assert.equal(held.length, 2, held.join(' '));
  // One not held is read by path, as before.
  const unheld = processes.find((p) => p.pid === children[2]!.pid)!;
  assert.equal(hold.reread(unheld.pid, unheld.startTime), undefined);
  assert.equal(readStatAgain('/proc', unheld, nodeProcFs, hold)?.startTime, unheld.startTime);
  hold.closeAll();
  assert.equal(hold.size, 0);
  assert.deepEqual([...ownFds().keys()].filter((fd) => !before.has(fd)), []);
});

test('a pid that names a newer process: the held file says gone, where a read by path sees another start time', () => {
  const proc = new MemoryProcFs([{ pid: 40, ppid: 0, comm: 'old', cgroup: '0::/a\n', cmdline: ['old'], startTime: 500 }]);
  const hold = new HeldStats();
  const [old] = scanProcesses('/proc', proc, hold);
  assert.equal(proc.heldOpen, 1);
  proc.remove(40);
  proc.add({ pid: 40, ppid: 0, comm: 'new', cgroup: '0::/a\n', cmdline: ['new'], startTime: 900 });
  assert.equal(readStatAgain('/proc', old!, proc, hold), undefined);
  assert.equal(readStatAgain('/proc', old!, proc)?.startTime, 900);
  hold.closeAll();
  assert.equal(proc.heldOpen, 0);
});
