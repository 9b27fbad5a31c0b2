// Issue 17 item 5: when a sidecar's container will exit non-zero (its main process SIGKILLed, or a
// recognised sidecar that exits 143 on SIGTERM), the log says so, that the pod will end Failed,
// and what would avoid it; on a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { stopSidecars, type StopContext } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

function run(pod: FakePod, graceMs = 1000) {
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
  const ctx: StopContext = { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep };
  return { lines, report: stopSidecars(stopOptions({ graceMs }), ctx) };
}

const cloudSqlProxy = { comm: 'cloud-sql-proxy', cmdline: ['/cloud-sql-proxy', 'project:region:instance'] };

test('a recognised sidecar that ignores SIGTERM: SIGKILLed, exits 137, the pod will end Failed, and its own way out', async () => {
  const pod = new FakePod();
  const proxy = pod.spawn('sql', { ...cloudSqlProxy, ignores: ['SIGTERM'] });
  const { lines, report } = run(pod);
  const result = await report;
  assert.deepEqual(pod.endOf(proxy), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(result.groups.map((g) => [g.how, g.mainKilled, g.recognized?.sidecar]), [['killed', true, 'cloud-sql-proxy-v2']]);
  const warning = lines.find((line) => /was SIGKILLed/.test(line));
  assert.match(warning ?? lines.join(''), /container sql \(Cloud SQL Auth Proxy v2\): its main process \(\d+ cloud-sql-proxy\) was SIGKILLed, so the container exits 137 and the pod will end Failed; to avoid it: a shutdown endpoint/);
  assert.match(warning!, /start it with --exit-zero-on-sigterm/);
  assert.match(warning!, /jobdone sidecar/);
  assert.match(warning!, / exit=137\n$/);
});

test('a recognised sidecar that exits 143 on SIGTERM: the pod will end Failed too, and the flag that avoids it', async () => {
  const pod = new FakePod();
  pod.spawn('sql', cloudSqlProxy);
  const { lines, report } = run(pod);
  assert.equal((await report).groups[0]?.how, 'signal');
  assert.match(lines.join(''), /container sql \(Cloud SQL Auth Proxy v2\): its main process \(\d+ cloud-sql-proxy\) exits 143 when stopped by its signal, so the pod will end Failed; to avoid it: start it with --exit-zero-on-sigterm/);
});

test('no such warning for a sidecar that exits 0 on its signal, nor for a killed child of a container whose main exited', async () => {
  const pod = new FakePod();
  pod.spawn('sql', { comm: 'cloud-sql-proxy', cmdline: ['/cloud-sql-proxy', '--exit-zero-on-sigterm', 'p:r:i'] });
  const shell = pod.spawn('shell', { comm: 'sh', cmdline: ['sh', '-c', 'sleep 30; exit 0'], exitsWhenChildrenEnd: 0 });
  pod.spawn('shell', { ppid: shell });
  const { lines, report } = run(pod);
  assert.deepEqual((await report).groups.map((g) => g.how), ['signal', 'signal']);
  assert.doesNotMatch(lines.join(''), /pod will end Failed/);
});

// Issue 18 item 16: a container seen empty once after SIGKILL was reported killed while a process
// that appeared a moment later ran on. It is looked at again, fresh, and what kept appearing is said.
test('after SIGKILL, a process that appears once the container looked empty is found, killed, and the escape risk is said', async () => {
  const pod = new FakePod();
  const main = pod.spawn('hopper', { ignores: ['SIGTERM'] });
  let late: number | undefined;
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
  const report = await stopSidecars(stopOptions({ graceMs: 200 }), {
    procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, now: pod.now, sleep: pod.sleep,
    kill: (pid, signal) => {
      pod.kill(pid, signal);
      // Its lineage goes on under another pid, a moment after the main process died.
      if (pid === main && signal === 'SIGKILL') {
        const at = pod.now() + 1;
        pod.at(at, () => (late = pod.spawn('hopper', { ppid: 1, ignores: ['SIGTERM'] })));
      }
    },
  });
  assert.ok(late !== undefined);
  assert.deepEqual(pod.endOf(late), { code: null, signal: 'SIGKILL' }, lines.join(''));
  assert.equal(report.groups[0]?.outcome, 'killed');
  assert.match(lines.join(''), /1 process\(es\) appeared in container hopper after its SIGKILL; it looks empty now, but a lineage that changes pid faster than \/proc can be read may have escaped every look/);
});
