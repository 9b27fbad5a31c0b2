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
