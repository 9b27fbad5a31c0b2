// The JSON termination message (--termination-format json) against its schema
// (docs/termination.schema.json, validated by ajv), its 4096-byte cap, and a real stop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { createLogger } from '../../src/log/logger.ts';
import { terminationMessageAs } from '../../src/report/termination.ts';
import { maxJsonBytes, terminationJson } from '../../src/report/verdict-json.ts';
import { howOf, noOutcomes, type GroupReport, type Outcome, type StopReport } from '../../src/stop/report.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from '../stop/fake-pod.ts';

const schema = JSON.parse(readFileSync(new URL('../../docs/termination.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

function valid(text: string): Record<string, any> {
  const value: Record<string, any> = JSON.parse(text);
  assert.ok(validate(value), JSON.stringify(validate.errors, null, 2));
  return value;
}

const group = (shortId: string, outcome: Outcome, extra: Partial<GroupReport> = {}): GroupReport => ({
  kind: 'sidecar', shortId, processes: 1, outcome, ms: 12, how: howOf(outcome, true, false), main: { pid: 40, comm: 'envoy' }, phase: 'proxies', ...extra,
});
const report = (groups: GroupReport[]): StopReport => {
  const totals = noOutcomes();
  for (const g of groups) totals[g.outcome]++;
  return { groups, totals, ms: 320, warnings: [] };
};

test('every job outcome and every way a sidecar ends validates against the schema', () => {
  const groups = [
    group('istio0000000', 'exited', { how: 'endpoint', recognized: { sidecar: 'istio', display: 'Istio proxy' } }),
    group('stubborn0000', 'killed', { mainKilled: true, recognized: { sidecar: 'cloud-sql-proxy-v2', display: 'Cloud SQL', advice: 'start it with --exit-zero-on-sigterm' } }),
    group('native000000', 'kubelet'), group('kept00000000', 'kept'), group('eperm0000000', 'eperm'), group('skipped00000', 'skipped'),
    { ...group('leftovers000', 'exited'), kind: 'job' as const },
  ];
  const outcomes = [
    { kind: 'exited', code: 0 }, { kind: 'signaled', signal: 'TERM' }, { kind: 'not-started', code: 127, reason: 'not found' },
    { kind: 'timed-out', afterMs: 1000, then: { kind: 'signaled', signal: 'KILL' } }, { kind: 'not-ready', reason: 'gates timed out' },
  ] as const;
  for (const outcome of outcomes) {
    const json = valid(terminationJson({ outcome, status: 3, ms: 1500, stopped: { summary: '', report: report(groups) } }));
    assert.equal(json.version, 1);
    assert.equal(json.exit, 3);
    assert.equal(json.job.outcome, outcome.kind);
  }
  const json = valid(terminationJson({ outcome: { kind: 'exited', code: 0 }, status: 0, ms: 1, stopped: { summary: 'sidecars not stopped (boom)' } }));
  assert.deepEqual(json.sidecars, []);
  assert.equal(json.stop, 'sidecars not stopped (boom)');
  const killed = valid(terminationJson({ outcome: { kind: 'exited', code: 0 }, status: 0, ms: 1, stopped: { summary: '', report: report(groups) } })).sidecars[0];
  assert.deepEqual(killed, { container: 'stubborn0000', recognized: 'cloud-sql-proxy-v2', how: 'killed', exit: 137, main: { pid: 40, comm: 'envoy' }, phase: 'proxies', ms: 12, advice: 'start it with --exit-zero-on-sigterm' });
});

test('100 containers (and 1000) stay within 4096 bytes, as whole JSON, failures kept first', () => {
  for (const count of [100, 1000]) {
    const groups = Array.from({ length: count }, (_, i) => group(`container-${String(i).padStart(4, '0')}-é`, i === count - 1 ? 'killed' : 'exited', { mainKilled: i === count - 1 || undefined }));
    const text = terminationJson({ outcome: { kind: 'exited', code: 1 }, status: 1, ms: 1, stopped: { summary: '', report: report(groups) } });
    assert.ok(Buffer.byteLength(text) <= maxJsonBytes, `${Buffer.byteLength(text)} bytes`);
    const json = valid(text);
    assert.equal(json.sidecars[0].how, 'killed', 'the failure survives the shortening');
    assert.equal(json.sidecars.length + (json.more?.count ?? 0), count, 'every container is shown or counted');
  }
});

test('a sidecar that ignores SIGTERM is reported killed, with exit 137, after a real stop', async () => {
  const pod = new FakePod();
  pod.spawn('stubborn', { comm: 'sleep', ignores: ['SIGTERM'] });
  pod.spawn('polite');
  const log = createLogger({ format: 'text', level: 'error', write: () => {} });
  const stopped = await stopSidecars(stopOptions({ graceMs: 500 }), { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep });
  const json = valid(terminationMessageAs('json', { outcome: { kind: 'exited', code: 0 }, status: 0, ms: 600, stopped: { summary: '', report: stopped } }));
  assert.deepEqual(json.sidecars.map((s: { container: string; how: string; exit?: number }) => [s.container, s.how, s.exit]), [['stubborn', 'killed', 137], ['polite', 'signal', undefined]]);
  const text = terminationMessageAs('text', { outcome: { kind: 'exited', code: 0 }, status: 0, ms: 600, stopped: { summary: '', report: stopped } });
  assert.match(text, /stubborn exits 137 \(SIGKILLed\): the pod will end Failed; avoid it with a shutdown endpoint, or jobdone sidecar/);
});
