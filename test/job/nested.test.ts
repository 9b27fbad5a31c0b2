// Which job is a nested jobdone run: the decision over data, then the /proc adapter on real
// processes (this test's own program, and others).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { isNestedRun, jobIsNestedRun, thisProgram, type ThisProgram } from '../../src/job/nested.ts';

const sea: ThisProgram = { exe: { dev: 1, ino: 77 }, programArgs: [] };
const source: ThisProgram = { exe: { dev: 1, ino: 5 }, programArgs: ['--import', 'file:///x/tsx/loader.mjs', '/x/src/main.ts'] };

test('the executable: same file and a run (any argv[0], any options) is nested; another file, or a subcommand, is not', () => {
  assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 77 }, argv: ['/jobdone/jobdone', '--grace', '5s', '--', 'countdown'] }), true);
  assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 77 }, argv: ['jobdone', '--', 'sh', '-c', 'exit 3'] }), true);
  assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 77 }, argv: ['jobdone'] }), true);
  assert.equal(isNestedRun(sea, { exe: { dev: 2, ino: 77 }, argv: ['/jobdone/jobdone', '--', 'x'] }), false);
  assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 78 }, argv: ['/jobdone/jobdone', '--', 'x'] }), false);
  for (const subcommand of ['ps', 'install', 'sidecar']) {
    assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 77 }, argv: ['/jobdone/jobdone', subcommand] }), false, subcommand);
  }
});

test('the source under node: the same node is not enough, the loader and script must match too', () => {
  const node = { dev: 1, ino: 5 };
  assert.equal(isNestedRun(source, { exe: node, argv: ['node', ...source.programArgs, '--', 'sh', '-c', 'exit 3'] }), true);
  assert.equal(isNestedRun(source, { exe: node, argv: ['node', 'job.js'] }), false);
  assert.equal(isNestedRun(source, { exe: node, argv: ['node', '--import', 'file:///x/tsx/loader.mjs', '/x/other.ts'] }), false);
  assert.equal(isNestedRun(source, { exe: node, argv: ['node', ...source.programArgs, 'ps'] }), false);
});

test('jobIsNestedRun on real processes: the same program is nested; the same node running something else, sh, and a reaped pid are not', async () => {
  // "This program" as node running one inline script, so that a child can be exactly that.
  const script = 'setTimeout(() => {}, 5000)';
  const self: ThisProgram = { exe: thisProgram().exe, programArgs: ['-e', script] };
  const cases: [string, string[], boolean][] = [
    ['the same program, as a run', ['-e', script, '--', 'sh'], true],
    ['the same node, another script', ['-e', `${script} // other`], false],
  ];
  for (const [what, args, expected] of cases) {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    try {
      assert.equal(jobIsNestedRun(child.pid!, self), expected, what);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  const sh = spawn('sh', ['-c', 'sleep 5'], { stdio: 'ignore' });
  assert.equal(jobIsNestedRun(sh.pid!, self), false, 'sh');
  sh.kill('SIGKILL');
  await once(sh, 'exit');
  assert.equal(jobIsNestedRun(sh.pid!, self), false, 'a reaped job');
});
