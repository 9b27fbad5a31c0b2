import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeProcFs, type ProcFs } from '../../src/proc/proc-fs.ts';
import { readProcess, scanProcesses } from '../../src/proc/scan.ts';

const fixtures = fileURLToPath(new URL('../fixtures/proc/', import.meta.url));
const weird = join(fixtures, 'weird');

test('scan lists only numeric dirs and skips processes that vanished mid-scan', () => {
  const pids = scanProcesses(weird).map((p) => p.pid).sort((a, b) => a - b);
  // 20 has no files left, 21 lost its status after stat was read; self, net, sys, 12abc are not pids.
  assert.deepEqual(pids, [1, 10, 11, 12, 13, 14, 22]);
});

test('scan reads comm containing ") (", newlines and spaces, and the fields after it', () => {
  const byPid = new Map(scanProcesses(weird).map((p) => [p.pid, p]));
  const p10 = byPid.get(10)!;
  // Every field, the lazy ones (uid, cmdline: getters of the class) included.
  const { pid, ppid, pgrp, session, uid, state, exiting, kernelThread, startTime, comm, cmdline, cgroup } = p10;
  assert.deepEqual({ pid, ppid, pgrp, session, uid, state, exiting, kernelThread, startTime, comm, cmdline, cgroup }, {
    pid: 10, ppid: 1, pgrp: 10, session: 10, uid: 1000, state: 'S', exiting: false, kernelThread: false, startTime: 50,
    comm: 'a) (b', cmdline: ['./a) (b'], cgroup: '0::/\n',
  });
  assert.equal(byPid.get(11)?.comm, 'two\nlines');
  assert.equal(byPid.get(11)?.uid, 1001);
  assert.equal(byPid.get(12)?.comm, 'x (y) z ) 1 2');
  assert.equal(byPid.get(12)?.startTime, 52);
  assert.equal(byPid.get(13)?.comm, ' ');
  assert.equal(byPid.get(14)?.state, 'Z');
  assert.deepEqual(byPid.get(14)?.cmdline, []);
  assert.equal(byPid.get(22)?.uid, undefined, 'status without a Uid line');
});

test('readProcess re-reads one pid, undefined when it is gone', () => {
  assert.equal(readProcess(weird, 10)?.comm, 'a) (b');
  assert.equal(readProcess(weird, 20), undefined);
  assert.equal(readProcess(weird, 21), undefined);
  assert.equal(readProcess(weird, 999), undefined);
});

/** An fs that refuses some files with EACCES, as /proc does for another uid's ptrace-gated files or under hidepid. */
function refusing(paths: (path: string) => boolean): ProcFs {
  return {
    listDir: nodeProcFs.listDir,
    readText(path) {
      if (paths(path)) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return nodeProcFs.readText(path);
    },
  };
}

test('EACCES leaves only that field undefined (injected fs)', () => {
  const fs = refusing((path) => /\/10\/(cmdline|cgroup|status)$/.test(path));
  const p = scanProcesses(weird, fs).find((x) => x.pid === 10);
  assert.ok(p);
  assert.equal(p.cmdline, undefined);
  assert.equal(p.cgroup, undefined);
  assert.equal(p.uid, undefined);
  assert.equal(p.comm, 'a) (b');
  assert.equal(p.startTime, 50);
});

test('EACCES on stat leaves the process out: it cannot be identified', () => {
  const fs = refusing((path) => path.endsWith('/10/stat'));
  assert.equal(scanProcesses(weird, fs).some((p) => p.pid === 10), false);
});

test('EACCES from the real filesystem: a chmod 000 file read by a non-root uid', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-eacces-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(weird, dir, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, '10', 'cgroup'), 0o000);
  chmodSync(join(dir, '10', 'cmdline'), 0o000);
  const isRoot = process.getuid?.() === 0;
  let scanned;
  if (isRoot) {
    // Root ignores file modes, so the scan runs in a child as uid 65534 (nobody).
    const code = `import { scanProcesses } from ${JSON.stringify(new URL('../../src/proc/scan.ts', import.meta.url).href)};
      process.stdout.write(JSON.stringify(scanProcesses(${JSON.stringify(dir)})));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000, cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    assert.equal(result.status, 0, result.stderr);
    scanned = JSON.parse(result.stdout) as { pid: number; cgroup?: string; cmdline?: string[]; comm: string }[];
  } else {
    scanned = scanProcesses(dir);
  }
  const p = scanned.find((x) => x.pid === 10);
  assert.ok(p, 'process with unreadable files is still listed');
  assert.equal(p.comm, 'a) (b');
  assert.equal(p.cgroup, undefined);
  assert.equal(p.cmdline, undefined);
  assert.equal(scanned.find((x) => x.pid === 11)?.cgroup, '0::/\n');
});

function spawnTracked(t: { after: (fn: () => void) => void }, command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  });
  return child;
}

test('real /proc: finds this process and a child, with uid, cgroup and start time', async (t) => {
  const child = spawnTracked(t, 'sleep', ['30']);
  await new Promise((resolve) => child.once('spawn', resolve));
  const all = scanProcesses('/proc');
  const self = all.find((p) => p.pid === process.pid);
  const sleeper = all.find((p) => p.pid === child.pid);
  assert.ok(self && sleeper);
  assert.equal(sleeper.ppid, process.pid);
  assert.equal(sleeper.comm, 'sleep');
  assert.deepEqual(sleeper.cmdline, ['sleep', '30']);
  assert.equal(sleeper.uid, process.getuid?.());
  assert.equal(sleeper.cgroup, self.cgroup);
  assert.ok(sleeper.startTime >= self.startTime);
  // A second read gives the same process; only its scheduling state may differ between the two
  // reads (a sleep just spawned was once R in the scan and S a moment later: a CI failure).
  const again = readProcess('/proc', sleeper.pid);
  assert.ok(again !== undefined && /^[RSD]$/.test(again.state) && /^[RSD]$/.test(sleeper.state), `${again?.state} ${sleeper.state}`);
  assert.deepEqual({ ...again, state: '' }, { ...sleeper, state: '' });
});

test('real /proc: a comm with ") (" and a newline, and a real zombie', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-comm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The kernel sets comm from the executed file's name.
  const odd = join(dir, 'a) (b\nc');
  symlinkSync('/bin/sleep', odd);
  const child = spawnTracked(t, odd, ['30']);
  // `sleep 0` becomes a zombie: its parent exec()s sleep, which never reaps it.
  const parent = spawnTracked(t, '/bin/sh', ['-c', 'sleep 0 & exec sleep 30']);
  await Promise.all([child, parent].map((c) => new Promise((resolve) => c.once('spawn', resolve))));
  let zombie;
  for (let i = 0; i < 200 && zombie === undefined; i++) {
    zombie = scanProcesses('/proc').find((p) => p.ppid === parent.pid && p.state === 'Z');
    if (zombie === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(readProcess('/proc', child.pid!)?.comm, 'a) (b\nc');
  assert.ok(zombie, 'zombie child of the sh-turned-sleep');
  assert.deepEqual(zombie.cmdline, []);
});

test('a command line longer than the read buffer is read whole', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-longcmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(weird, '10'), join(dir, '10'), { recursive: true });
  const args = Array.from({ length: 5000 }, (_, i) => `--flag-${i}=value`);
  writeFileSync(join(dir, '10', 'cmdline'), args.map((a) => `${a}\0`).join(''));
  assert.deepEqual(readProcess(dir, 10)?.cmdline, args);
  assert.equal(readProcess(dir, 10)?.comm, 'a) (b', 'the shared buffer still works after growing');
});

test('a process that begins to exit while it is read is marked exiting, never left with a trustworthy-looking `/` cgroup', () => {
  // The kernel's order for one short-lived process: it runs (its cgroup is its container's), it
  // begins to exit (PF_EXITING; from then on its v1 cgroup lines read `/`), it is a zombie. Here
  // it begins to exit just as the scanner touches its cgroup file, the moment the race needs.
  const running = '42 (sleep) R 7 40 41 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n';
  const exiting = running.replace(' 4194560 ', ` ${4194560 | 0x4} `);
  let exited = false;
  const fs: ProcFs = {
    listDir: () => ['42'],
    readText: (path) => {
      if (path.endsWith('/cgroup')) {
        exited = true;
        return '1:name=systemd:/\n';
      }
      if (path.endsWith('/stat')) return exited ? exiting : running;
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
  };
  const [sleep] = scanProcesses('/proc', fs);
  assert.equal(sleep?.cgroup, '1:name=systemd:/\n');
  assert.equal(sleep?.exiting, true, 'read after the cgroup, stat shows the exit that made the cgroup read `/`');
});

test('in the node\'s PID namespace without kthreadd\'s children file, a kernel thread\'s cgroup is never read; every other process\'s is, before its stat', () => {
  const host = join(fixtures, 'host-pid');
  const reads: string[] = [];
  const fs: ProcFs = {
    listDir: (path) => nodeProcFs.listDir(path),
    readText: (path, maxBytes) => {
      reads.push(path.slice(host.length + 1));
      return nodeProcFs.readText(path, maxBytes);
    },
  };
  const byPid = new Map(scanProcesses(host, fs).map((p) => [p.pid, p]));
  assert.deepEqual([...byPid.keys()].sort((a, b) => a - b), [1, 2, 3, 400, 500, 600, 610, 611, 620, 700]);
  assert.deepEqual(reads.filter((r) => r.endsWith('/cgroup')).map((r) => Number(r.split('/')[0])).sort((a, b) => a - b), [1, 400, 500, 600, 610, 611, 620, 700]);
  assert.equal(byPid.get(3)?.cgroup, undefined);
  assert.equal(byPid.get(3)?.kernelThread, true);
  assert.match(byPid.get(700)?.cgroup ?? '', /eeeeeeeeeeee/);
  // A process's cgroup is read before the stat that proves it still ran then.
  const envoy = reads.filter((r) => r.startsWith('700/'));
  assert.deepEqual(envoy, ['700/stat', '700/cgroup', '700/stat']);
  // In a pod PID 2 is no kernel thread: every process is read cgroup first, as always.
  reads.length = 0;
  scanProcesses(join(fixtures, 'pod-v1'), { ...fs, readText: (path, maxBytes) => (reads.push(path), nodeProcFs.readText(path, maxBytes)) });
  const firstOf3 = reads.find((r) => /\/3\/(stat|cgroup)$/.test(r));
  assert.match(firstOf3 ?? '', /\/3\/cgroup$/);
});

test('in the node\'s PID namespace, kthreadd\'s children (one file) are left out unread; a pod\'s PID 2 has no such say', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'jobdone-kthreads-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(fixtures, 'host-pid'), root, { recursive: true });
  mkdirSync(join(root, '2', 'task', '2'), { recursive: true });
  // What the kernel writes: pids and a space after each.
  writeFileSync(join(root, '2', 'task', '2', 'children'), '3 ');
  const reads: string[] = [];
  const fs: ProcFs = { listDir: (path) => nodeProcFs.listDir(path), readText: (path, maxBytes) => (reads.push(path.slice(root.length + 1)), nodeProcFs.readText(path, maxBytes)) };
  const pids = scanProcesses(root, fs).map((p) => p.pid).sort((a, b) => a - b);
  assert.deepEqual(pids, [1, 2, 400, 500, 600, 610, 611, 620, 700]);
  assert.deepEqual(reads.filter((r) => r.startsWith('3/')), []);
  // Everything else is read as in a pod: cgroup, then the stat that proves it was read in time.
  assert.deepEqual(reads.filter((r) => r.startsWith('700/')), ['700/cgroup', '700/stat']);
  // pod-v1 with the same file under its PID 2 (not kthreadd): nothing is left out.
  const pod = mkdtempSync(join(tmpdir(), 'jobdone-kthreads-pod-'));
  t.after(() => rmSync(pod, { recursive: true, force: true }));
  cpSync(join(fixtures, 'pod-v1'), pod, { recursive: true });
  const before = scanProcesses(pod).length;
  const someone = readdirSync(pod).find((d) => d !== '1' && /^\d+$/.test(d))!;
  mkdirSync(join(pod, '2', 'task', '2'), { recursive: true });
  writeFileSync(join(pod, '2', 'task', '2', 'children'), `${someone} `);
  assert.equal(scanProcesses(pod).length, before);
});
