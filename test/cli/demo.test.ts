import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { cleanEnv, repoRoot } from '../helpers/jobdone.ts';
import { asRoot, cannotRun } from '../helpers/skip.ts';

const isRoot = process.getuid?.() === 0;

it('npm run demo as a user other than root says it needs root, in one line', { skip: cannotRun('the demo test', isRoot ? undefined : 'needs root to drop to another uid with setpriv', asRoot) }, () => {
  const result = spawnSync('setpriv', ['--reuid', '1000', '--regid', '1000', '--clear-groups', '--',
    process.execPath, '--import', 'tsx', join(repoRoot, 'scripts', 'demo.ts')], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /^npm run demo needs root[^\n]*\n$/);
});
