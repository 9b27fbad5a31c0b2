// jobdone inject as a process (the TypeScript source, and dist/jobdone under
// TEST_JOBDONE=dist): stdin and files in, the stream on stdout only when everything
// succeeded, and every refusal one line on stderr with exit 125 and an empty stdout.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startJobdone, type Finished } from '../helpers/jobdone.ts';
import { fixturesDir } from '../inject/harness.ts';

const fixture = (name: string, file = 'input.yaml'): string => readFileSync(join(fixturesDir, name, file), 'utf8');

function injectProcess(args: readonly string[], stdin: string): Promise<Finished> {
  const started = startJobdone(['inject', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.child.stdin!.end(stdin);
  return started.finished;
}

const job = fixture('job-init');
const badYaml = 'apiVersion: batch/v1\nkind: Job\nspec:\n  template: [unclosed\n';

const refusals: Array<{ name: string; args: string[]; input: string; mentions: RegExp }> = [
  {
    name: 'a job container without command',
    args: ['--offline'], input: fixture('default-container'),
    mentions: /^jobdone: inject: stdin, document 1: Job train: cannot inject: container trainer has no command, .*--command-for trainer=CMD/,
  },
  {
    name: 'an unknown --container for this workload',
    args: ['--container', 'countdown=nope'], input: job,
    mentions: /^jobdone: inject: stdin, document 1: Job countdown: cannot inject: no container named "nope" \(--container countdown=nope\); its containers: main, sidecar/,
  },
  {
    name: 'bad YAML',
    args: [], input: badYaml,
    mentions: /^jobdone: inject: bad YAML in stdin at line \d+, column \d+: /,
  },
  {
    name: 'shareProcessNamespace: false set on purpose',
    args: [], input: job.replace('restartPolicy: Never', 'restartPolicy: Never\n      shareProcessNamespace: false'),
    mentions: /^jobdone: inject: stdin, document 1: Job countdown: cannot inject: shareProcessNamespace: false is set, .*--force/,
  },
  {
    name: 'a bad --via',
    args: ['--via', 'sidecar'], input: job,
    mentions: /^jobdone: bad value "sidecar" for --via \(JOBDONE_VIA\): use init, image-volume, baked$/,
  },
  {
    name: 'a run option the wrapped command would refuse',
    args: ['--grace', 'soon'], input: job,
    mentions: /^jobdone: bad duration "soon" for --grace/,
  },
  {
    name: 'one bad document after a good one',
    args: ['--offline'], input: `${job}---\n${fixture('default-container')}`,
    mentions: /^jobdone: inject: stdin, document 2: Job train: cannot inject: container trainer has no command/,
  },
];

describe('jobdone inject refusals: exit 125, one line on stderr, nothing on stdout', () => {
  for (const refusal of refusals) {
    it(refusal.name, async () => {
      const result = await injectProcess(refusal.args, refusal.input);
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, /^[^\n]+\n$/, 'exactly one line');
      assert.match(result.stderr.trimEnd(), refusal.mentions);
      assert.equal(result.stdout.length, 0, 'nothing on stdout');
    });
  }

  it('a missing file: one line naming it, nothing on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-inject-'));
    writeFileSync(join(dir, 'job.yaml'), job);
    const result = await injectProcess([join(dir, 'job.yaml'), join(dir, 'missing.yaml')], '');
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /^jobdone: inject: cannot read \S+missing\.yaml \(ENOENT\): [^\n]+\n$/);
    assert.equal(result.stdout.length, 0);
  });

  it('--force sets shareProcessNamespace: false to true', async () => {
    const result = await injectProcess(['--force'], job.replace('restartPolicy: Never', 'restartPolicy: Never\n      shareProcessNamespace: false'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /shareProcessNamespace: true/);
    assert.doesNotMatch(result.stdout.toString(), /shareProcessNamespace: false/);
    assert.match(result.stderr, /shareProcessNamespace: false replaced by true \(--force\)/);
  });
});

describe('jobdone inject as a process', () => {
  it('stdin to stdout, the same bytes as the golden file; one stderr line per decision', async () => {
    const result = await injectProcess([], job);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), fixture('job-init', 'expected.yaml'));
    assert.equal(result.stderr, fixture('job-init', 'notes.txt'));
  });

  it('files and - (stdin) in order, options after the files, one stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-inject-'));
    writeFileSync(join(dir, 'chart.yaml'), fixture('chart'));
    const result = await injectProcess([join(dir, 'chart.yaml'), '-', '--image', 'registry.example.com/jobdone:0.1.0'], job);
    assert.equal(result.code, 0, result.stderr);
    const expectedJob = fixture('job-init', 'expected.yaml').replace('image: jobdone:0.1.0', 'image: registry.example.com/jobdone:0.1.0');
    assert.equal(result.stdout.toString(), `${fixture('chart', 'expected.yaml')}---\n${expectedJob}`);
  });

  it('JOBDONE_GRACE in the environment does not go into the manifests; JOBDONE_VIA does configure inject', async () => {
    const started = startJobdone(['inject'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, JOBDONE_GRACE: '99s', JOBDONE_VIA: 'baked' } });
    started.child.stdin!.end(job);
    const result = await started.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout.toString(), /99s/);
    assert.doesNotMatch(result.stdout.toString(), /initContainers/);
  });

  it('--help describes inject and its options', async () => {
    const result = await injectProcess(['--help'], '');
    assert.equal(result.code, 0);
    assert.match(result.stdout.toString(), /^Usage: jobdone inject \[options\] \[FILE\.\.\.\]/);
    for (const option of ['--via', '--image', '--container', '--presets', '--command-for', '--force', '--grace']) assert.match(result.stdout.toString(), new RegExp(`  ${option}\\b`));
  });
});
