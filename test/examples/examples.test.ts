// The examples people copy: every Kubernetes manifest validates against the
// Kubernetes API schema (kubernetes-models, generated from the API's OpenAPI
// spec), has the settings jobdone needs, and gives jobdone arguments it accepts;
// the compose file validates with docker-compose and uses no bridge network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1';
import { parse } from 'yaml';
import { parseInvocation } from '../../src/config/parse.ts';
import { repoRoot } from '../helpers/jobdone.ts';
import { cannotRun, install } from '../helpers/skip.ts';

const k8sDir = join(repoRoot, 'examples', 'k8s');
const composeFile = join(repoRoot, 'examples', 'compose', 'compose.yaml');
const manifests = readdirSync(k8sDir).filter((name) => name.endsWith('.yaml')).sort();
/** Variations the README shows (a job that is not root, the preset from the environment). */
const meshManifests = readdirSync(join(k8sDir, 'mesh')).filter((name) => name.endsWith('.yaml')).sort().map((name) => `mesh/${name}`);

interface Container { name: string; command?: string[]; args?: string[]; image: string; env?: Array<{ name: string; value?: string }> }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, checked by the schema
function load(name: string): Record<string, any> {
  return parse(readFileSync(join(k8sDir, name), 'utf8'));
}

function composeSkipReason(): string | undefined {
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return undefined;
  return cannotRun('the compose check', 'docker-compose is not installed (Debian package docker-compose)', install('docker'));
}

describe('Kubernetes examples', () => {
  it('are the four ways in: baked in, initContainer, Istio, Linkerd', () => {
    assert.deepEqual(manifests, ['job-baked-in.yaml', 'job-initcontainer.yaml', 'job-istio.yaml', 'job-linkerd.yaml']);
  });

  for (const name of [...manifests, ...meshManifests]) {
    it(`${name}: a valid batch/v1 Job, shareProcessNamespace, jobdone as the main command with accepted options`, () => {
      const doc = load(name);
      new Job(doc as never).validate(); // throws with the path of the first violation
      const pod = doc.spec.template.spec;
      assert.equal(pod.shareProcessNamespace, true);
      assert.equal(pod.restartPolicy, 'Never');
      const main = (pod.containers as Container[]).find((container) => container.name === 'main');
      assert.ok(main?.command, 'a main container with a command');
      assert.equal(main.command[0], '/jobdone/jobdone');
      const env = Object.fromEntries((main.env ?? []).map((variable) => [variable.name, variable.value]));
      const invocation = parseInvocation(main.command.slice(1), env);
      assert.equal(invocation.kind, 'run');
    });
  }

  it('the schema check can fail: a broken copy is rejected', () => {
    const doc = load('job-baked-in.yaml');
    doc.spec.template.spec.containers[0].command = '/jobdone/jobdone -- countdown';
    assert.throws(() => new Job(doc as never).validate(), /containers\/0\/command must be array/);
  });

  it('the initContainer installs into the emptyDir that the main container mounts at /jobdone', () => {
    const pod = load('job-initcontainer.yaml').spec.template.spec;
    const [init] = pod.initContainers as Array<Container & { volumeMounts: Array<{ name: string; mountPath: string }> }>;
    assert.deepEqual(parseInvocation(init!.args!, {}), { kind: 'install', dir: '/install' });
    assert.deepEqual(init!.volumeMounts, [{ name: 'jobdone', mountPath: '/install' }]);
    const main = pod.containers.find((container: Container) => container.name === 'main');
    assert.deepEqual(main.volumeMounts, [{ name: 'jobdone', mountPath: '/jobdone', readOnly: true }]);
    assert.deepEqual(pod.volumes, [{ name: 'jobdone', emptyDir: {} }]);
  });
});

describe('compose example', () => {
  it('docker-compose config accepts it', { skip: composeSkipReason() }, () => {
    const result = spawnSync('docker-compose', ['-f', composeFile, 'config', '-q'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
  });

  it('no bridge network: an infra service owns the namespaces, the others join its PID and network namespaces', () => {
    const compose = parse(readFileSync(composeFile, 'utf8'));
    assert.equal(compose.networks, undefined, 'no networks defined');
    const services = compose.services as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(services).sort(), ['job', 'pause', 'sidecar']);
    assert.equal(services.pause!.network_mode, 'none');
    for (const name of ['job', 'sidecar']) {
      assert.equal(services[name]!.pid, 'service:pause', name);
      assert.equal(services[name]!.network_mode, 'service:pause', name);
      assert.equal(services[name]!.networks, undefined, name);
    }
  });

  it("jobdone runs once: the job image's ENTRYPOINT is jobdone, the service adds no command that repeats it, and its JOBDONE_* settings are valid", () => {
    const compose = parse(readFileSync(composeFile, 'utf8'));
    const job = compose.services.job as { command?: unknown; environment: Record<string, string> };
    const dockerfile = readFileSync(join(repoRoot, 'images', 'countdown', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^ENTRYPOINT \["\/jobdone\/jobdone", "--"\]$/m);
    // A compose `command:` is appended to the ENTRYPOINT: one naming jobdone would run it twice.
    assert.equal(job.command, undefined);
    const settings = Object.fromEntries(Object.entries(job.environment).filter(([key]) => key.startsWith('JOBDONE_')));
    assert.ok(Object.keys(settings).length > 0);
    const invocation = parseInvocation(['--', '/usr/local/bin/countdown'], settings);
    assert.equal(invocation.kind, 'run');
  });
});
