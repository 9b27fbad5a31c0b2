// Issue 17's acceptance through `jobdone inject`, end to end: a Job manifest with a native
// sidecar (an init container with restartPolicy: Always) and a classic sidecar goes through the
// real `jobdone inject` (source or dist, as TEST_JOBDONE says; --offline, every command explicit,
// so no registry is asked), and the pod then runs in the sandbox with the wrapped command exactly
// as inject emitted it (only /jobdone/jobdone, where the init container would have put it, is
// replaced by the jobdone under test). So the --native-sidecar pattern inject derived from the
// manifest must match the native sidecar's real command line in /proc, and the restartPolicy must
// have turned into the right stop: OnFailure with a failing job keeps the sidecars for the retry;
// OnFailure with a passing job, and Never, stop the classic one. The native sidecar is never
// signalled by jobdone in any of them: the test plays the kubelet and stops it afterwards.
// No podman kube play variant: podman runs init containers to completion and disregards their
// restartPolicy (containers/podman#20372 and #25157, open), so it has no native sidecars.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { jobdoneArgv, repoRoot, runJobdone } from '../helpers/jobdone.ts';
import { createPod, sandboxSkipReason, type Container } from '../sandbox/pod.ts';

const skip = sandboxSkipReason();
const trapper = join(repoRoot, 'test', 'fixtures', 'jobs', 'trap-signals.mjs');
/** Reports every stop signal jobdone could send ("got-TERM"), and exits 0 on the first. */
const trapping = [trapper, '1', '0', 'TERM', 'INT', 'QUIT', 'HUP', 'USR1', 'USR2'];
// Both sidecars run the same program; the native one's command line differs by a flag, so only
// it matches the anchored pattern inject derives from it (a shared pattern would protect both).
// Its argv is split over command and args, as manifests often have it: /proc shows them as one.
// And it references an env variable, as Istio's injected args do (`--domain
// $(POD_NAMESPACE).svc.cluster.local`): /proc shows the value the kubelet put there.
const nativeCommand = [process.execPath, '--no-warnings', '--max-old-space-size=$(HEAP_MB)'];
const nativeEnv = [{ name: 'HEAP_MB', value: '96' }];
const classicCommand = [process.execPath, ...trapping];

interface ManifestContainer { name: string; image: string; command: string[]; args?: string[]; env?: Array<{ name: string; value: string }>; restartPolicy?: string }
interface PodSpec { restartPolicy: string; initContainers: ManifestContainer[]; containers: ManifestContainer[] }

function manifest(restartPolicy: 'Never' | 'OnFailure', job: string[]): string {
  const spec: PodSpec = {
    restartPolicy,
    initContainers: [{ name: 'agent', image: 'registry.example.com/agent:1', restartPolicy: 'Always', command: nativeCommand, args: trapping, env: nativeEnv }],
    containers: [
      { name: 'job', image: 'registry.example.com/job:1', command: job },
      { name: 'shipper', image: 'registry.example.com/shipper:1', command: classicCommand },
    ],
  };
  return stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'etl' }, spec: { template: { spec } } });
}

/** `jobdone inject` over the manifest, as a process; the pod spec it wrote. */
async function inject(dir: string, restartPolicy: 'Never' | 'OnFailure', job: string[], verdict: string): Promise<{ spec: PodSpec; notes: string }> {
  const input = join(dir, 'job.yaml');
  writeFileSync(input, manifest(restartPolicy, job));
  const run = ['--offline', '--container', 'job', '--grace', '20s', '--termination-format', 'json', '--termination-log', verdict];
  const result = await runJobdone(['inject', ...run, input], { timeoutMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
  return { spec: (parse(result.stdout.toString()) as { spec: { template: { spec: PodSpec } } }).spec.template.spec, notes: result.stderr };
}

/** A sidecar that should end: generous (qemu, a loaded machine), only so a failure says what hung. */
function ends(container: Container, jobdone: Container): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`container ${container.name} still runs 60 s after jobdone exited:\n${jobdone.stderr.text}`)), 60_000);
  });
  return Promise.race([container.exited, late]).finally(() => clearTimeout(timer));
}

/**
 * The argv the kubelet runs: command + args, each `$(NAME)` of a variable in the container's env
 * replaced by its value (https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/;
 * the `$$` escape is not used here).
 */
function argvOf(c: ManifestContainer): string[] {
  const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
  return [...c.command, ...(c.args ?? [])].map((word) => word.replace(/\$\(([^)]*)\)/g, (ref, name: string) => env.get(name) ?? ref));
}

function named(list: ManifestContainer[], name: string): ManifestContainer {
  const found = list.find((c) => c.name === name);
  assert.ok(found, `no container ${name} in ${JSON.stringify(list)}`);
  return found;
}

interface Ran { main: Container; agent: Container; shipper: Container; command: string[]; verdict: () => { exit: number; sidecars: Array<{ container: string; how: string }> } }

/** Injects, then runs the pod as the kubelet would: native sidecar first, then the containers. */
async function runInjected(t: { after(fn: () => void | Promise<void>): void }, restartPolicy: 'Never' | 'OnFailure', job: string[]): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-inject-pod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const verdictPath = join(dir, 'termination-log');
  const { spec, notes } = await inject(dir, restartPolicy, job, verdictPath);
  const emitted = argvOf(named(spec.containers, 'job'));
  assert.equal(emitted[0], '/jobdone/jobdone', `the wrapped command: ${JSON.stringify(emitted)}\n${notes}`);
  const command = [...jobdoneArgv(), ...emitted.slice(1)];
  const pod = await createPod({ name: `inject-${restartPolicy.toLowerCase()}`, t });
  const agent = await pod.start({ name: 'agent', command: argvOf(named(spec.initContainers, 'agent')) });
  const shipper = await pod.start({ name: 'shipper', command: argvOf(named(spec.containers, 'shipper')) });
  await agent.waitForOutput('ready', { timeoutMs: 30_000 });
  await shipper.waitForOutput('ready', { timeoutMs: 30_000 });
  const main = await pod.start({ name: 'job', cwd: repoRoot, command });
  await main.exited;
  return { main, agent, shipper, command: emitted, verdict: () => JSON.parse(readFileSync(verdictPath, 'utf8')) };
}

/** The declared native sidecar: jobdone sent it nothing and it still runs; the test's kubelet stops it. */
async function nativeSidecarUntouched(ran: Ran): Promise<void> {
  const { agent, main } = ran;
  assert.equal(agent.running, true, `jobdone stopped the native sidecar:\n${main.stderr.text}`);
  assert.equal(agent.stdout.text, 'ready\n', `jobdone signalled the native sidecar:\n${main.stderr.text}`);
  // The kubelet stops native sidecars after the main containers: its signal is the one recorded.
  agent.kill('SIGTERM');
  assert.deepEqual(await ends(agent, main), { code: 0, signal: null });
  assert.equal(agent.stdout.text, 'ready\ngot-TERM\n');
}

function hows(ran: Ran): string[] {
  return ran.verdict().sidecars.map((s) => `${s.container} ${s.how}`).sort();
}

describe('through jobdone inject, in a pod: native sidecars and restartPolicy', { skip, timeout: 300_000 }, () => {
  it('OnFailure, failing job: jobdone exits with its status at once, both sidecars still run (the classic one kept for the retry), nothing signalled', async (t) => {
    const ran = await runInjected(t, 'OnFailure', ['sh', '-c', 'exit 3']);
    assert.ok(ran.command.includes('--keep-sidecars-on-failure'), JSON.stringify(ran.command));
    assert.equal(ran.main.exitStatus?.code, 3, ran.main.stderr.text);
    await nativeSidecarUntouched(ran);
    assert.equal(ran.shipper.running, true, `the classic sidecar was stopped:\n${ran.main.stderr.text}`);
    assert.equal(ran.shipper.stdout.text, 'ready\n', ran.main.stderr.text);
    assert.match(ran.main.stderr.text, /the job failed \(exit 3\): leaving 1 sidecar container\(s\) running for the kubelet's retry/);
    assert.doesNotMatch(ran.main.stderr.text, /sent SIG/);
    // The native sidecar is the kubelet's, not one jobdone keeps: the verdict names it as such.
    assert.deepEqual([ran.verdict().exit, hows(ran)], [3, ['agent kubelet', 'shipper kept']]);
  });

  it('OnFailure, passing job: the classic sidecar is stopped, the native sidecar is left to the kubelet', async (t) => {
    const ran = await runInjected(t, 'OnFailure', ['true']);
    assert.equal(ran.main.exitStatus?.code, 0, ran.main.stderr.text);
    await nativeSidecarUntouched(ran);
    assert.deepEqual(await ends(ran.shipper, ran.main), { code: 0, signal: null });
    assert.equal(ran.shipper.stdout.text, 'ready\ngot-TERM\n');
    assert.deepEqual([ran.verdict().exit, hows(ran)], [0, ['agent kubelet', 'shipper signal']]);
    assert.match(ran.main.stderr.text, /leaving alone sidecar container agent: \d+ node \(never: native-sidecar\)/);
  });

  for (const [what, job, exit] of [['failing', ['sh', '-c', 'exit 3'], 3], ['passing', ['true'], 0]] as const) {
    it(`Never, ${what} job: the classic sidecar is stopped, the native sidecar is left to the kubelet, jobdone exits ${exit}`, async (t) => {
      const ran = await runInjected(t, 'Never', [...job]);
      assert.ok(!ran.command.includes('--keep-sidecars-on-failure'), JSON.stringify(ran.command));
      assert.equal(ran.main.exitStatus?.code, exit, ran.main.stderr.text);
      await nativeSidecarUntouched(ran);
      assert.deepEqual(await ends(ran.shipper, ran.main), { code: 0, signal: null });
      assert.equal(ran.shipper.stdout.text, 'ready\ngot-TERM\n');
      assert.deepEqual([ran.verdict().exit, hows(ran)], [exit, ['agent kubelet', 'shipper signal']]);
      assert.match(ran.main.stderr.text, /leaving alone sidecar container agent: \d+ node \(never: native-sidecar\)/);
    });
  }
});
