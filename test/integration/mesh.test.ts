// Mesh-aware sidecars in a pod (the sandbox in test/sandbox): readiness gates before the job,
// shutdown endpoints after it, signals as the fallback. The fake pilot-agent serves Istio's
// endpoints on the pod's loopback. Runs against the source and against dist/jobdone.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobdoneArgv, repoRoot, runJobdone, timeBound } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Container, type ContainerSpec, type Pod } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();
const fakePilotAgent = join(repoRoot, 'test', 'fixtures', 'sidecars', 'fake-pilot-agent.mjs');
/** Exits 7 only if the readiness endpoint answers 200 when it runs: proof it started after readiness. */
const jobCheckingReadiness = [process.execPath, '-e',
  "require('http').get('http://127.0.0.1:15021/healthz/ready', (r) => { console.log('job-ran', r.statusCode); process.exit(r.statusCode === 200 ? 7 : 99); }).on('error', () => process.exit(98))"];

function jobdone(pod: Pod, args: string[], spec: Partial<ContainerSpec> = {}): Promise<Container> {
  return pod.start({ name: 'main', cwd: repoRoot, ...spec, command: [...jobdoneArgv(), ...args] });
}

async function pilotAgent(pod: Pod, ...args: string[]): Promise<Container> {
  const sidecar = await pod.start({ name: 'istio-proxy', uid: 1337, command: [process.execPath, fakePilotAgent, ...args] });
  await sidecar.waitForOutput('listening', { timeoutMs: 10_000 });
  return sidecar;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-mesh-'));
  chmodSync(dir, 0o777);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('mesh sidecars in a pod', { skip, timeout: 90_000 }, () => {
  it('--preset istio: the job starts after readiness, the sidecar (UID 1337, job UID 1000) exits 0 through /quitquitquit, no signal', async (t) => {
    const pod = await createPod({ name: 'istio', t });
    const sidecarStartedAt = performance.now();
    const sidecar = await pilotAgent(pod, '--ready-after', '1500');
    const main = await jobdone(pod, ['--preset', 'istio', '--', ...jobCheckingReadiness], { uid: 1000 });
    const status = await main.exited;
    assert.deepEqual(status, { code: 7, signal: null }, main.stderr.text);
    assert.ok(performance.now() - sidecarStartedAt >= 1500, 'the job cannot have run before the sidecar was ready');
    assert.match(main.stdout.text, /job-ran 200/);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.match(sidecar.stdout.text, /got POST \/quitquitquit\nquitting/);
    assert.doesNotMatch(sidecar.stdout.text, /SIGTERM/);
    assert.match(main.stderr.text, /shutdown endpoint POST http:\/\/127\.0\.0\.1:15020\/quitquitquit \(preset istio\) answered 200/);
    assert.doesNotMatch(main.stderr.text, /sent SIG|cannot send/);
    assert.ok(pod.pid1Alive());
  });

  it('a gate that never passes: exit 124 after --wait-timeout 1s, no job, sidecar stopped; --wait-timeout-start runs the job', async (t) => {
    const pod = await createPod({ name: 'never', t });
    const sidecar = await pilotAgent(pod, '--ready-after', 'never');
    const main = await jobdone(pod, ['--preset', 'istio', '--wait-timeout', '1s', '--', 'echo', 'job-ran']);
    assert.equal((await main.exited).code, 124, main.stderr.text);
    assert.equal(main.stdout.text, '');
    assert.match(main.stderr.text, /readiness gate GET http:\/\/127\.0\.0\.1:15021\/healthz\/ready \(preset istio; last: answered 503 Service Unavailable\) did not pass within 1000 ms; not starting the job/);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    await pod.destroy();

    const again = await createPod({ name: 'never-start', t });
    const sidecar2 = await pilotAgent(again, '--ready-after', 'never');
    const main2 = await jobdone(again, ['--preset', 'istio', '--wait-timeout', '1s', '--wait-timeout-start', '--', 'sh', '-c', 'echo job-ran; exit 3']);
    assert.equal((await main2.exited).code, 3, main2.stderr.text);
    assert.equal(main2.stdout.text, 'job-ran\n');
    assert.match(main2.stderr.text, /starting the job anyway \(--wait-timeout-start\)/);
    assert.deepEqual(await sidecar2.exited, { code: 0, signal: null });
  });

  for (const admin of ['refuse', '500', 'hang'] as const) {
    it(`shutdown endpoint that ${admin === 'refuse' ? 'refuses connections' : admin === '500' ? 'answers 500' : 'never answers'}: signals stop the sidecar within the grace period`, async (t) => {
      const pod = await createPod({ name: `admin-${admin}`, t });
      const sidecar = await pilotAgent(pod, '--admin', admin);
      const main = await jobdone(pod, ['--preset', 'istio', '--grace', '3s', '--', 'true']);
      const startedAt = performance.now();
      assert.equal((await main.exited).code, 0, main.stderr.text);
      assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
      assert.ok(performance.now() - startedAt < timeBound(3000), 'stopped within the grace period');
      assert.match(main.stderr.text, /shutdown endpoint POST http:\/\/127\.0\.0\.1:15020\/quitquitquit \(preset istio\) failed/);
      assert.match(main.stderr.text, /sent SIGTERM pid=\d+ comm=pilot-agent/);
      assert.match(sidecar.stdout.text, /got-SIGTERM/);
    });
  }

  it('--wait-tcp holds the job until the port accepts connections', async (t) => {
    const pod = await createPod({ name: 'tcp', t });
    await pod.start({ name: 'db', command: [process.execPath, '-e', "setTimeout(() => require('net').createServer().listen(5432, '127.0.0.1'), 800)"] });
    const main = await jobdone(pod, ['--wait-tcp', '127.0.0.1:5432', '--', process.execPath, '-e',
      "require('net').connect(5432, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(9))"]);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.match(main.stderr.text, /ready: tcp 127\.0\.0\.1:5432 \(--wait-tcp\): connected ms=\d+/);
  });

  it('--wait-process holds the job until a process of that name runs in another container', async (t) => {
    const pod = await createPod({ name: 'process', t });
    // The process is named pilot-agent only after 800 ms (process.title sets comm and cmdline).
    await pod.start({ name: 'proxy', uid: 1337, command: [process.execPath, '-e', "setTimeout(() => { process.title = 'pilot-agent'; }, 800); setInterval(() => {}, 1e9)"] });
    const main = await jobdone(pod, ['--wait-process', 'pilot-agent', '--', 'sh', '-c', 'grep -qx pilot-agent /proc/[0-9]*/comm']);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    // The gate matches a comm or a command line, and process.title writes the command line a moment
    // before the comm: a poll in between logs the comm still as node (seen once in CI under qemu).
    // The job's own grep of /proc/*/comm above is what shows it started only once the name was set.
    assert.match(main.stderr.text, /ready: process pilot-agent \(--wait-process\): pid \d+ \((?:pilot-agent|node)\) runs/);
  });

  it('--wait-file holds the job until the file exists', async (t) => {
    const dir = tempDir(t);
    const marker = join(dir, 'ready');
    const pod = await createPod({ name: 'file', t });
    await pod.start({ name: 'writer', command: ['sh', '-c', `sleep 0.8; touch ${marker}; exec sleep infinity`] });
    const main = await jobdone(pod, ['--wait-file', marker, '--', 'test', '-e', marker]);
    assert.equal((await main.exited).code, 0, main.stderr.text);
    assert.match(main.stderr.text, /ready: file .* \(--wait-file\): exists/);
  });

  it('SIGTERM during the wait: exit 143, the job never starts, the sidecar is stopped', async (t) => {
    const dir = tempDir(t);
    const marker = join(dir, 'job-ran');
    const pod = await createPod({ name: 'term', t });
    const sidecar = await pilotAgent(pod, '--ready-after', 'never');
    const main = await jobdone(pod, ['--preset', 'istio', '--', 'touch', marker]);
    await main.waitForOutput('before starting the job', { stream: 'stderr', timeoutMs: 10_000 });
    const sentAt = performance.now();
    main.kill('SIGTERM');
    assert.equal((await main.exited).code, 143, main.stderr.text);
    assert.ok(performance.now() - sentAt < timeBound(2000), 'the wait ends at once');
    assert.equal(existsSync(marker), false, 'the job must never start');
    assert.match(main.stderr.text, /SIGTERM arrived while waiting for the sidecars: not starting the job/);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
    assert.ok(pod.pid1Alive());
  });
});

describe('endpoint safety', () => {
  for (const args of [['--shutdown-http', 'http://10.1.2.3:15020/quitquitquit'], ['--wait-http', 'http://example.com/ready'], ['--wait-tcp', '192.0.2.1:5432'], ['--preset', 'istio:host=10.0.0.1']]) {
    it(`${args.join(' ')} is refused with 125 and nothing runs`, async (t) => {
      const dir = tempDir(t);
      const marker = join(dir, 'job-ran');
      const result = await runJobdone([...args, '--', 'touch', marker]);
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, /^jobdone: bad value .* is not a loopback address \(127\.0\.0\.0\/8, ::1, localhost\); pass --allow-remote-endpoints to allow other hosts\n$/);
      assert.equal(existsSync(marker), false);
    });
  }

  it('JOBDONE_SHUTDOWN_HTTP is checked the same way, and a malformed URL is bad input too', async () => {
    const remote = await runJobdone(['--', 'true'], { env: { ...process.env, JOBDONE_SHUTDOWN_HTTP: 'POST http://169.254.169.254/' } });
    assert.equal(remote.code, 125, remote.stderr);
    assert.match(remote.stderr, /JOBDONE_SHUTDOWN_HTTP/);
    const malformed = await runJobdone(['--wait-http', 'not a url', '--', 'true']);
    assert.equal(malformed.code, 125);
    assert.match(malformed.stderr, /^jobdone: bad value "not a url" for --wait-http/);
  });
});
