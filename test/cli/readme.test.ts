import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { readmePath, readmeWithTable } from '../../scripts/readme-options.ts';
import { exitCodeTable } from '../../src/config/help.ts';

it('the README configuration table matches the option table (run scripts/readme-options.ts --write)', () => {
  const readme = readFileSync(readmePath, 'utf8');
  assert.equal(readme, readmeWithTable(readme));
});

it('the README documents every exit code that --help lists', () => {
  const readme = readFileSync(readmePath, 'utf8');
  for (const [code] of exitCodeTable) for (const single of code.match(/\d+(\+N)?/g) ?? []) {
    if (single !== '0' && single !== '123' && single !== '128') assert.ok(readme.includes(`| ${single} |`), `exit code ${single} missing from README`);
  }
});
