// `jobdone ps` over fixture pods: grouping by container, the planned action and why not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StopOptions } from '../../src/config/config.ts';
import { buildPod } from '../../src/pod/pod.ts';
import { scanProcesses } from '../../src/proc/scan.ts';
import { describeAction, formatPsJson, formatPsText, psView, shorten, type Probe, type PsView } from '../../src/ps/view.ts';
import { recognizeContainer } from '../../src/recognize/recognize.ts';
import { phasesOf } from '../../src/stop/phases.ts';
import { planStop } from '../../src/stop/plan.ts';
import { stopOptions } from '../helpers/config.ts';

const defaults = stopOptions({ graceMs: 10_000 });
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/proc/${name}`, import.meta.url));

/** pod-v1 as `kubectl exec main -- jobdone ps` sees it: ps is pid 8 (ppid 0) in jobdone's container. */
function view(options: Partial<StopOptions> = {}, probe: Probe = () => 'ok', name = 'pod-v1'): PsView {
  const pod = buildPod(scanProcesses(fixture(name)), { selfPid: 8 });
  return psView(pod, planStop(pod, { ...defaults, ...options }, { exited: true }), probe);
}

const actions = (v: PsView): Record<string, string> =>
  Object.fromEntries(v.containers.flatMap((c) => c.processes.map((p) => [`${c.id}/${p.pid}`, describeAction(p.action)])));

test('groups by container: infra first, then own, then sidecars; each process with its planned action', () => {
  const v = view();
  assert.deepEqual(v.containers.map((c) => `${c.kind} ${c.id} ${c.targeted}`), [
    'infra pid1 false', 'own a1b2c3d4e5f6 false', 'sidecar bbbbbbbbbbbb true', 'sidecar cccccccccccc true', 'sidecar dddddddddddd true',
  ]);
  const a = actions(v);
  assert.match(a['pid1/1']!, /^never: PID 1/);
  assert.equal(a['a1b2c3d4e5f6/8'], 'never: jobdone itself');
  assert.equal(a['a1b2c3d4e5f6/7'], "never: jobdone's own container", 'the running jobdone, beside ps');
  assert.equal(a['bbbbbbbbbbbb/3'], 'SIGTERM');
  assert.equal(a['bbbbbbbbbbbb/12'], 'watch, SIGKILL at grace end');
  assert.equal(a['cccccccccccc/4'], 'watch, SIGKILL at grace end', "a shell main: its child gets the signal, so the script exits 0");
  assert.equal(a['cccccccccccc/15'], 'SIGTERM');
  assert.equal(a['dddddddddddd/17'], 'never: already exited (zombie)');
  const envoy = v.containers[2]!.processes.find((p) => p.pid === 12)!;
  assert.deepEqual({ ppid: envoy.ppid, uid: envoy.uid, comm: envoy.comm }, { ppid: 3, uid: 1337, comm: 'envoy' });
});

test('options change the plan as they change a run: --skip, --only, --signal-for', () => {
  assert.equal(actions(view({ skip: /nginx/ }))['dddddddddddd/5'], 'never: --skip matches');
  const only = actions(view({ only: /^sleep$/ }));
  assert.equal(only['cccccccccccc/15'], 'SIGTERM');
  assert.equal(only['bbbbbbbbbbbb/3'], 'never: not matched by --only');
  assert.equal(actions(view({ signalFor: new Map([['nginx', 'QUIT']]) }))['dddddddddddd/5'], 'SIGQUIT');
});

test('a process jobdone may not signal (kill(pid, 0) gives EPERM) is shown as never: no permission', () => {
  const v = view({}, (pid) => (pid === 3 || pid === 12 ? 'eperm' : 'ok'));
  const a = actions(v);
  assert.equal(a['bbbbbbbbbbbb/3'], 'never: no permission to signal it (EPERM)');
  assert.equal(a['bbbbbbbbbbbb/12'], 'never: no permission to signal it (EPERM)');
  assert.equal(v.containers.find((c) => c.id === 'bbbbbbbbbbbb')!.targeted, false);
});

test('the host PID namespace: kernel threads grouped apart, nothing signalled, the warning shown', () => {
  const pod = buildPod(scanProcesses(fixture('host-pid')), { selfPid: 610 });
  const v = psView(pod, planStop(pod, defaults, { exited: true }), () => 'ok');
  assert.ok(v.containers.some((c) => c.kind === 'host'));
  assert.ok(v.containers.every((c) => !c.targeted));
  assert.match(formatPsText(v), /warning: the node's PID namespace is visible/);
});

test('text output: a header per container, aligned columns, shortened command lines', () => {
  const text = formatPsText(view());
  assert.match(text, /^pod infra \(PID 1\)\n {2}PID +PPID +UID +COMM +ACTION +COMMAND\n +1 +0 +65535 +pause +never: PID 1/);
  assert.match(text, /\nsidecar container bbbbbbbbbbbb: would be stopped\n/);
  assert.match(text, /\n +3 +0 +1337 +pilot-agent +SIGTERM +\/usr\/local\/bin\/pilot-agent proxy sidecar\n/);
  for (const line of text.split('\n')) assert.ok(line.length < 200, line);
  assert.equal(shorten('a'.repeat(100)).length, 80);
});

// Issue 18 item 12: names and command lines reached the terminal raw; a newline forged a row.
test('text output shows control characters in names and command lines as visible escapes; JSON keeps them, escaped by JSON', () => {
  const v = view();
  const sleep = v.containers.flatMap((c) => c.processes).find((p) => p.pid === 15)!;
  sleep.comm = 'x\n  99  0  0  fake  SIGTERM';
  sleep.cmdline = 'clear\x1b[2J\x1b]52;c;ZXZpbA==\x07 bare\rCR \x9b31m \u2028 \u202eevil';
  const text = formatPsText(v);
  assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]/, 'no raw control character left');
  assert.doesNotMatch(text, /^\s+99\s/m, 'the newline in the comm forged a row');
  assert.match(text, /x\\n  99  0  0  fake  SIGTERM/);
  assert.match(text, /clear\\e\[2J\\e\]52;c;ZXZpbA==\\x07 bare\\rCR \\x9b31m \\u2028 \\u202eevil/);
  const json = JSON.parse(formatPsJson(v)) as PsView;
  assert.equal(json.containers.flatMap((c) => c.processes).find((p) => p.pid === 15)!.cmdline, sleep.cmdline);
  assert.equal(shorten('x\ny'), 'x\ny');
});

test('JSON output: containers, processes with pid, ppid, uid, comm, cmdline, action', () => {
  const parsed = JSON.parse(formatPsJson(view())) as PsView;
  assert.equal(parsed.self, 8);
  const sidecar = parsed.containers.find((c) => c.id === 'cccccccccccc')!;
  assert.deepEqual(sidecar.processes.find((p) => p.pid === 15), {
    pid: 15, ppid: 4, uid: 0, comm: 'sleep', cmdline: 'sleep 5', action: { kind: 'signal', signal: 'TERM' },
  });
  assert.deepEqual(parsed.containers[0]!.processes[0]!.action, { kind: 'never', reason: 'pid1' });
});

test('ps shows the phases, what is recognised (and why), each container\'s endpoint, and the containers left alone', () => {
  const pod = buildPod(scanProcesses(fixture('pod-v1')), { selfPid: 8 });
  const options = { ...defaults, nativeSidecar: /^nginx: master/ };
  const plan = planStop(pod, options, { exited: true });
  const phased = phasesOf(plan.groups, {
    order: options.stopOrder, calls: [], signalFor: options.signalFor,
    // :15020 listens: the Istio proxy is stopped through its endpoint.
    recognize: (processes) => recognizeContainer(processes, [{ address: '127.0.0.1', port: 15020, inode: 1 }]),
  });
  const v = psView(pod, { ...plan, groups: phased.groups }, () => 'ok', phased);
  assert.deepEqual(v.phases, [{ name: 'senders', containers: ['cccccccccccc'] }, { name: 'proxies', containers: ['bbbbbbbbbbbb'] }]);
  const istio = v.containers.find((c) => c.id === 'bbbbbbbbbbbb')!;
  assert.equal(istio.recognized?.sidecar, 'istio');
  assert.equal(istio.endpoint, 'POST http://127.0.0.1:15020/quitquitquit');
  const text = formatPsText(v);
  assert.match(text, /\nphases: senders \(cccccccccccc\), then proxies \(bbbbbbbbbbbb\)\n/);
  assert.match(text, /sidecar container bbbbbbbbbbbb: would be stopped in phase proxies; recognised as Istio proxy \(pilot-agent \+ envoy\) \(comm pilot-agent[^)]*\); POST http:\/\/127\.0\.0\.1:15020\/quitquitquit first\n/);
  assert.match(text, /sidecar container dddddddddddd: left alone \(a native sidecar: the kubelet stops it\)\n/);
  assert.match(text, /never: a native sidecar \(--native-sidecar\): left to the kubelet/);
  assert.deepEqual(JSON.parse(formatPsJson(v)).phases, v.phases);
});
