// Golden tests of jobdone inject: each folder of test/inject/fixtures holds an input
// (input.yaml or input.json), the inject options (args.json), the expected stdout
// (expected.yaml / expected.json) and the expected stderr (notes.txt). Every expected output
// validates against the Kubernetes API schema (kubernetes-models), and inject of inject's
// output is byte-identical to it. UPDATE_GOLDEN=1 rewrites the expected files (review the diff).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturesDir, inject, validateStream } from './harness.ts';

const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(fixturesDir).sort();

describe('jobdone inject golden files', () => {
  for (const name of cases) {
    const dir = join(fixturesDir, name);
    const extension = existsSync(join(dir, 'input.json')) ? 'json' : 'yaml';
    const input = readFileSync(join(dir, `input.${extension}`), 'utf8');
    const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
    const expectedFile = join(dir, `expected.${extension}`);
    const notesFile = join(dir, 'notes.txt');

    it(`${name}: jobdone inject ${args.join(' ')} gives expected.${extension} and notes.txt, valid for the Kubernetes schema`, async () => {
      const result = await inject(args, input);
      assert.equal(result.code, 0, result.stderr);
      if (update) {
        writeFileSync(expectedFile, result.stdout);
        writeFileSync(notesFile, result.stderr);
      }
      assert.equal(result.stdout, readFileSync(expectedFile, 'utf8'));
      assert.equal(result.stderr, readFileSync(notesFile, 'utf8'));
      validateStream(result.stdout);
    });

    it(`${name}: inject of the output is byte-identical to the output (idempotent)`, async () => {
      const expected = readFileSync(expectedFile, 'utf8');
      const again = await inject(args, expected);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, expected);
    });
  }
});

describe('jobdone inject over a chart', () => {
  it('every document but the injected Job passes through byte for byte (a Helm post-renderer)', async () => {
    const input = readFileSync(join(fixturesDir, 'chart', 'input.yaml'), 'utf8');
    const result = await inject(['--image', 'registry.example.com/jobdone:0.1.0'], input);
    const documents = (text: string): string[] => text.split(/(?=^---$)/m);
    const before = documents(input);
    const after = documents(result.stdout);
    assert.equal(after.length, before.length);
    const changed = before.map((document, index) => document !== after[index]);
    assert.deepEqual(before.filter((_, index) => changed[index]).map((document) => /# Source: (\S+)/.exec(document)?.[1]), ['shop/templates/migrate-job.yaml']);
    assert.deepEqual(validateStream(result.stdout), ['v1 ServiceAccount', 'v1 Service', 'apps/v1 Deployment', 'v1 Pod', 'batch/v1 Job', 'batch/v1 Job']);
  });
});

describe('the schema check', () => {
  it('covers what inject adds: a bad image volume pullPolicy or a command that is not a list is rejected', () => {
    const good = readFileSync(join(fixturesDir, 'job-image-volume', 'expected.yaml'), 'utf8');
    validateStream(good);
    assert.throws(() => validateStream(good.replace('pullPolicy: IfNotPresent', 'pullPolicy: Sometimes')), /volumes\/0\/image\/pullPolicy/);
    const init = readFileSync(join(fixturesDir, 'job-init', 'expected.yaml'), 'utf8');
    assert.throws(() => validateStream(init.replace(/command: \[[^\n]*\]/, 'command: /jobdone/jobdone')), /command must be array/);
  });
});
