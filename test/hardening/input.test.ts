// Issue 10, hostile input: each test reproduces one finding of the hardening pass (item numbers
// as in the issue) and shows it no longer holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseInvocation, UsageError } from '../../src/config/parse.ts';
import { checkProcRoot } from '../../src/config/proc-root.ts';
import { isLoopbackHost, parseTcpEndpoint } from '../../src/config/endpoints.ts';
import { createLogger, formatJson, formatText } from '../../src/log/logger.ts';
import { buildPod } from '../../src/pod/pod.ts';
import { sendSignal } from '../../src/proc/kill.ts';
import { nodeProcFs } from '../../src/proc/proc-fs.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { writeTerminationMessage } from '../../src/report/termination.ts';
import { execute } from '../../src/stop/execute.ts';
import { matches, planStop } from '../../src/stop/plan.ts';
import type { StopOptions } from '../../src/config/config.ts';

const fixtures = fileURLToPath(new URL('../fixtures/proc/', import.meta.url));
const run = (argv: string[]) => parseInvocation(argv, {});
const usage = (argv: string[]): string => {
  try {
    run(argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail(`accepted: ${JSON.stringify(argv)}`);
};

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-hardening-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const options: StopOptions = {
  only: undefined, skip: undefined, signal: 'TERM', signalFor: new Map(), graceMs: 50,
  noKill: false, allowHostPid: false, dryRun: false,
  stopOrder: [{ name: 'senders', kind: 'senders' }, { name: 'proxies', kind: 'proxies' }], recognize: true, nativeSidecar: undefined, keepSidecarsOnFailure: false,
};

test('3: --only/--skip run in linear time: (a+)+$ and sleep.*infinity$ against a 1 MB command line', () => {
  const commandLines = [Array.from({ length: 9 }, () => 'a'.repeat(120_000)).concat('b'), Array.from({ length: 170_000 }, () => 'sleep')];
  for (const pattern of ['(a+)+$', 'sleep.*infinity$']) {
    const invocation = run(['--skip', pattern, '--', 'true']);
    assert.equal(invocation.kind, 'run');
    const skip = invocation.kind === 'run' ? invocation.config.stop.skip : undefined;
    for (const cmdline of commandLines) {
      const started = performance.now();
      matches(skip, { pid: 5, ppid: 0, pgrp: 5, session: 5, uid: 0, state: 'S', startTime: 1, comm: 'sh', cmdline, cgroup: '' });
      // Backtracking took hours here; linear time is well under a second even on a loaded machine.
      assert.ok(performance.now() - started < 5000, `${pattern} took ${performance.now() - started} ms`);
    }
  }
});

test('3: a pattern that cannot run in linear time is refused at parse time with one line', () => {
  const message = usage(['--only', '(a)\\1', '--', 'true']);
  assert.match(message, /cannot be matched in linear time/);
  assert.match(message, /--only/);
  assert.doesNotMatch(message, /\n/);
  assert.match(usage(['--skip', '(', '--', 'true']), /bad regular expression/);
});

test('4: a /proc entry named 0 (or 007) is not a process, and kill never gets a pid <= 1', async (t) => {
  const root = tempDir(t);
  cpSync(join(fixtures, 'pod-v1'), root, { recursive: true });
  cpSync(join(root, '3'), join(root, '0'), { recursive: true });
  writeFileSync(join(root, '0', 'stat'), readFileSync(join(root, '0', 'stat'), 'utf8').replace(/^3 /, '0 '));
  cpSync(join(root, '3'), join(root, '007'), { recursive: true });
  const pids = scanProcesses(root).map((p) => p.pid);
  assert.equal(pids.includes(0), false);
  assert.equal(pids.includes(7) && pids.filter((pid) => pid === 7).length, 1);
  for (const target of [0, 1, -1, 1.5, Number.NaN]) {
    assert.throws(() => sendSignal(target, 0), { code: 'EINVAL' }, `pid ${target}`);
  }
  // A plan that names pid 0 and pid 1 anyway (whatever produced it): execute never passes them on.
  const plan = planStop(buildPod(scanProcesses(root), { selfPid: 7, jobPid: 20 }), options);
  const group = plan.groups.find((g) => g.kind === 'sidecar' && g.targeted)!;
  const forged = [0, 1].map((pid) => ({ ...group.processes[0]!, process: { ...group.processes[0]!.process, pid }, action: { kind: 'signal' as const, signal: 'TERM' } }));
  const calls: number[] = [];
  const lines: string[] = [];
  await execute({ ...plan, groups: [{ ...group, processes: forged }] }, {
    procRoot: root, log: createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) }),
    kill: (pid) => void calls.push(pid), confirmMs: 20,
  });
  assert.deepEqual(calls, []);
  assert.match(lines.join(''), /not sending SIGTERM to pid 0: only a pid above 1/);
});

test('8: --proc-root missing, a regular file or a symlink loop is refused at parse time', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), '');
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
  for (const [path, why] of [[join(dir, 'missing'), 'ENOENT'], [join(dir, 'file'), 'not a directory'], [join(dir, 'loop'), 'ELOOP']] as const) {
    for (const argv of [['--proc-root', path, '--', 'true'], ['ps', '--proc-root', path]]) {
      assert.throws(() => checkProcRoot(run(argv)), (error: Error) => error instanceof UsageError && new RegExp(`--proc-root.*${why}`).test(error.message));
    }
  }
  assert.doesNotThrow(() => checkProcRoot(run(['--proc-root', dir, '--', 'true'])));
});

test('8: /proc reads never block and are bounded: a FIFO stat, a stat linked to /dev/zero, a 1 MB stat', (t) => {
  const root = tempDir(t);
  cpSync(join(fixtures, 'pod-v1'), root, { recursive: true });
  rmSync(join(root, '3', 'stat'));
  execFileSync('mkfifo', [join(root, '3', 'stat')]);
  rmSync(join(root, '5', 'stat'));
  symlinkSync('/dev/zero', join(root, '5', 'stat'));
  writeFileSync(join(root, '15', 'stat'), `15 (${'x'.repeat(1 << 20)}) S 0 15 15 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 130 0 0\n`);
  const zero = nodeProcFs.readText(join(root, '5', 'stat'));
  assert.equal(zero.length, 64 * 1024);
  const pids = scanProcesses(root).map((p) => p.pid);
  assert.equal(pids.includes(3), false, 'the FIFO is read as empty: not a process');
  assert.equal(pids.includes(5), false);
  // The 1 MB stat is cut at 64 KB: its closing parenthesis is lost, so it is no stat line.
  assert.equal(pids.includes(15), false);
});

test('8: log lines cap what they quote', () => {
  const huge = 'y'.repeat(1 << 20);
  const text = formatText('info', `stopping ${huge}`, { comm: huge });
  assert.ok(text.length < 10_000, `text line of ${text.length} characters`);
  assert.match(text, /more characters/);
  const json = formatJson(new Date(0), 'info', huge, { comm: huge });
  assert.ok(json.length < 10_000);
  assert.doesNotThrow(() => JSON.parse(json));
});

test('9: a FIFO as termination log never blocks (with or without a reader): one warning', async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) });
  writeTerminationMessage({ path: fifo, onlyIfPresent: false }, 'message\n', log);
  assert.match(lines.join(''), /cannot write the termination message to .*fifo: ENXIO/);
  const file = join(dir, 'file');
  writeFileSync(file, 'an older, longer message\n');
  writeTerminationMessage({ path: file, onlyIfPresent: false }, 'message\n', log);
  assert.equal(readFileSync(file, 'utf8'), 'message\n');
  assert.equal(lines.length, 1);
});

test("11: --preset '' and ',' are refused; a preset host must be bare", () => {
  for (const value of ['', ',', ' , ']) assert.match(usage(['--preset', value, '--', 'true']), /no preset name/);
  for (const host of ['127.0.0.1/', '127.0.0.1?x', '127.0.0.1#x', 'user@127.0.0.1', '127.0.0.1:80']) {
    assert.match(usage(['--preset', `istio:host=${host}`, '--', 'true']), /bare host/, host);
  }
  assert.equal(run(['--preset', 'istio:host=::1', '--', 'true']).kind, 'run');
  assert.equal(run(['--preset', 'istio:host=[::1]', '--', 'true']).kind, 'run');
});

test('11: one loopback rule for --wait-tcp, --wait-http, --shutdown-http and presets', () => {
  for (const host of ['127.1', '0x7f000001', '2130706433', '127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', 'localhost']) {
    assert.ok(isLoopbackHost(host), host);
    assert.equal(run(['--wait-tcp', `${host}:80`, '--', 'true']).kind, 'run', `--wait-tcp ${host}:80`);
    assert.equal(run(['--wait-http', `http://${host}/`, '--', 'true']).kind, 'run', `--wait-http ${host}`);
    assert.equal(run(['--shutdown-http', `http://${host}/`, '--', 'true']).kind, 'run', `--shutdown-http ${host}`);
  }
  assert.equal(parseTcpEndpoint('127.1:80', false).host, '127.0.0.1', 'connects where the check looked');
  for (const host of ['10.0.0.1', '0x0a000001', 'example.com', '[::2]']) {
    assert.match(usage(['--wait-tcp', `${host}:80`, '--', 'true']), /not a loopback address/, host);
    assert.match(usage(['--wait-http', `http://${host}/`, '--', 'true']), /not a loopback address/, host);
  }
});

test("11: an empty command is refused before anything runs (jobdone -- '')", () => {
  assert.match(usage(['--', '']), /empty command/);
  assert.match(usage(['sidecar', '--', '']), /empty command/);
});



test('2: the hidepid option of the proc mount under the /proc root, from mountinfo', async () => {
  const { hidepidOf } = await import('../../src/proc/mount.ts');
  const mountinfo = [
    '22 1 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
    '40 22 0:6 / /mnt/my\\040proc rw,relatime - proc proc rw,hidepid=invisible',
    '41 22 0:7 / /proc2 rw,relatime - proc proc rw,hidepid=0',
  ].join('\n');
  assert.equal(hidepidOf(mountinfo, '/proc'), undefined);
  assert.equal(hidepidOf(mountinfo, '/mnt/my proc'), 'invisible');
  assert.equal(hidepidOf(mountinfo, '/proc2'), undefined);
  const pod = buildPod(scanProcesses(join(fixtures, 'pod-v1')), { selfPid: 7, jobPid: 20 }, { hidepid: '2' });
  assert.match(pod.pidNamespaceDoubt ?? '', /hidepid=2/);
  const plan = planStop(pod, options);
  assert.equal(plan.groups.some((g) => g.kind === 'sidecar' && g.targeted), false);
  assert.equal(plan.warnings.length, 1);
  const withoutPid1 = scanProcesses(join(fixtures, 'pod-v1')).filter((p) => p.pid !== 1);
  assert.match(buildPod(withoutPid1, { selfPid: 7, jobPid: 20 }).pidNamespaceDoubt ?? '', /PID 1 is not visible/);
  assert.equal(buildPod(scanProcesses(join(fixtures, 'pod-v1')), { selfPid: 7, jobPid: 20 }).pidNamespaceDoubt, undefined);
});

test("5: a process in the job's session that started after the job exited (its pid reused, then setsid) is no leftover", () => {
  const processes = scanProcesses(join(fixtures, 'pod-v1'));
  // tail (30, started at tick 220) is in the job's session; grep (31, tick 221) is tail's child.
  // The job exited at 219: tail started in a session that merely reuses the job's pid.
  const reused = buildPod(processes, { selfPid: 7, jobPid: 20, jobExitedAt: 219 });
  assert.deepEqual([...reused.jobOrphans], []);
  assert.equal(reused.roleOf.get(30), 'own-container');
  const jobGroup = planStop(reused, options).groups.find((g) => g.kind === 'job');
  assert.equal(jobGroup?.processes.some((p) => p.process.pid === 30 || p.process.pid === 31), false, 'nothing of it is signalled');
  // The job exited at 220: tail is its leftover, and so is what tail started since.
  assert.deepEqual([...buildPod(processes, { selfPid: 7, jobPid: 20, jobExitedAt: 220 }).jobOrphans].sort(), [30, 31]);
});

test('5: /proc/uptime read as clock ticks, the unit of start times', async () => {
  const { readUptimeTicks } = await import('../../src/proc/clock.ts');
  const now = readUptimeTicks('/proc')!;
  const self = scanProcesses('/proc').find((p) => p.pid === process.pid)!;
  assert.ok(self.startTime <= now, `own start ${self.startTime} after now ${now}`);
  assert.ok(now - self.startTime < 100 * 3600, 'ticks of 10 ms');
});
