// npm test on a machine that lacks things: every skip names the command that makes it run
// (test/helpers/skip.ts), a second reporter records the skips (scripts/test-skips.mjs), and the
// run ends with one summary of them; under CI a reason to skip is an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/jobdone.ts';
import { install, skipOrFail } from '../helpers/skip.ts';

const summarize = (records: ReadonlyArray<{ file: string; name: string; reason: string }>): string[] => {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-skips-'));
  try {
    const file = join(dir, 'run.jsonl');
    writeFileSync(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'test-skips.mjs'), file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trimEnd().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** This test runs inside node --test, which marks its children (NODE_TEST_CONTEXT) to report to it; a run of its own must not be marked. */
function outsideTheRunner(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

describe('the reason to skip', () => {
  it('ends with the command that makes the tests run, and is an error under CI', () => {
    assert.equal(skipOrFail('the pod sandbox', 'pod sandbox needs catatonit', install('sandbox'), undefined), 'pod sandbox needs catatonit (to run: sh scripts/install-test-deps.sh sandbox)');
    assert.equal(skipOrFail('the pod sandbox', undefined, install('sandbox'), 'true'), undefined);
    assert.throws(() => skipOrFail('the pod sandbox', 'pod sandbox needs catatonit', install('sandbox'), 'true'),
      { message: 'CI is set but the pod sandbox cannot run: pod sandbox needs catatonit (to run: sh scripts/install-test-deps.sh sandbox)' });
  });
});

describe('the summary at the end of npm test', () => {
  it('groups the skips by the command that makes them run, counts each test once over the runs, and ends with one install command', () => {
    const lines = summarize([
      { file: 'test/a.test.ts', name: 'pods', reason: 'pod sandbox needs catatonit, busybox (busybox-static) (to run: sh scripts/install-test-deps.sh sandbox)' },
      { file: 'test/a.test.ts', name: 'pods', reason: 'pod sandbox needs catatonit, busybox (busybox-static) (to run: sh scripts/install-test-deps.sh sandbox)' },
      { file: 'test/b.test.ts', name: 'more pods', reason: 'pod sandbox needs catatonit, busybox (busybox-static) (to run: sh scripts/install-test-deps.sh sandbox)' },
      { file: 'scripts/test.sh', name: 'the arm64 build', reason: 'arm64 under emulation needs file (to run: sh scripts/install-test-deps.sh arm64)' },
      { file: 'test/c.test.ts', name: 'listener', reason: 'the listener half applies to dist/jobdone' },
    ]);
    assert.deepEqual(lines, [
      '== skipped: what this machine cannot run (2 groups)',
      '   1 test or suite: arm64 under emulation needs file',
      '      to run them: sh scripts/install-test-deps.sh arm64',
      '   2 tests and suites: pod sandbox needs catatonit, busybox (busybox-static)',
      '      to run them: sh scripts/install-test-deps.sh sandbox',
      '   and 1 test or suite by design in this run (not about this machine): the listener half applies to dist/jobdone',
      '== to run everything: sh scripts/install-test-deps.sh arm64 sandbox (as root, Debian or Ubuntu; what .ci/run installs), then npm test',
    ]);
  });

  it('says so when nothing was skipped for want of something', () => {
    assert.deepEqual(summarize([]), ['== skipped: nothing for want of anything on this machine']);
    assert.deepEqual(summarize([{ file: 'x', name: 'root only', reason: 'needs root (to run: sudo npm test)' }]), [
      '== skipped: what this machine cannot run (1 group)',
      '   1 test or suite: needs root',
      '      to run them: sudo npm test',
    ]);
  });

  it('as a reporter beside spec, records every skipped test and suite with its reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-skips-'));
    try {
      writeFileSync(join(dir, 'some.test.mjs'), [
        "import { describe, it } from 'node:test';",
        "describe('a group', { skip: 'needs catatonit (to run: sh scripts/install-test-deps.sh sandbox)' }, () => { it('inside', () => {}); });",
        "it('runs', () => {});",
        "it('skips itself', (t) => t.skip('not here'));",
        '',
      ].join('\n'));
      const out = join(dir, 'skips.jsonl');
      const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
        `--test-reporter=${join(repoRoot, 'scripts', 'test-skips.mjs')}`, `--test-reporter-destination=${out}`, join(dir, 'some.test.mjs')], { cwd: dir, encoding: 'utf8', env: outsideTheRunner() });
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const records = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { name: string; reason: string });
      assert.deepEqual(records.map(({ name, reason }) => [name, reason]).sort(), [
        ['a group', 'needs catatonit (to run: sh scripts/install-test-deps.sh sandbox)'],
        ['skips itself', 'not here'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
