// Operability (issue 6): jobdone ps, --dry-run, JSON logs, --quiet, the termination message,
// --timeout and jobdone sidecar, run as processes (source and dist/jobdone) and in the pod sandbox.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanEnv, jobdoneArgv, repoRoot, runJobdone, startJobdone, timeBound } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Pod } from '../sandbox/pod.ts';
import type { PsView } from '../../src/ps/view.ts';

const skip = sandboxSkipReason();

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-ops-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface JsonLine { time: string; level: string; message: string; [field: string]: unknown }

function jsonLines(stderr: string): JsonLine[] {
  return stderr.split('\n').filter((line) => line !== '').map((line) => {
    const parsed = JSON.parse(line) as JsonLine;
    assert.match(parsed.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, `time is not RFC 3339: ${line}`);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(parsed.level), line);
    assert.equal(typeof parsed.message, 'string', line);
    return parsed;
  });
}

describe('logs', () => {
  it("the job's stdout is byte-identical with and without jobdone's logging; --quiet prints nothing on success", async () => {
    const job = ['sh', '-c', 'printf "a\\000b\\nno newline at the end"; echo to-stderr >&2'];
    const direct = spawnSync(job[0]!, job.slice(1));
    for (const flags of [[], ['--verbose'], ['--log-format', 'json'], ['--quiet']]) {
      const result = await runJobdone([...flags, '--', ...job]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout, direct.stdout, `stdout differs with ${flags.join(' ')}`);
      assert.ok(result.stderr.startsWith('to-stderr\n'), result.stderr);
    }
    const quiet = await runJobdone(['--quiet', '--', 'true']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout.length, 0);
    const verbose = await runJobdone(['--verbose', '--', 'true']);
    assert.match(verbose.stderr, /^jobdone: done: job exited with code 0/m);
  });

  it('--log-format json: every line parses, with time, level, message and the fields', async () => {
    const result = await runJobdone(['--log-format', 'json', '--', 'sh', '-c', 'exit 3']);
    assert.equal(result.code, 3);
    const lines = jsonLines(result.stderr);
    const job = lines.find((line) => line.message === 'job exited with code 3');
    assert.ok(job !== undefined, result.stderr);
    assert.equal(typeof job.pid, 'number');
    assert.equal(job.exit, 3);
    assert.equal(typeof lines.at(-1)!.ms, 'number');
    const env = await runJobdone(['--', 'true'], { env: { ...process.env, JOBDONE_LOG_FORMAT: 'json' } });
    assert.ok(jsonLines(env.stderr).length > 0);
  });
});

describe('termination message', () => {
  it('holds the summary for success, a missing command, bad input and a timeout; stays under 4096 bytes', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'termination-log');
    const read = (): string => readFileSync(file, 'utf8');
    const ok = await runJobdone(['--termination-log', file, '--', 'true']);
    assert.equal(ok.code, 0);
    assert.match(read(), /^jobdone: job exited with code 0; exit 0; took \d+ ms; sidecars: .+\n$/);
    const missing = await runJobdone(['--termination-log', file, '--', 'no-such-command-jobdone']);
    assert.equal(missing.code, 127);
    assert.match(read(), /^jobdone: job not started: command "no-such-command-jobdone" not found in PATH \(ENOENT\); exit 127;/);
    const bad = await runJobdone(['--grace', 'soon', '--termination-log', file, '--', 'true']);
    assert.equal(bad.code, 125);
    assert.match(read(), /^jobdone: bad duration "soon" for --grace .*; exit 125; nothing was run or signalled\n$/);
    const timeout = await runJobdone(['--timeout', '200ms', '--', 'sleep', '30'], { env: { ...process.env, JOBDONE_TERMINATION_LOG: file } });
    assert.equal(timeout.code, 124);
    assert.match(read(), /^jobdone: job timed out after 200ms and was stopped \(killed by SIGTERM\); exit 124;/);
    for (const size of [ok, missing, bad, timeout].map(() => Buffer.byteLength(read()))) assert.ok(size < 4096);
  });

  it("--termination-log '' turns it off, from the flag and from JOBDONE_TERMINATION_LOG", async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'termination-log');
    writeFileSync(file, 'untouched');
    const flag = await runJobdone(['--termination-log', '', '--', 'true'], { env: { ...process.env, JOBDONE_TERMINATION_LOG: file } });
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(readFileSync(file, 'utf8'), 'untouched');
    const env = await runJobdone(['--', 'true'], { env: { ...process.env, JOBDONE_TERMINATION_LOG: '' } });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(existsSync('/dev/termination-log'), false, 'this host is not a Kubernetes container: the default target is absent');
  });
});

describe('--timeout', () => {
  it('a job that ignores SIGTERM is SIGKILLed after the grace period; exit 124, logged as a timeout', async () => {
    const result = await runJobdone(['--timeout', '500ms', '--grace', '500ms', '--', 'sh', '-c', "trap '' TERM; sleep 30"]);
    assert.equal(result.code, 124, result.stderr);
    assert.ok(result.ms >= 1000 && result.ms < timeBound(4000), `took ${result.ms} ms`);
    assert.match(result.stderr, /timeout: the job ran longer than --timeout 500ms; sending SIGTERM/);
    assert.match(result.stderr, /timeout: the job still runs 500ms after SIGTERM; sending SIGKILL/);
    assert.match(result.stderr, /job timed out after 500ms and was stopped \(killed by SIGKILL/);
  });

  it('a job that ends in time keeps its status', async () => {
    const result = await runJobdone(['--timeout', '10s', '--', 'sh', '-c', 'exit 5']);
    assert.equal(result.code, 5);
  });
});

describe('jobdone sidecar', () => {
  it('a requested stop (a signal jobdone forwarded) exits 0, or --exit-code-on-stop; its own exit passes through; the termination message says which', async (t) => {
    const dir = tempDir(t);
    for (const [flags, expected] of [[[], 0], [['--exit-code-on-stop', '3'], 3]] as const) {
      const message = join(dir, `stop-${expected}`);
      const started = startJobdone(['sidecar', ...flags, '--termination-log', message, '--', 'sh', '-c', 'echo ready; exec sleep 30']);
      await started.stdoutHas('ready');
      started.child.kill('SIGTERM');
      const result = await started.finished;
      assert.equal(result.code, expected, result.stderr);
      assert.match(result.stderr, new RegExp(`sidecar stopped on request: killed by SIGTERM \\(exit 143\\), a signal jobdone forwarded; exiting ${expected}`));
      assert.equal(readFileSync(message, 'utf8'), `jobdone sidecar: stopped on request (killed by SIGTERM (exit 143), a signal jobdone forwarded); exit ${expected}\n`);
    }
    const sevenMessage = join(dir, 'seven');
    const seven = await runJobdone(['sidecar', '--', 'sh', '-c', 'exit 7'], { env: cleanEnv({ JOBDONE_TERMINATION_LOG: sevenMessage }) });
    assert.equal(seven.code, 7);
    assert.equal(readFileSync(sevenMessage, 'utf8'), 'jobdone sidecar: exited with code 7; exit 7\n');
    const bad = await runJobdone(['sidecar', '--exit-code-on-stop', '300', '--', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /bad exit code "300" for --exit-code-on-stop/);
  });
});

async function exec(pod: Pod, args: string[], options: Parameters<Pod['exec']>[1] = {}): Promise<string> {
  const result = await pod.exec([...jobdoneArgv(), ...args], { container: 'main', timeoutMs: 15_000, ...options });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

describe('in a pod', { skip, timeout: 60_000 }, () => {
  it('jobdone ps --json inside the live pod lists the containers and the plan, and the run then does exactly that', async (t) => {
    const dir = tempDir(t);
    const go = join(dir, 'go');
    const pod = await createPod({ name: 'ps', t });
    const web = await pod.start({ name: 'web', command: ['sleep', 'infinity'] });
    const proxy = await pod.start({ name: 'proxy', uid: 1337, command: ['sh', '-c', 'sleep infinity; exit 0'] });
    const main = await pod.start({
      name: 'main', cwd: repoRoot,
      command: [...jobdoneArgv(), '--log-format', 'json', '--grace', '3s', '--', 'sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.05; done', 'sh', go],
    });
    await waitUntil(() => proxy.processes().length === 2 && main.processes().length >= 2);

    const view = JSON.parse(await exec(pod, ['ps', '--json'])) as PsView;
    const byKind = (kind: string) => view.containers.filter((c) => c.kind === kind);
    assert.deepEqual(byKind('infra').map((c) => c.processes.map((p) => [p.pid, p.comm, p.action])), [[[1, 'catatonit', { kind: 'never', reason: 'pid1' }]]]);
    const own = byKind('own');
    assert.equal(own.length, 1);
    assert.ok(own[0]!.processes.some((p) => p.pid === main.podPid && p.action.kind === 'never' && p.action.reason === 'own-container'), JSON.stringify(own));
    assert.ok(own[0]!.processes.some((p) => p.pid === view.self && p.action.kind === 'never' && p.action.reason === 'self'));
    const sidecars = byKind('sidecar');
    assert.equal(sidecars.length, 2, JSON.stringify(sidecars));
    const planned = new Set(sidecars.flatMap((c) => c.processes.filter((p) => p.action.kind === 'signal').map((p) => p.pid)));
    const proxySleep = proxy.processes().find((p) => p.podPid !== proxy.podPid)!.podPid;
    assert.deepEqual([...planned].sort(), [web.podPid, proxySleep].sort());
    assert.ok(sidecars.some((c) => c.processes.some((p) => p.pid === proxy.podPid && p.uid === 1337 && p.action.kind === 'watch' && p.cmdline === 'sh -c sleep infinity; exit 0')));

    // As UID 1000, jobdone could signal neither sidecar; ps says so (kill(pid, 0), nothing sent).
    const asUser = await exec(pod, ['ps'], { uid: 1000 });
    assert.match(asUser, new RegExp(`\\n +${web.podPid} +0 +0 +sleep +never: no permission to signal it \\(EPERM\\) +sleep infinity\\n`));
    assert.match(asUser, /^pod infra \(PID 1\)\n/);
    assert.equal(web.running && proxy.running, true);

    writeFileSync(go, '');
    assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
    const lines = jsonLines(main.stderr.text);
    const sent = lines.filter((line) => /^sent SIG/.test(line.message));
    assert.deepEqual(sent.map((line) => line.pid).sort(), [...planned].sort(), 'the run signalled exactly what ps planned');
    for (const line of sent) {
      assert.equal(typeof line.comm, 'string');
      assert.equal(typeof line.container, 'string');
      assert.equal(line.signal, 'TERM');
    }
    assert.ok(lines.some((line) => line.outcome === 'exited' && typeof line.ms === 'number' && typeof line.container === 'string'));
    assert.deepEqual(await proxy.exited, { code: 0, signal: null });
    assert.ok(pod.pid1Alive());
  });

  it('--dry-run: the job runs, the plan is logged, nothing is sent, the sidecar keeps running', async (t) => {
    const pod = await createPod({ name: 'dry', t });
    const web = await pod.start({ name: 'web', command: ['sleep', 'infinity'] });
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--dry-run', '--', 'sh', '-c', 'echo job ran'] });
    assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
    assert.equal(main.stdout.text, 'job ran\n');
    assert.match(main.stderr.text, new RegExp(`dry run: would send SIGTERM pid=${web.podPid} comm=sleep container=\\S+ uid=0 signal=TERM`));
    assert.match(main.stderr.text, /dry run: would stop 1 container\(s\); nothing was sent/);
    assert.doesNotMatch(main.stderr.text, /\bsent SIG/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(web.running, true);
  });

  it('--timeout 1s on sleep 30: exit 124 after about a second; a `jobdone sidecar` stopped by it exits 0; the termination message says so', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'termination-log');
    const pod = await createPod({ name: 'timeout', t });
    const sidecar = await pod.start({ name: 'proxy', cwd: repoRoot, command: [...jobdoneArgv(), 'sidecar', '--', 'sleep', 'infinity'] });
    await waitUntil(() => sidecar.processes().length === 2);
    const started = performance.now();
    const main = await pod.start({ name: 'main', cwd: repoRoot, command: [...jobdoneArgv(), '--timeout', '1s', '--grace', '2s', '--termination-log', file, '--', 'sleep', '30'] });
    assert.equal((await main.exited).code, 124, main.stderr.text);
    const ms = performance.now() - started;
    assert.ok(ms >= 1000 && ms < timeBound(3000), `took ${ms} ms`);
    assert.deepEqual(await sidecar.exited, { code: 0, signal: null }, sidecar.stderr.text);
    assert.match(sidecar.stderr.text, /sidecar stopped on request: killed by SIGTERM/);
    // The sidecar container's main process is jobdone itself (its comm is node, or MainThread for the Node 24 SEA).
    assert.match(main.stderr.text, new RegExp(`sent SIGTERM pid=${sidecar.podPid} `));
    const message = readFileSync(file, 'utf8');
    assert.match(message, /^jobdone: job timed out after 1s and was stopped \(killed by SIGTERM\); exit 124; took [\d.]+ (ms|s); sidecars: \S+ exited in \d+ ms\n$/);
    assert.ok(pod.pid1Alive());
  });
});

async function waitUntil(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
