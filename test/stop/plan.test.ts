import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StopOptions } from '../../src/config/config.ts';
import { parseInvocation } from '../../src/config/parse.ts';
import { buildPod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { planStop, type StopPlan } from '../../src/stop/plan.ts';
import { stopOptions } from '../helpers/config.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/proc/${name}`, import.meta.url));
const defaults = stopOptions({ graceMs: 1000 });
const plan = (name: string, options: Partial<StopOptions> = {}, selfPid = 7, jobPid: number | undefined = 20, exited = true): StopPlan =>
  planStop(buildPod(scanProcesses(fixture(name)), { selfPid, jobPid }), { ...defaults, ...options }, { exited });

/** pid -> 'TERM' | 'watch' | 'never:<reason>' */
function actions(p: StopPlan): Record<number, string> {
  return Object.fromEntries(
    p.processes.map(({ process, action }) => [
      process.pid,
      action.kind === 'signal' ? action.signal : action.kind === 'watch' ? 'watch' : `never:${action.reason}`,
    ]),
  );
}

/** The actions of these pids only, to compare with one expected object. */
function some(p: StopPlan, pids: readonly number[]): Record<number, string | undefined> {
  const all = actions(p);
  return Object.fromEntries(pids.map((pid) => [pid, all[pid]]));
}

test('default: every other container is a sidecar; main gets the signal, a shell main\'s children instead', () => {
  for (const layout of ['pod-v1', 'pod-v2', 'pod-hybrid']) {
    const p = plan(layout);
    assert.deepEqual(actions(p), {
      1: 'never:pid1',
      3: 'TERM', 12: 'watch', // istio: pilot-agent is the main
      4: 'watch', 15: 'TERM', // `sh -c 'while ...; do sleep 5; done'`: the sleep gets it, the shell exits 0 by itself
      5: 'TERM', 16: 'watch', 17: 'never:zombie',
      7: 'never:self',
      8: 'never:own-container', 32: 'never:own-container', 33: 'never:own-container',
      20: 'TERM', 21: 'TERM', 30: 'TERM', 31: 'TERM', // the job's leftovers must not outlive it
    }, layout);
    assert.deepEqual(p.groups.map((g) => [g.kind, g.shortId, g.targeted]), [
      ['sidecar', 'bbbbbbbbbbbb', true], ['sidecar', 'cccccccccccc', true], ['sidecar', 'dddddddddddd', true], ['job', p.groups[3]?.shortId, true],
    ]);
    assert.deepEqual(p.warnings, []);
  }
});

test('while the job runs its processes are never touched', () => {
  const a = actions(plan('pod-v1', {}, 7, 20, false));
  assert.equal(a[20], 'never:job-running');
  assert.equal(a[30], 'never:job-running');
  assert.equal(a[3], 'TERM');
});

test('a shell main without children gets the signal itself', () => {
  const processes = scanProcesses(fixture('pod-v1')).filter((p) => p.pid !== 15);
  const p = planStop(buildPod(processes, { selfPid: 7, jobPid: 20 }), defaults, { exited: true });
  assert.equal(actions(p)[4], 'TERM');
});

test('--only targets only containers with a match, and signals the matches (pkill sleep)', () => {
  assert.deepEqual(some(plan('pod-v1', { only: /^sleep$/ }), [15, 4, 3, 12, 5, 20]), {
    15: 'TERM', 4: 'watch', 3: 'never:not-only', 12: 'never:not-only', 5: 'never:not-only',
    20: 'TERM', // job leftovers are stopped whatever --only says
  });
});

test('--only sleep: a shell whose command line matches too is left to finish its script, its sleep is signalled', () => {
  // 4 is `/bin/sh -c while true; do sleep 5; done`: it matches /sleep/ by its command line.
  const a = actions(plan('pod-v1', { only: /sleep/ }));
  assert.equal(a[15], 'TERM');
  assert.equal(a[4], 'watch');
});

test('--only matches the full command line joined by spaces', () => {
  const a = actions(plan('pod-v1', { only: /envoy -c/ }));
  assert.equal(a[12], 'TERM');
  assert.equal(a[3], 'watch');
  assert.equal(a[15], 'never:not-only');
  const none = plan('pod-v1', { only: /no-such-thing/ });
  assert.match(none.warnings.join('\n'), /--only no-such-thing matched no process/);
  assert.equal(none.groups.filter((g) => g.kind === 'sidecar' && g.targeted).length, 0);
});

test('--skip: a matching main leaves its whole container alone; a matching child is never signalled', () => {
  const a = actions(plan('pod-v1', { skip: /pilot-agent/ }));
  assert.equal(a[3], 'never:skip');
  assert.equal(a[12], 'never:skip', 'whole container left alone');
  assert.equal(a[5], 'TERM');
  const b = actions(plan('pod-v1', { skip: /worker process/ }));
  assert.equal(b[5], 'TERM');
  assert.equal(b[16], 'never:skip');
  const c = actions(plan('pod-v1', { skip: /^sleep$/ }));
  assert.equal(c[15], 'never:skip');
  assert.equal(c[4], 'TERM', 'no child left to signal: the shell itself gets it');
  const d = actions(plan('pod-v1', { skip: /^tail$/ }));
  assert.equal(d[30], 'never:skip', '--skip holds for job leftovers too');
});

test('--signal and --signal-for (by comm)', () => {
  // Through the parser, which normalizes signals once ('sigusr1' -> 'USR1'); the plan takes them as given.
  const parsed = parseInvocation(['--signal', 'INT', '--signal-for', 'nginx=QUIT', '--signal-for', 'sleep=sigusr1', '--', 'job'], {});
  const { signal, signalFor } = parsed.kind === 'run' ? parsed.config.stop : assert.fail('not a run');
  const a = actions(plan('pod-v1', { signal, signalFor }));
  assert.equal(a[3], 'INT');
  assert.equal(a[5], 'QUIT');
  assert.equal(a[15], 'USR1');
  assert.equal(a[20], 'INT');
});

test('--no-kill, --grace and --dry-run travel in the plan', () => {
  const p = plan('pod-v1', { noKill: true, graceMs: 123, dryRun: true });
  assert.deepEqual([p.noKill, p.graceMs, p.dryRun], [true, 123, true]);
});

test('never: PID 1, jobdone, its ancestors, own-container processes the job did not start', () => {
  // jobdone = psql (21): node 7 and bash 20 are its ancestors.
  const a = actions(plan('pod-v1', { only: /./ }, 21, undefined));
  assert.equal(a[1], 'never:pid1');
  assert.equal(a[21], 'never:self');
  assert.equal(a[7], 'never:ancestor');
  assert.equal(a[20], 'never:ancestor');
  assert.equal(a[8], 'never:own-container');
});

test('unknown cgroup: never signalled, with a warning', () => {
  const processes = scanProcesses(fixture('pod-v2')).map((p) => (p.pid === 3 || p.pid === 12 ? { ...p, cgroup: undefined } : p));
  const p = planStop(buildPod(processes, { selfPid: 7, jobPid: 20 }), defaults, { exited: true });
  assert.equal(actions(p)[3], 'never:unknown-cgroup');
  assert.match(p.warnings.join('\n'), /2 process\(es\) left alone.*3 pilot-agent, 12 envoy/);
});

test('host PID namespace: no sidecar targets, a warning, only the job\'s own session stopped', () => {
  const p = plan('host-pid', {}, 600, 610);
  assert.deepEqual(some(p, [700, 400, 2, 3, 500, 610, 611, 620]), {
    700: 'never:host-pid', 400: 'never:host-pid', 2: 'never:kernel', 3: 'never:kernel', 500: 'never:ancestor', 610: 'TERM', 611: 'TERM',
    620: 'TERM', // an orphan in the job's session (setsid) is the job's, even on the node
  });
  assert.match(p.warnings.join('\n'), /hostPID.*--allow-host-pid/);
  const allowed = actions(plan('host-pid', { allowHostPid: true }, 600, 610));
  assert.equal(allowed[700], 'TERM');
  assert.equal(allowed[620], 'TERM');
  assert.equal(allowed[2], 'never:kernel');
});

test('no shared PID namespace: one warning naming shareProcessNamespace', () => {
  const p = plan('no-share', {}, 1, 7);
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0] ?? '', /jobdone is PID 1.*shareProcessNamespace: true/);
  assert.deepEqual(p.groups.map((g) => g.kind), ['job']);
  assert.equal(actions(p)[8], 'TERM');
});

test('a global regex is matched the same every time (lastIndex is reset)', () => {
  const a = actions(plan('pod-v1', { only: /sleep/g }));
  assert.equal(a[15], 'TERM');
  const b = actions(plan('pod-v1', { only: /sleep/g }));
  assert.equal(b[15], 'TERM');
});
