import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { optionSpecs, envName } from '../../src/config/options.ts';
import { repoRoot, runJobdone } from '../helpers/jobdone.ts';

describe('--help and --version', () => {
  it('--help lists usage, every option with its variable, and the exit codes', async () => {
    const result = await runJobdone(['--help']);
    assert.equal(result.code, 0);
    const text = result.stdout.toString();
    assert.match(text, /Usage: jobdone \[options\] -- CMD \[ARGS\.\.\.\]/);
    for (const spec of optionSpecs.filter((s) => s.for.includes('run'))) {
      assert.ok(text.includes(`--${spec.name}`), `--${spec.name} missing`);
      if (!spec.noEnv) assert.ok(text.includes(envName(spec)), `${envName(spec)} missing`);
    }
    for (const code of ['124', '125', '126', '127', '128+N']) assert.ok(text.includes(code), `exit code ${code} missing`);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runJobdone(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout.toString(), new RegExp(`^jobdone ${pkg.version.replace(/\./g, '\\.')} `));
  });

  it('options after the command belong to the job', async () => {
    const result = await runJobdone(['sh', '-c', 'echo "$@"', 'sh', '--help', '--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), '--help --version\n');
  });
});
