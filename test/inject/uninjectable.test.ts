// Workloads inject cannot change: every problem of the whole input is listed at once (exit
// 125, nothing written), or with --skip-uninjectable each such workload passes through as it
// came, with one warning (a Helm post-renderer over a chart nobody here owns). And which
// container is the job: the annotation, --container per workload, the only non-sidecar.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inject } from './harness.ts';

const job = (name: string, podSpec: string, podMeta = ''): string => `---
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  template:
${podMeta}    spec:
      restartPolicy: Never
${podSpec}`;

const kubeBench = job('kube-bench', `      hostPID: true
      containers:
        - name: kube-bench
          image: docker.io/aquasec/kube-bench:v0.10.1
          command: ["kube-bench"]
`);
const noCommand = job('admission-create', `      containers:
        - name: create
          image: registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.4
          args: [create, --namespace=ingress-nginx]
`);
const noShare = job('no-share', `      shareProcessNamespace: false
      containers:
        - name: main
          image: busybox
          command: [sleep, "1"]
`);
const fine = job('fine', `      containers:
        - name: main
          image: busybox
          command: [sleep, "1"]
`);

describe('uninjectable workloads', () => {
  const chart = kubeBench + noCommand + noShare + fine;

  it('by default: every problem of the input at once, exit 125, nothing on stdout', async () => {
    const result = await inject(['--offline'], chart);
    assert.equal(result.code, 125);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 4, result.stderr);
    assert.match(lines[0]!, /document 1: Job kube-bench: cannot inject: hostPID: true: the API server refuses shareProcessNamespace/);
    assert.match(lines[1]!, /document 2: Job admission-create: cannot inject: container create has no command, and its image was not read \(--offline\)/);
    assert.match(lines[2]!, /document 3: Job no-share: cannot inject: shareProcessNamespace: false is set/);
    assert.match(lines[3]!, /3 workload\(s\) cannot be injected; nothing was written/);
  });

  it('--skip-uninjectable: they pass through byte for byte with one warning each; the others are injected', async () => {
    const result = await inject(['--offline', '--skip-uninjectable'], chart);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith(kubeBench + noCommand + noShare), 'the three come out as they came');
    assert.match(result.stdout.slice((kubeBench + noCommand + noShare).length), /\/jobdone\/jobdone/);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('left unchanged (--skip-uninjectable)'));
    assert.equal(warnings.length, 3);
  });

  it('a hostPID Job never gets shareProcessNamespace next to hostPID (the API server refuses both)', async () => {
    const result = await inject(['--skip-uninjectable'], kubeBench);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, kubeBench);
  });
});

const twoJobs = job('migrate', `      containers:
        - name: migrate
          image: app
          command: [migrate]
        - name: seed
          image: app
          command: [seed]
`);

describe('which container is the job', () => {
  it('two job-like containers and no annotation: refused, naming both and the fix', async () => {
    const result = await inject([], twoJobs);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /cannot tell which container is the job among migrate, seed: name it with --container migrate=CONTAINER or the annotation kubectl\.kubernetes\.io\/default-container/);
  });

  it('--container per workload, by name or kind/name, and a bare --container only where such a container exists', async () => {
    for (const flag of ['migrate=seed', 'job/migrate=seed', 'seed']) {
      const result = await inject(['--container', flag], twoJobs + fine);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /command: \[\/jobdone\/jobdone, --, seed\]/, flag);
      assert.match(result.stdout, /command: \[migrate\]/, flag);
      assert.match(result.stdout, /command: \[\/jobdone\/jobdone, --, sleep, "1"\]/, flag);
    }
  });

  it('the annotation wins; a proxy listed first is never taken for the job', async () => {
    const annotated = job('a', `      containers:
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.24.0
          args: [proxy, sidecar]
        - name: migrate
          image: app
          command: [migrate]
        - name: seed
          image: app
          command: [seed]
`, `    metadata:
      annotations:
        kubectl.kubernetes.io/default-container: seed
`);
    const result = await inject(['--container', 'a=migrate'], annotated);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /job container seed \(annotation kubectl\.kubernetes\.io\/default-container\)/);
    const proxyFirst = job('p', `      containers:
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.24.0
          args: [proxy, sidecar]
        - name: migrate
          image: app
          command: [migrate]
`);
    const second = await inject([], proxyFirst);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /job container migrate \(the only container that is not a known sidecar\)/);
  });

  it('a bad --container value is refused as a usage error (one line, exit 125 in main)', async () => {
    await assert.rejects(inject(['--container', 'migrate='], twoJobs), /bad value "migrate=" for --container \(JOBDONE_CONTAINER\): give NAME, or WORKLOAD=NAME/);
  });
});

describe('one uninjectable workload', () => {
  it('is one line, as every refusal is, with the way out', async () => {
    const result = await inject([], kubeBench);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^jobdone: inject: stdin, document 1: Job kube-bench: cannot inject: hostPID: true[^\n]*; nothing was written \(--skip-uninjectable leaves such a workload unchanged\)\n$/);
  });
});
