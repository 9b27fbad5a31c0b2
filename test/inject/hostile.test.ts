// Input that is legal YAML but hostile or unusual: aliases and merge keys (resolved as
// Kubernetes reads them, and an alias never carries the wrapper to another container), alias
// bombs and deep nesting (one line), tens of thousands of Jobs (time linear in the input),
// bytes that are not UTF-8 (passed through as they came).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseInvocation } from '../../src/config/parse.ts';
import { runInject } from '../../src/inject/run-inject.ts';
import { inject } from './harness.ts';

const job = (containers: string, before = ''): string => `${before}apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
${containers}`;

/** The containers' commands as Kubernetes reads the output (aliases and merge keys resolved). */
function commands(text: string): Record<string, unknown> {
  const docs = parseAllDocuments(text, { merge: true });
  const value = docs.at(-1)!.toJS() as { spec: { template: { spec: { containers: Array<{ name: string; command?: unknown }> } } } };
  return Object.fromEntries(value.spec.template.spec.containers.map((container) => [container.name, container.command]));
}

describe('aliases and merge keys', () => {
  it('a command anchored on the job container and aliased by a sidecar: only the job is wrapped', async () => {
    const input = job(`        - name: main\n          image: busybox\n          command: &cmd [sleep, "1"]\n        - name: log-sidecar\n          image: busybox\n          command: *cmd\n`);
    const result = await inject([], input);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(commands(result.stdout), { main: ['/jobdone/jobdone', '--', 'sleep', '1'], 'log-sidecar': ['sleep', '1'] });
  });

  it('a job command that aliases a sidecar\'s: the job gets its own wrapped copy, the sidecar keeps its command', async () => {
    const input = job(`        - name: log-sidecar\n          image: busybox\n          command: &cmd [sleep, "1"]\n        - name: main\n          image: busybox\n          command: *cmd\n`);
    const result = await inject([], input);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(commands(result.stdout), { main: ['/jobdone/jobdone', '--', 'sleep', '1'], 'log-sidecar': ['sleep', '1'] });
  });

  it('a command given through a << merge key is found and wrapped; the shared map keeps its command', async () => {
    const input = job(`        - &base {name: other-sidecar, image: busybox, command: [run, it]}\n        - <<: *base\n          name: main\n`);
    const result = await inject([], input);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(commands(result.stdout), { main: ['/jobdone/jobdone', '--', 'run', 'it'], 'other-sidecar': ['run', 'it'] });
  });
});

const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;

describe('alias bombs and deep nesting', () => {
  it('an alias bomb in a ConfigMap passes through unchanged; the Job next to it is injected', async () => {
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${bomb.trimEnd().split('\n').join('\n  ')}\n---\n`;
    const result = await inject([], configMap + job('        - name: main\n          image: busybox\n          command: [x]\n'));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith(configMap));
  });

  it('an alias bomb inside a Job: one line, exit 125, nothing written', async () => {
    const result = await inject([], job('        - name: main\n          image: busybox\n          command: [x]\n', `${bomb}`).replace('kind: Job', 'kind: Job'));
    assert.equal(result.code, 125);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^jobdone: inject: stdin, document 1: its aliases expand to more than 100 times its own size \(an alias bomb\?\); inject does not read it\n$/);
  });

  it('10,000 levels of nesting: one line, exit 125', async () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\ndata: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    const result = await inject([], deep);
    assert.equal(result.code, 125);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^jobdone: inject: stdin: nested too deeply to read[^\n]*\n$/);
  });
});

function stream(jobs: number): string {
  let text = '';
  for (let index = 0; index < jobs; index++) {
    text += `---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job-${index}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: busybox\n          command: [sh, -c, "echo ${index}"]\n`;
  }
  return text;
}

async function timed(jobs: number): Promise<{ ms: number; code: number; out: number }> {
  const input = stream(jobs);
  const invocation = parseInvocation(['inject', '--offline'], {});
  assert.equal(invocation.kind, 'inject');
  let out = 0;
  const started = process.hrtime.bigint();
  const code = await runInject(invocation.options, {
    readFile: () => { throw new Error('no files'); },
    readStdin: () => input,
    writeStdout: async (text) => { out = text.length; },
    writeStderr: () => {},
  });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, code, out };
}

describe('many Jobs in one stream', () => {
  it('30,000 Jobs: exit 0, every one injected, in time linear in the input (30k takes < 30x the time of 3k)', async () => {
    await timed(300); // warm-up: the first run compiles the code paths
    const small = Math.min((await timed(3000)).ms, (await timed(3000)).ms);
    const large = await timed(30_000);
    assert.equal(large.code, 0);
    assert.ok(large.out > stream(30_000).length);
    const ratio = large.ms / small;
    process.stderr.write(`# 3,000 Jobs: ${small.toFixed(0)} ms; 30,000 Jobs: ${large.ms.toFixed(0)} ms; ratio ${ratio.toFixed(1)} (linear: 10, quadratic: 100)\n`);
    assert.ok(ratio < 30, `30,000 Jobs took ${ratio.toFixed(1)}x the time of 3,000`);
  });
});

describe('bytes as they came', () => {
  it('a Latin-1 byte in a comment (not UTF-8) comes out as the same byte', async () => {
    const before = Buffer.from(job('        - name: main\n          image: busybox\n          command: [x]\n', '# caf\xe9 \xa9 owner\n'), 'latin1');
    const invocation = parseInvocation(['inject', '--offline'], {});
    assert.equal(invocation.kind, 'inject');
    let written: Buffer | undefined;
    const code = await runInject(invocation.options, {
      readFile: () => { throw new Error('no files'); },
      readStdin: () => before,
      writeStdout: async (text) => { written = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'); },
      writeStderr: () => {},
    });
    assert.equal(code, 0);
    assert.ok(written !== undefined);
    assert.ok(written.subarray(0, 18).equals(before.subarray(0, 18)), written.subarray(0, 18).toString('hex'));
    assert.equal(written.subarray(0, 18).toString('latin1'), '# caf\xe9 \xa9 owner\napi');
    assert.ok(written.includes(Buffer.from('/jobdone/jobdone')));
  });
});
