// Small C programs the tests compile when they run (test/fixtures/c): processes that only C can
// make, such as one whose main thread has exited while others run. gcc is in the sandbox group of
// scripts/install-test-deps.sh; without a compiler those tests skip and say so (under CI they fail).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './jobdone.ts';
import { cannotRun, install } from './skip.ts';

let dir: string | undefined;

/** Why C programs cannot be built here, or undefined when cc works. */
export function ccSkipReason(): string | undefined {
  const probe = spawnSync('cc', ['--version'], { stdio: 'ignore' });
  return cannotRun('the tests with C programs', probe.status === 0 ? undefined : 'no C compiler (cc) to build the test program', install('sandbox'));
}

/** Compiles test/fixtures/c/NAME.c (with -pthread) into a temporary directory every user can read; returns the executable's path. */
export function compileC(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'jobdone-c-'));
  spawnSync('chmod', ['755', dir]);
  const out = join(dir, name);
  const built = spawnSync('cc', ['-O', '-Wall', '-pthread', '-o', out, join(repoRoot, 'test', 'fixtures', 'c', `${name}.c`)], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cc ${name}.c failed: ${built.stderr}`);
  return out;
}
