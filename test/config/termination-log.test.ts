// Where the termination message goes when the parser refused the invocation: the parser's own
// rules, read leniently, and nothing of the job's command line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminationLogOfRefusedInvocation } from '../../src/config/termination-log.ts';
import { runConfig as run } from '../helpers/config.ts';

describe('the termination log of a refused invocation', () => {
  const target = terminationLogOfRefusedInvocation;

  it('is the run\'s own rule: /dev/termination-log if present, \'\' off, a path; flag over variable', () => {
    assert.deepEqual(target([], {}), { path: '/dev/termination-log', onlyIfPresent: true });
    assert.equal(target([], { JOBDONE_TERMINATION_LOG: '' }), undefined);
    assert.deepEqual(target([], { JOBDONE_TERMINATION_LOG: '/env' }), { path: '/env', onlyIfPresent: false });
    assert.deepEqual(target(['--termination-log=/flag'], { JOBDONE_TERMINATION_LOG: '/env' }), { path: '/flag', onlyIfPresent: false });
    assert.equal(target(['--termination-log', ''], { JOBDONE_TERMINATION_LOG: '/env' }), undefined);
    for (const argv of [['--termination-log', '/x', '--', 'true'], ['--grace', '1s', '--termination-log', '/x', 'job']]) {
      assert.deepEqual(target(argv, {}), run(argv.slice(0, argv.indexOf('/x') + 1)).terminationLog, argv.join(' '));
    }
  });

  it('passes over the very problems that got the invocation refused', () => {
    const at = { path: '/x', onlyIfPresent: false };
    assert.deepEqual(target(['--grace', 'soon', '--termination-log', '/x'], { JOBDONE_GRCE: '1' }), at);
    assert.deepEqual(target(['--frobnicate', '--no-kill=yes', '-q', '--termination-log', '/x'], {}), at);
    // A value option's value is skipped, even when it looks like the option.
    assert.deepEqual(target(['--only', '--termination-log', '--termination-log', '/x'], {}), at);
  });

  it('reads nothing of the job: options end at --, at the command, and at a missing value', () => {
    const fallback = { path: '/dev/termination-log', onlyIfPresent: true };
    assert.deepEqual(target(['--', '--termination-log', '/job/arg'], {}), fallback);
    assert.deepEqual(target(['job', '--termination-log', '/job/arg'], {}), fallback);
    assert.deepEqual(target(['-', '--termination-log', '/job/arg'], {}), fallback);
    assert.deepEqual(target(['--termination-log', '--', '/job/arg'], {}), fallback);
    assert.deepEqual(target(['--termination-log'], {}), fallback);
  });
});
