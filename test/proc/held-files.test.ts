// The stop's first look keeps its stat files open (src/proc/held-files.ts): a check before a
// signal is then one pread, and it names the process the look saw, never a newer one with its pid.
// Real processes and the real /proc.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { HeldFiles } from '../../src/proc/held-files.ts';
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
  // Room for every process of a busy host: the default 256 go to the lowest pids first.
  const hold = new HeldFiles(4096);
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
  const hold = new HeldFiles(2);
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
  const hold = new HeldFiles();
  const [old] = scanProcesses('/proc', proc, hold);
  // Its stat and its cgroup.
  assert.equal(proc.heldOpen, 2);
  proc.remove(40);
  proc.add({ pid: 40, ppid: 0, comm: 'new', cgroup: '0::/a\n', cmdline: ['new'], startTime: 900 });
  assert.equal(readStatAgain('/proc', old!, proc, hold), undefined);
  assert.equal(readStatAgain('/proc', old!, proc)?.startTime, 900);
  hold.closeAll();
  assert.equal(proc.heldOpen, 0);
});

/** Paths read by path (readText or a readAndHold that opens), in order. */
function countedPaths(proc: MemoryProcFs): string[] {
  const paths: string[] = [];
  const readText = proc.readText.bind(proc);
  const readAndHold = proc.readAndHold.bind(proc);
  let inHold = false;
  proc.readText = (path: string): string => {
    if (!inHold) paths.push(path);
    return readText(path);
  };
  // MemoryProcFs's readAndHold reads through readText: one file opened, counted once.
  proc.readAndHold = (path: string) => {
    paths.push(path);
    inHold = true;
    try {
      return readAndHold(path);
    } finally {
      inHold = false;
    }
  };
  return paths;
}

test('a scan with an earlier scan\'s files reads each process it knows from them, none by path; a newer process with a gone one\'s pid, and a new pid, are read by path; a gone pid\'s files are closed', () => {
  const proc = new MemoryProcFs([
    { pid: 40, ppid: 0, comm: 'old', cgroup: '0::/a\n', cmdline: ['old'], startTime: 500 },
    { pid: 41, ppid: 0, comm: 'gone', cgroup: '0::/a\n', cmdline: ['gone'], startTime: 510 },
    { pid: 42, ppid: 0, comm: 'stays', cgroup: '0::/b\n', cmdline: ['stays'], startTime: 520 },
  ]);
  const hold = new HeldFiles();
  scanProcesses('/proc', proc, hold);
  assert.equal(proc.heldOpen, 6);
  proc.remove(41);
  proc.remove(40);
  proc.add({ pid: 40, ppid: 0, comm: 'new', cgroup: '0::/c\n', cmdline: ['new'], startTime: 900 });
  proc.add({ pid: 43, ppid: 0, comm: 'later', cgroup: '0::/b\n', cmdline: ['later'], startTime: 950 });
  const paths = countedPaths(proc);
  const now = scanProcesses('/proc', proc, hold).sort((a, b) => a.pid - b.pid);
  assert.deepEqual(now.map((p) => [p.pid, p.comm, p.startTime, p.cgroup]), [
    [40, 'new', 900, '0::/c\n'], [42, 'stays', 520, '0::/b\n'], [43, 'later', 950, '0::/b\n'],
  ]);
  // cgroup before stat, as by path; 42 is not read by path at all.
  assert.deepEqual(paths.filter((p) => /\/(stat|cgroup)$/.test(p) && !p.startsWith('/proc/2/')), ['/proc/40/cgroup', '/proc/40/stat', '/proc/43/cgroup', '/proc/43/stat']);
  // 41's and the old 40's files closed; the new 40's and 43's held beside 42's.
  assert.equal(proc.heldOpen, 6);
  assert.equal(hold.size, 3);
  hold.closeAll();
  assert.equal(proc.heldOpen, 0);
});

test('real processes: a second scan opens none of the files of the processes the first held, sees them the same, and closes the files of one reaped since', async (t) => {
  const children = [sleeper(), sleeper()];
  t.after(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  const pids = new Set(children.map((c) => c.pid));
  // Room for every process of a busy host: the default 256 go to the lowest pids first.
  const hold = new HeldFiles(4096);
  t.after(() => hold.closeAll());
  const opened: string[] = [];
  const fs = { ...nodeProcFs, readAndHold: (path: string) => (opened.push(path), nodeProcFs.readAndHold!(path)), readText: (path: string, max?: number) => (opened.push(path), nodeProcFs.readText(path, max)) };
  const first = scanProcesses('/proc', fs, hold).filter((p) => pids.has(p.pid));
  assert.equal(first.length, 2);
  const filesOf = (pid: number): string[] => [...ownFds().values()].filter((target) => target === `/proc/${pid}/stat` || target === `/proc/${pid}/cgroup`);
  for (const pid of pids) assert.equal(filesOf(pid).length, 2, `stat and cgroup of ${pid} held`);
  opened.length = 0;
  const second = scanProcesses('/proc', fs, hold).filter((p) => pids.has(p.pid));
  assert.deepEqual(second.map((p) => [p.pid, p.startTime, p.cgroup, p.comm]), first.map((p) => [p.pid, p.startTime, p.cgroup, p.comm]));
  assert.deepEqual(opened.filter((path) => [...pids].some((pid) => path.startsWith(`/proc/${pid}/`))), []);
  const [reaped] = children;
  reaped!.kill('SIGKILL');
  await once(reaped!, 'exit');
  const third = scanProcesses('/proc', fs, hold).map((p) => p.pid);
  assert.ok(!third.includes(reaped!.pid));
  assert.deepEqual(filesOf(reaped!.pid), []);
  assert.equal(filesOf(children[1]!.pid).length, 2);
});
