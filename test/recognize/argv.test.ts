import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationMs, flagSet, flagValue, portFlag } from '../../src/recognize/argv.ts';

test('flagValue: Go and GNU spellings, the first match, nothing after --', () => {
  const argv = ['/x', '-graceful-port', '20600', '--admin-port=9192', '--', '--admin-port=1'];
  assert.equal(flagValue(argv, 'graceful-port'), '20600');
  assert.equal(flagValue(argv, 'admin-port'), '9192');
  assert.equal(flagValue(['/x', '--', '--admin-port=1'], 'admin-port'), undefined);
  assert.equal(flagValue(['/x', '--admin-port'], 'admin-port'), undefined);
  assert.equal(flagValue(['--admin-port=5'], 'admin-port'), undefined, 'argv[0] is the program, never a flag');
});

test('flagSet: bare or true; =false is off', () => {
  assert.equal(flagSet(['/p', '--quitquitquit'], 'quitquitquit'), true);
  assert.equal(flagSet(['/p', '--quitquitquit=true'], 'quitquitquit'), true);
  assert.equal(flagSet(['/p', '--quitquitquit=false'], 'quitquitquit'), false);
  assert.equal(flagSet(['/p', '--quitquitquitx'], 'quitquitquit'), false);
  assert.equal(flagSet(['/p'], 'quitquitquit'), false);
});

test('portFlag: a port, host:port or [v6]:port; garbage falls back', () => {
  assert.equal(portFlag(['/p', '--admin-port', '9192'], 9091, 'admin-port'), 9192);
  assert.equal(portFlag(['/p', '--dapr-http-port=[::]:3600'], 3500, 'dapr-http-port'), 3600);
  assert.equal(portFlag(['/p', '--admin-port', 'x'], 9091, 'admin-port'), 9091);
  assert.equal(portFlag(['/p', '--admin-port', '70000'], 9091, 'admin-port'), 9091);
});

test('durationMs: Go durations; bare numbers only where the flag counts seconds', () => {
  assert.equal(durationMs('30s'), 30_000);
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('1.5s'), 1500);
  assert.equal(durationMs('10'), undefined);
  assert.equal(durationMs('10', 's'), 10_000);
  assert.equal(durationMs('10x'), undefined);
  assert.equal(durationMs(undefined), undefined);
  // Both micro signs Go takes: U+00B5 and the Greek U+03BC.
  assert.equal(durationMs('2500\u00b5s'), 3);
  assert.equal(durationMs('1s2000\u03bcs'), 1002);
});
