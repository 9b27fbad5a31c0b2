// The look at the pod while the job runs (src/stop/early-look.ts): it holds the pod's files so
// that the stop's first look after the job's exit reads each process it knows from them, and
// reads by path only what started since. Where the stop would not read them again it holds nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { MemoryProcFs } from '../../src/proc/memory-proc-fs.ts';
import { nodeProcFs, type ProcFs } from '../../src/proc/proc-fs.ts';
import { lookEarly } from '../../src/stop/early-look.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { repoRoot } from '../helpers/jobdone.ts';
import { stopOptions } from '../helpers/config.ts';
import { cgroupOf, FakePod, ownCgroup } from './fake-pod.ts';

const config = { procRoot: '/proc', stop: stopOptions({ graceMs: 1000 }) };

/** stat and cgroup paths read by path (opened), in order; pid 2's stat (the node-PID-namespace check) left out. */
function opened(proc: MemoryProcFs): string[] {
  const paths: string[] = [];
  let inHold = false;
  const readText = proc.readText.bind(proc);
  const readAndHold = proc.readAndHold.bind(proc);
  const note = (path: string): void => {
    if (/\/(stat|cgroup)$/.test(path) && path !== '/proc/2/stat') paths.push(path);
  };
  proc.readText = (path: string): string => {
    if (!inHold) note(path);
    return readText(path);
  };
  proc.readAndHold = (path: string) => {
    note(path);
    inHold = true;
    try {
      return readAndHold(path);
    } finally {
      inHold = false;
    }
  };
  return paths;
}

test('50 sidecar processes looked at while the job ran: the stop opens no file of theirs before its first signal, only those of a process started since; every file is closed at the end', async () => {
  const pod = new FakePod();
  const main = pod.spawn('shells', { comm: 'bash', exitsWhenChildrenEnd: 0 });
  for (let i = 0; i < 49; i++) pod.spawn('shells', { ppid: main });
  const held = lookEarly(config, pod.selfPid, pod.proc);
  assert.ok(held !== undefined);
  // infra, jobdone and the 50.
  assert.equal(held.size, 52);
  const later = pod.spawn('late', { comm: 'fluent-bit' });
  const paths = opened(pod.proc);
  let atFirstSignal: string[] | undefined;
  const kill = (pid: number, signal: string): void => {
    atFirstSignal ??= [...paths];
    pod.kill(pid, signal);
  };
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) });
  const report = await stopSidecars(config.stop, { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill, now: pod.now, sleep: pod.sleep, held });
  assert.deepEqual(report.groups.map((g) => g.outcome).sort(), ['exited', 'exited']);
  assert.deepEqual(atFirstSignal, [`/proc/${later}/cgroup`, `/proc/${later}/stat`]);
  assert.ok(lines.some((line) => line.includes('first look: 53 processes, 52 of them read from the files held since the job ran')), lines.join(''));
  assert.equal(pod.proc.heldOpen, 0);
});

test('a process that exec()d since the early look is seen as what it is now; one that exited and whose pid came back is the new one', async () => {
  const pod = new FakePod();
  const shell = pod.spawn('app', { comm: 'sh' });
  const gone = pod.spawn('app', { comm: 'worker', ppid: shell });
  const held = lookEarly(config, pod.selfPid, pod.proc)!;
  pod.exec(shell, 'envoy', ['envoy', '-c', '/etc/envoy.yaml']);
  pod.proc.remove(gone);
  pod.proc.add({ pid: gone, ppid: 0, comm: 'newcomer', cgroup: cgroupOf('other'), cmdline: ['newcomer'], startTime: 99_999 });
  const log = createLogger({ format: 'json', level: 'info', write: () => {} });
  const report = await stopSidecars(config.stop, { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep, held });
  const comms = report.groups.map((g) => g.main?.comm).sort();
  assert.deepEqual(comms, ['envoy', 'newcomer']);
  assert.equal(pod.proc.heldOpen, 0);
});

test('nothing is held where the stop would not read it again: the node\'s PID namespace (not even scanned), a PID namespace of jobdone\'s container alone, a look that fails', () => {
  const host = join(repoRoot, 'test', 'fixtures', 'proc', 'host-pid');
  const reads: string[] = [];
  const counting: ProcFs = { listDir: (path) => (reads.push(path), nodeProcFs.listDir(path)), readText: (path, max) => (reads.push(path), nodeProcFs.readText(path, max)), readAndHold: (path) => (reads.push(path), nodeProcFs.readAndHold!(path)) };
  assert.equal(lookEarly({ ...config, procRoot: host }, 500, counting), undefined);
  assert.deepEqual(reads.map((path) => path.slice(host.length)), ['/2/stat']);

  const alone = new MemoryProcFs([
    { pid: 1, ppid: 0, comm: 'jobdone', cgroup: ownCgroup, cmdline: ['jobdone'] },
    { pid: 7, ppid: 1, comm: 'job', cgroup: ownCgroup, cmdline: ['job'] },
  ]);
  assert.equal(lookEarly(config, 1, alone), undefined);
  assert.equal(alone.heldOpen, 0);

  const failing = new MemoryProcFs([{ pid: 1, ppid: 0, comm: 'pause', cgroup: cgroupOf('infra'), cmdline: ['/pause'] }]);
  failing.listDir = () => {
    throw Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' });
  };
  assert.equal(lookEarly(config, 1, failing), undefined);
});
