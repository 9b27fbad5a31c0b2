// The executor over a copy of a fixture pod, with an injected kill that makes a signalled
// container's processes vanish: for the cases real processes cannot stage on demand
// (a reused pid, EPERM from a sidecar of another uid, a process gone between scan and signal),
// on a fake clock.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StopOptions } from '../../src/config/config.ts';
import { createLogger } from '../../src/log/logger.ts';
import { buildPod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { execute } from '../../src/stop/execute.ts';
import { planStop, type StopPlan } from '../../src/stop/plan.ts';
import { stopOptions } from '../helpers/config.ts';

const defaults = stopOptions({ graceMs: 5000 });

/** A writable copy of the pod-v1 fixture; jobdone is pid 7, the job pid 20. */
function fixturePod(t: { after: (fn: () => void) => void }, options: Partial<StopOptions> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'jobdone-exec-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(fileURLToPath(new URL('../fixtures/proc/pod-v1', import.meta.url)), root, { recursive: true });
  const plan = planStop(buildPod(scanProcesses(root), { selfPid: 7, jobPid: 20 }), { ...defaults, ...options }, { exited: true });
  const own = readFileSync(join(root, '7', 'cgroup'), 'utf8');
  const calls: string[] = [];
  const eperm = new Set<number>();
  /** Signalling a sidecar process ends its whole container (as the runtime does once the main exits); a job process ends alone. */
  const kill = (pid: number, signal: string): void => {
    calls.push(`${pid} ${signal}`);
    if (eperm.has(pid)) throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    const cgroup = readFileSync(join(root, String(pid), 'cgroup'), 'utf8');
    const ending = cgroup === own ? [String(pid)] : readdirSync(root).filter((d) => readFileSync(join(root, d, 'cgroup'), 'utf8') === cgroup);
    for (const dir of ending) rmSync(join(root, dir), { recursive: true, force: true });
  };
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) });
  // A fake clock: the grace periods and polls below take no real time.
  let time = 0;
  const now = (): number => time;
  const sleep = async (ms: number): Promise<void> => {
    time += ms;
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { root, plan, calls, eperm, kill, lines, log, now, sleep };
}

const outcomes = (groups: { shortId: string; kind: string; outcome: string }[]) =>
  Object.fromEntries(groups.map((g) => [g.kind === 'job' ? 'job' : g.shortId, g.outcome]));

test('all containers exit after their signal', async (t) => {
  const pod = fixturePod(t, { signalFor: new Map([['nginx', 'QUIT']]) });
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: pod.kill });
  assert.deepEqual(pod.calls, ['3 SIGTERM', '15 SIGTERM', '5 SIGQUIT', '20 SIGTERM', '21 SIGTERM', '30 SIGTERM', '31 SIGTERM']);
  assert.deepEqual(outcomes(report.groups), { bbbbbbbbbbbb: 'exited', cccccccccccc: 'exited', dddddddddddd: 'exited', job: 'exited' });
  assert.ok(report.ms < 1000);
});

test('a reused pid (start time changed since the scan) is never signalled', async (t) => {
  const pod = fixturePod(t, { graceMs: 50 });
  // pilot-agent (3) exited and its pid went to a new process, started later.
  const stat = join(pod.root, '3', 'stat');
  writeFileSync(stat, readFileSync(stat, 'utf8').replace(' 0 120 ', ' 0 98765 '));
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: pod.kill, confirmMs: 50 });
  assert.equal(pod.calls.some((c) => c.startsWith('3 ')), false, `signalled the reused pid: ${pod.calls.join(', ')}`);
  // envoy (12) was only watched; at the grace end it is SIGKILLed.
  assert.ok(pod.calls.includes('12 SIGKILL'));
  assert.equal(outcomes(report.groups)['bbbbbbbbbbbb'], 'killed');
  assert.match(pod.lines.join(''), /not sending SIGTERM: pid 3 now belongs to another process \(its start time changed\) pid=3 comm=pilot-agent/);
});

test('a process gone between scan and signal is skipped; what is left of its container is killed at grace end', async (t) => {
  const pod = fixturePod(t, { graceMs: 50 });
  rmSync(join(pod.root, '5'), { recursive: true });
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: pod.kill, confirmMs: 50 });
  assert.equal(pod.calls.some((c) => c.startsWith('5 ')), false);
  assert.ok(pod.calls.includes('16 SIGKILL'));
  assert.equal(report.groups.find((g) => g.shortId === 'dddddddddddd')?.outcome, 'killed');
});

test('EPERM: logged with pid, comm, uid and the way out; the container is not waited for', async (t) => {
  const pod = fixturePod(t, { graceMs: 30_000 });
  pod.eperm.add(3);
  const start = pod.now();
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: pod.kill });
  assert.ok(pod.now() - start < 2000, 'did not wait for the grace period');
  assert.deepEqual(outcomes(report.groups), { bbbbbbbbbbbb: 'eperm', cccccccccccc: 'exited', dddddddddddd: 'exited', job: 'exited' });
  assert.equal(report.totals.eperm, 1);
  const text = pod.lines.join('');
  assert.match(text, /jobdone: error: cannot send SIGTERM to pid 3 \(pilot-agent, uid 1337\): permission denied; run the job container as root \(which has CAP_KILL by default\), or as uid 1337, or stop this sidecar through its shutdown endpoint\. Not waiting for this container pid=3 comm=pilot-agent container=bbbbbbbbbbbb uid=1337 signal=TERM outcome=eperm/);
  assert.match(text, /jobdone: warn: stopped 4 container\(s\) in \d+ ms: 3 exited, 1 eperm/);
});

test('ESRCH from kill counts as gone', async (t) => {
  const pod = fixturePod(t);
  const kill = (pid: number, signal: string): void => {
    pod.kill(pid, signal);
    throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
  };
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill });
  assert.equal(report.totals.exited, 4);
});

test('a container that never goes is SIGKILLed at grace end, and reported still-running if even that fails', async (t) => {
  const pod = fixturePod(t, { graceMs: 40 });
  const calls: string[] = [];
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: (pid, signal) => void calls.push(`${pid} ${signal}`), confirmMs: 40 });
  // Every process of the targeted containers gets SIGKILL: signalled and watched ones alike, never the zombie 17.
  assert.deepEqual(calls.filter((c) => c.endsWith('SIGKILL')).map((c) => Number(c.split(' ')[0])).sort((a, b) => a - b), [3, 4, 5, 12, 15, 16, 20, 21, 30, 31]);
  assert.equal(report.totals['still-running'], 4);
  assert.match(pod.lines.join(''), /jobdone: error: still running after SIGKILL pid=12 comm=envoy container=bbbbbbbbbbbb uid=1337 outcome=still-running/);
});

test('untargeted containers are reported as skipped', async (t) => {
  const pod = fixturePod(t, { only: /^sleep$/ });
  const report = await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log: pod.log, kill: pod.kill });
  assert.deepEqual(outcomes(report.groups), { bbbbbbbbbbbb: 'skipped', cccccccccccc: 'exited', dddddddddddd: 'skipped', job: 'exited' });
  assert.match(pod.lines.join(''), /leaving alone sidecar container bbbbbbbbbbbb: 3 pilot-agent \(never: not-only\), 12 envoy \(never: not-only\)/);
});

test('a plan with nothing to stop returns at once', async () => {
  const plan: StopPlan = { processes: [], groups: [], warnings: ['w'], graceMs: 1000, noKill: false, dryRun: false };
  const lines: string[] = [];
  const report = await execute(plan, { procRoot: '/nonexistent', log: createLogger({ format: 'json', level: 'info', write: (l) => lines.push(l) }) });
  assert.deepEqual(report.groups, []);
  assert.deepEqual(lines.map((l) => JSON.parse(l).message), ['w', 'no sidecar to stop']);
});

test('all of a phase\'s signals go out before any of their log lines, and each line keeps the time of its signal', async (t) => {
  const pod = fixturePod(t);
  const events: string[] = [];
  const killedAt: number[] = [];
  const entered: number[] = [];
  const kill = (pid: number, signal: string): void => {
    entered.push(Date.now());
    // Time passes between two signals, so a line stamped when written would carry a later time.
    const until = Date.now() + 3;
    while (Date.now() < until);
    events.push(`kill ${pid}`);
    killedAt.push(Date.now());
    pod.kill(pid, signal);
  };
  const log = createLogger({ format: 'json', level: 'info', write: (line) => events.push(line) });
  await execute(pod.plan, { procRoot: pod.root, now: pod.now, sleep: pod.sleep, log, kill });
  const sentLines = events.filter((e) => e.includes('"sent SIG'));
  assert.ok(sentLines.length >= 2, events.join(''));
  // Every phase's kills come before its lines: no kill follows a "sent" line until the next phase.
  const firstLine = events.findIndex((e) => e.includes('"sent SIG'));
  const killsBefore = events.slice(0, firstLine).filter((e) => e.startsWith('kill ')).length;
  assert.equal(killsBefore, sentLines.length, events.join('\n'));
  for (const [i, line] of sentLines.entries()) {
    const time = Date.parse((JSON.parse(line) as { time: string }).time);
    // Stamped after its own kill and before the next one began: when it was sent, not written.
    const next = entered[i + 1];
    assert.ok(time >= killedAt[i]! && (next === undefined || time <= next), `line ${i}: ${time} vs its kill at ${killedAt[i]}, the next at ${next}`);
  }
});
