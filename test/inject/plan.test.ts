// inject's decisions over plain data (src/inject/plan.ts), for the cases the golden files do
// not show: v1 List items, a half-injected Job, native sidecars, name clashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInvocation } from '../../src/config/parse.ts';
import type { InjectOptions } from '../../src/inject/options.ts';
import { detectPresets, findWorkloads, planWorkload, type Plan } from '../../src/inject/plan.ts';

function options(...argv: string[]): InjectOptions {
  const invocation = parseInvocation(['inject', ...argv], {});
  assert.equal(invocation.kind, 'inject');
  return invocation.options;
}

const job = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', ...metadata },
  spec: { template: { spec: { restartPolicy: 'Never', ...spec } } },
});

function attempt(doc: unknown, ...argv: string[]) {
  const { workloads } = findWorkloads(doc);
  assert.equal(workloads.length, 1);
  return planWorkload(doc, workloads[0]!, { options: options(...argv), images: () => undefined });
}

function plan(doc: unknown, ...argv: string[]): Plan {
  const result = attempt(doc, ...argv);
  assert.ok(!('problems' in result), JSON.stringify(result));
  return result;
}

describe('inject plan', () => {
  it('finds Jobs inside a v1 List (kubectl get -o yaml) with paths into the items', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service' }, job({ containers: [] })] };
    const { workloads } = findWorkloads(list);
    assert.deepEqual(workloads.map((workload) => workload.spec), [['items', 1, 'spec', 'template', 'spec']]);
  });

  it('a Pod that restarts Always and a batch/v1beta1 CronJob are left alone, with the reason', () => {
    assert.match(findWorkloads({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} }).skipped[0]!, /Pod p: left unchanged: restartPolicy Always/);
    assert.match(findWorkloads({ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c' } }).skipped[0]!, /apiVersion batch\/v1beta1/);
  });

  it('a Job already wrapped by hand but without shareProcessNamespace gets only that', () => {
    const result = plan(job({ containers: [{ name: 'main', command: ['/jobdone/jobdone', '--', 'x'] }] }));
    assert.deepEqual(result.edits, [{ op: 'set', path: ['spec', 'template', 'spec', 'shareProcessNamespace'], value: true }]);
  });

  it('the opt-out annotation on the pod template leaves the Job alone', () => {
    const doc = job({ containers: [{ name: 'main', command: ['x'] }] });
    (doc.spec.template as Record<string, unknown>).metadata = { annotations: { 'jobdone/inject': 'false' } };
    const result = plan(doc);
    assert.deepEqual(result.edits, []);
    assert.match(result.notes[0]!, /left unchanged: annotation jobdone\/inject: "false"/);
  });

  it('a volume already named jobdone is refused for --via init, fine for --via baked', () => {
    const doc = job({ containers: [{ name: 'main', command: ['x'] }], volumes: [{ name: 'jobdone', emptyDir: {} }] });
    assert.match(JSON.stringify(attempt(doc)), /already has a volume named jobdone/);
    assert.ok(plan(doc, '--via', 'baked').edits.length > 0);
  });

  it('sidecars are found among native sidecars (initContainers with restartPolicy Always) and by container name', () => {
    assert.deepEqual(detectPresets({}, {}, [{ name: 'sql', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0', restartPolicy: 'Always' }]).map((found) => found.name), ['cloud-sql-proxy']);
    assert.deepEqual(detectPresets({}, {}, [{ name: 'istio-proxy' }, { name: 'daprd' }, { name: 'linkerd-proxy' }]).map((found) => found.name), ['istio', 'linkerd', 'dapr']);
    assert.deepEqual(detectPresets({ 'sidecar.istio.io/inject': 'false' }, { 'linkerd.io/inject': 'disabled' }, [{ name: 'x', image: 'cloudsql-proxy-lookalike' }]), []);
    const doc = job({
      containers: [{ name: 'main', command: ['x'] }],
      initContainers: [{ name: 'sql', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2', restartPolicy: 'Always', args: ['--quitquitquit'] }],
    });
    const prepend = plan(doc).edits.find((edit) => edit.op === 'prepend');
    assert.deepEqual(prepend, { op: 'prepend', path: ['spec', 'template', 'spec', 'containers', 0, 'command'], values: ['/jobdone/jobdone', '--preset', 'cloud-sql-proxy', '--'] });
  });
});

describe('native sidecars', () => {
  it('a native cloud-sql-proxy without --quitquitquit gets no advice to add it (the kubelet stops it), a classic one does', () => {
    const proxy = { name: 'sql', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0', args: ['proj:region:db'] };
    const native = plan(job({ containers: [{ name: 'main', command: ['x'] }], initContainers: [{ ...proxy, restartPolicy: 'Always' }] }));
    assert.equal(native.notes.filter((line) => line.includes('--quitquitquit')).length, 0);
    const classic = plan(job({ containers: [{ name: 'main', command: ['x'] }, proxy] }));
    assert.equal(classic.notes.filter((line) => line.includes('has no --quitquitquit')).length, 1);
  });

  it('--native-sidecar patterns are the whole argv, regex characters escaped', () => {
    const result = plan(job({ containers: [{ name: 'main', command: ['x'] }], initContainers: [{ name: 'n', restartPolicy: 'Always', command: ['/bin/agent', '--config=/etc/a.(1).yaml'], args: ['-v'] }] }));
    const prepend = result.edits.find((edit) => edit.op === 'prepend');
    assert.deepEqual(prepend && 'values' in prepend ? prepend.values : [], ['/jobdone/jobdone', '--native-sidecar', '^/bin/agent --config=/etc/a\\.\\(1\\)\\.yaml -v$', '--']);
  });

  it("--native-sidecar patterns match the command line after the kubelet's $(VAR) expansion: a reference is any text, $$ an escaped $", () => {
    const args = ['--domain', '$(POD_NAMESPACE).svc.cluster.local', '--price=$$(5)', '$(UNCLOSED', 'a$b'];
    const result = plan(job({ containers: [{ name: 'main', command: ['x'] }], initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always', command: ['/usr/local/bin/pilot-agent', 'proxy'], args }] }));
    const prepend = result.edits.find((edit) => edit.op === 'prepend');
    const values = prepend && 'values' in prepend ? prepend.values.map(String) : [];
    const pattern = values[values.indexOf('--native-sidecar') + 1] ?? '';
    assert.equal(pattern, '^/usr/local/bin/pilot-agent proxy --domain .*\\.svc\\.cluster\\.local --price=\\$\\$?\\(5\\) \\$\\(UNCLOSED a\\$b$');
    const regex = new RegExp(pattern);
    // What /proc shows once the kubelet expanded it (POD_NAMESPACE from a fieldRef), and when the variable is not defined.
    assert.match('/usr/local/bin/pilot-agent proxy --domain prod.svc.cluster.local --price=$(5) $(UNCLOSED a$b', regex);
    assert.match('/usr/local/bin/pilot-agent proxy --domain $(POD_NAMESPACE).svc.cluster.local --price=$(5) $(UNCLOSED a$b', regex);
    assert.doesNotMatch('/usr/local/bin/pilot-agent proxy --domain prod.svc.cluster.local --price=5 $(UNCLOSED a$b', regex);
  });
});
