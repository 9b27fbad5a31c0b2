// What a refused invocation still asked for, read leniently (src/config/refused-invocation.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { requestedLogFormat } from '../../src/config/refused-invocation.ts';

it('the log format of a refused invocation: flag over variable, after a subcommand, never from the job\'s arguments', () => {
  assert.equal(requestedLogFormat(['--log-format', 'json', '--frobnicate'], {}), 'json');
  assert.equal(requestedLogFormat(['--log-format=json', '--grace', 'x', '--', 'true'], {}), 'json');
  assert.equal(requestedLogFormat(['--grace', 'x'], { JOBDONE_LOG_FORMAT: 'json' }), 'json');
  assert.equal(requestedLogFormat(['--log-format', 'text'], { JOBDONE_LOG_FORMAT: 'json' }), 'text');
  assert.equal(requestedLogFormat(['ps', '-q', '--log-format', 'json', '--bad'], {}), 'json');
  assert.equal(requestedLogFormat(['--log-format', 'xml'], {}), 'text');
  assert.equal(requestedLogFormat(['--', 'cmd', '--log-format', 'json'], {}), 'text');
  assert.equal(requestedLogFormat(['cmd', '--log-format', 'json'], {}), 'text');
  // inject writes --log-format into the manifests; its own lines stay text.
  assert.equal(requestedLogFormat(['inject', '--log-format', 'json', '--bad'], {}), 'text');
});
