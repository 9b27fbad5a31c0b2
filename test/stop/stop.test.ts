// The stopper against real processes: real signals, real exits, real /proc files. The ordering
// of waits, grace and --no-kill is tested on a fake clock in order.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { readStatOnly } from '../../src/proc/scan.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { MiniPod, exitOf } from './mini-pod.ts';

const defaults = stopOptions({ graceMs: 2000 });

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) }), lines };
}

async function waitForComm(pid: number, comm: string): Promise<void> {
  for (let i = 0; i < 300 && readStatOnly('/proc', pid)?.comm !== comm; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(readStatOnly('/proc', pid)?.comm, comm);
}

test('stops a pod: plain main, shell main (child signalled, script exits 0), a TERM-ignoring main, job leftovers', { timeout: 10_000 }, async (t) => {
  const pod = new MiniPod(t);
  const plain = await pod.spawn('plain', 'sleep', ['30']);
  const shell = await pod.spawn('shell', '/bin/sh', ['-c', 'sleep 30; exit 0']);
  const [shellSleep] = await pod.adoptChildren(shell.pid!, 'shell');
  const stubborn = await pod.spawn('stubborn', '/bin/sh', ['-c', "trap '' TERM; exec sleep 30"]);
  await waitForComm(stubborn.pid!, 'sleep');
  const job = await pod.spawn('own', 'sleep', ['30']);
  const bystander = await pod.spawn('own', 'sleep', ['30']); // in jobdone's container, not the job's

  const { log, lines } = capture();
  const sent: string[] = [];
  const report = await stopSidecars({ ...defaults, graceMs: 300 }, {
    procRoot: pod.root, selfPid: process.pid, jobPid: job.pid, log,
    kill: (pid, signal) => { sent.push(`${pid} ${signal}`); pod.kill(pid, signal); },
  });

  assert.deepEqual(
    Object.fromEntries(report.groups.map((g) => [g.shortId, g.outcome])),
    { plain: 'exited', shell: 'exited', stubborn: 'killed', [report.groups.find((g) => g.kind === 'job')!.shortId]: 'exited' },
  );
  assert.deepEqual(sent.sort(), [
    `${plain.pid} SIGTERM`, `${shellSleep} SIGTERM`, `${stubborn.pid} SIGTERM`, `${stubborn.pid} SIGKILL`, `${job.pid} SIGTERM`,
  ].sort());
  assert.deepEqual(await exitOf(shell), { code: 0, signal: null }, 'the shell ran on and exited 0: the Job would succeed');
  assert.deepEqual(await exitOf(plain), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(await exitOf(stubborn), { code: null, signal: 'SIGKILL' });
  assert.equal(pod.isAlive(bystander.pid!), true, 'own-container processes the job did not start are left alone');
  assert.deepEqual(report.totals, { exited: 3, killed: 1, eperm: 0, 'still-running': 0, skipped: 0, 'dry-run': 0, kubelet: 0, kept: 0 });
  const stubbornGroup = report.groups.find((g) => g.shortId === 'stubborn');
  // The one budget runs from the start of the stop, before the look and the first signal: the
  // kill comes 300 ms after that start, a few ms less after this container's signal.
  assert.ok(stubbornGroup && stubbornGroup.ms >= 200 && stubbornGroup.ms < 2000, `killed after the grace period (${stubbornGroup?.ms} ms)`);
  assert.ok(report.ms >= 300, `the stop lasted the grace period (${report.ms} ms)`);

  const text = lines.join('');
  assert.match(text, new RegExp(`jobdone: sent SIGTERM pid=${shellSleep} comm=sleep container=shell signal=TERM\\n`));
  assert.match(text, /jobdone: stopping sidecar container shell: \d+ sh \(watch\), \d+ sleep \(SIGTERM\)/);
  assert.match(text, /sidecar container stubborn killed container=stubborn outcome=killed ms=\d+/);
  assert.match(text, /stopped 4 container\(s\) in \d+ ms: 3 exited, 1 killed/);
});

// The latency target (under 15 ms) is measured by npm run bench, side by side, not asserted here:
// a shared, noisy machine makes wall-clock assertions flaky.
test('50 sidecar containers: every one signalled once and gone', { timeout: 20_000 }, async (t) => {
  const pod = new MiniPod(t);
  const sidecars = [];
  for (let i = 0; i < 50; i++) sidecars.push(await pod.spawn(`sidecar-${i}`, 'sleep', ['30']));
  let lastSignal = 0;
  const start = performance.now();
  const report = await stopSidecars(defaults, {
    procRoot: pod.root, selfPid: process.pid, log: capture().log,
    kill: (pid, signal) => { pod.kill(pid, signal); lastSignal = performance.now(); },
  });
  const toLastSignal = lastSignal - start;
  t.diagnostic(`last of 50 signals sent ${toLastSignal.toFixed(1)} ms after the call; all gone after ${report.ms} ms`);
  assert.equal(report.totals.exited, 50);
  assert.equal(report.groups.length, 50);
  await Promise.all(sidecars.map(exitOf));
});

test('--dry-run: logs what would be sent, sends nothing', { timeout: 10_000 }, async (t) => {
  const pod = new MiniPod(t);
  const sidecar = await pod.spawn('web', 'sleep', ['30']);
  const { log, lines } = capture();
  const report = await stopSidecars({ ...defaults, dryRun: true }, {
    procRoot: pod.root, selfPid: process.pid, log, kill: () => assert.fail('dry run sent a signal'),
  });
  assert.equal(report.groups[0]?.outcome, 'dry-run');
  assert.equal(pod.isAlive(sidecar.pid!), true);
  assert.match(lines.join(''), new RegExp(`dry run: would send SIGTERM pid=${sidecar.pid} comm=sleep container=web`));
});

test('EPERM from the kernel: logged with the way out, container not waited for', { timeout: 15_000, skip: process.getuid?.() !== 0 && 'needs root to start a process as another uid' }, async (t) => {
  const pod = new MiniPod(t);
  const rootSidecar = await pod.spawn('mesh', 'sleep', ['30']);
  const other = await pod.spawn('other', 'sleep', ['30']);
  // The signal is sent by a process running as uid 1000, as from a non-root job container.
  const killAsUid1000 = (pid: number, signal: string): void => {
    if (pid === other.pid) return pod.kill(pid, signal);
    const result = spawnSync(process.execPath, ['-e', `try { process.kill(${pid}, '${signal}') } catch (e) { process.stdout.write(e.code); process.exit(3) }`], {
      uid: 1000, gid: 1000, encoding: 'utf8', timeout: 5000,
    });
    if (result.status !== 0) throw Object.assign(new Error(`kill ${pid}: ${result.stdout}`), { code: result.stdout });
  };
  const { log, lines } = capture();
  const start = performance.now();
  const report = await stopSidecars({ ...defaults, graceMs: 10_000 }, { procRoot: pod.root, selfPid: process.pid, log, kill: killAsUid1000 });
  assert.ok(performance.now() - start < 5000, 'no hang on the grace period');
  assert.deepEqual(Object.fromEntries(report.groups.map((g) => [g.shortId, g.outcome])), { mesh: 'eperm', other: 'exited' });
  assert.equal(pod.isAlive(rootSidecar.pid!), true);
  assert.match(
    lines.join(''),
    new RegExp(`error: cannot send SIGTERM to pid ${rootSidecar.pid} \\(sleep, uid 0\\): permission denied; run the job container as root \\(which has CAP_KILL by default\\), or as uid 0, or stop this sidecar through its shutdown endpoint`),
  );
});
