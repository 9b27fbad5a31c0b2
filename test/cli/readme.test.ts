import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { presetsMarkdown, readmePath, readmeWithTable } from '../../scripts/readme-tables.ts';
import { exitCodeTable } from '../../src/cli/help.ts';

it('the README configuration table matches the option table (run scripts/readme-tables.ts --write)', () => {
  const readme = readFileSync(readmePath, 'utf8');
  assert.equal(readme, readmeWithTable(readme));
});

it('docs/meshes.md lists exactly the presets table', () => {
  const meshes = readFileSync(join(dirname(readmePath), 'docs', 'meshes.md'), 'utf8');
  assert.ok(meshes.includes(presetsMarkdown()), 'docs/meshes.md presets table is out of date: paste presetsMarkdown() from scripts/readme-tables.ts');
});

it('the README documents every exit code that --help lists', () => {
  const readme = readFileSync(readmePath, 'utf8');
  for (const [code] of exitCodeTable) for (const single of code.match(/\d+(\+N)?/g) ?? []) {
    if (single !== '0' && single !== '123' && single !== '128') assert.ok(readme.includes(`| ${single} |`), `exit code ${single} missing from README`);
  }
});
