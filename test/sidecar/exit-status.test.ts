import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sidecarExitStatus } from '../../src/sidecar/run-sidecar.ts';

test('a death by a signal jobdone forwarded is a requested stop: exitCodeOnStop; anything else passes through', () => {
  assert.equal(sidecarExitStatus({ kind: 'signaled', signal: 'TERM' }, ['SIGTERM'], 0), 0);
  assert.equal(sidecarExitStatus({ kind: 'signaled', signal: 'INT' }, ['SIGTERM', 'SIGINT'], 3), 3);
  assert.equal(sidecarExitStatus({ kind: 'signaled', signal: 'TERM' }, [], 0), 143, 'killed by someone else: not a requested stop');
  assert.equal(sidecarExitStatus({ kind: 'signaled', signal: 'KILL' }, ['SIGTERM'], 0), 137);
  assert.equal(sidecarExitStatus({ kind: 'exited', code: 7 }, ['SIGTERM'], 0), 7);
  assert.equal(sidecarExitStatus({ kind: 'exited', code: 143 }, ['SIGTERM'], 0), 143, 'an exit code is the program\'s own answer');
  assert.equal(sidecarExitStatus({ kind: 'not-started', code: 127, reason: 'x' }, [], 0), 127);
});
