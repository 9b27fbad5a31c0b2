// The executables run their bundle with a V8 code cache made by their own Node at build time
// (scripts/sea-main.cjs, scripts/sea-code-cache.cjs). A cache V8 rejects fails nothing, it only
// makes every start compile the bundle again, so the rejection is checked here, for each CPU's
// build (the arm64 one under qemu-user), not left to the benchmark.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arm64SkipReason } from '../helpers/arm64.ts';
import { cleanEnv, repoRoot } from '../helpers/jobdone.ts';

const builds = [
  { arch: process.arch, skip: existsSync(join(repoRoot, 'dist', process.arch, 'jobdone')) ? undefined : `dist/${process.arch}/jobdone is missing: run npm run build` },
  ...(process.arch === 'arm64' ? [] : [{ arch: 'arm64', skip: arm64SkipReason() }]),
];

describe('the code cache in the executable', { timeout: 60_000 }, () => {
  for (const { arch, skip } of builds) {
    it(`dist/${arch}/jobdone takes the code cache its own Node made (even with V8 flags in NODE_OPTIONS, which it does not apply)`, { skip }, () => {
      const exe = join(repoRoot, 'dist', arch, 'jobdone');
      const check = (extra: Record<string, string>) => spawnSync(exe, ['--sea-code-cache-check'], { env: cleanEnv(extra), encoding: 'utf8', timeout: 30_000 });
      for (const result of [check({}), check({ NODE_OPTIONS: '--max-old-space-size=64 --stack-size=900' })]) {
        assert.equal(result.stdout, 'code cache accepted\n', result.stderr);
        assert.equal(result.status, 0);
      }
    });
  }
});
