import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCmdline, parseRealUid, parseStat } from '../../src/proc/parse.ts';

const tail = '0 -1 4194560 312 0 0 0 3 1 0 0 20 0 1 0 777 4509696 180 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0';

test('parseStat reads the fields around a plain comm', () => {
  assert.deepEqual(parseStat(`42 (sleep) S 7 40 41 ${tail}\n`), {
    pid: 42, comm: 'sleep', state: 'S', ppid: 7, pgrp: 40, session: 41, startTime: 777, exiting: false, kernelThread: false,
  });
});

test('parseStat reads PF_EXITING from the flags: a process that has begun to exit, before it is a zombie', () => {
  const exiting = tail.replace('4194560', String(4194560 | 0x4));
  assert.equal(parseStat(`42 (sleep) R 7 40 41 ${exiting}\n`)?.exiting, true);
  assert.equal(parseStat(`42 (sleep) R 7 40 41 ${tail}\n`)?.exiting, false);
});

test('parseStat takes comm up to the LAST parenthesis', () => {
  for (const comm of ['a) (b', 'x (y) z ) 1 2', ') S 99 99 99', '((', ' ', 'two\nlines', 'ends with )']) {
    const stat = parseStat(`42 (${comm}) R 7 40 41 ${tail}\n`);
    assert.equal(stat?.comm, comm);
    assert.equal(stat?.ppid, 7);
    assert.equal(stat?.startTime, 777);
    assert.equal(stat?.state, 'R');
  }
});

test('parseStat rejects text that is not a stat line', () => {
  assert.equal(parseStat(''), undefined);
  assert.equal(parseStat('42 sleep S 7'), undefined);
  assert.equal(parseStat('42 (sleep) S 7 40'), undefined);
  assert.equal(parseStat('x (sleep) S 7 40 41 ' + tail), undefined);
});

test('parseRealUid takes the first (real) uid of the Uid line', () => {
  assert.equal(parseRealUid('Name:\tx\nUid:\t1000\t0\t1337\t0\nGid:\t0\t0\t0\t0\n'), 1000);
  assert.equal(parseRealUid('Uid:\t0\t0\t0\t0\n'), 0);
  assert.equal(parseRealUid('Name:\tx\nGid:\t5\t5\t5\t5\n'), undefined);
  assert.equal(parseRealUid('Name:\tUid:\t7\n'), undefined);
});

test('parseCmdline splits on NUL and drops the terminator', () => {
  assert.deepEqual(parseCmdline('sleep\0infinity\0'), ['sleep', 'infinity']);
  assert.deepEqual(parseCmdline('nginx: master process nginx'), ['nginx: master process nginx']);
  assert.deepEqual(parseCmdline('a\0\0b\0'), ['a', '', 'b']);
  assert.deepEqual(parseCmdline(''), []);
});

test('/proc/uptime as clock ticks: two decimals and a blank, as /^(\\d+)\\.(\\d\\d)\\s/ reads it', async () => {
  const { ticksOf } = await import('../../src/proc/clock.ts');
  assert.equal(ticksOf('12345.67 23456.78\n'), 1234567);
  assert.equal(ticksOf('0.05 0.00\n'), 5);
  assert.equal(ticksOf('7.10\n'), 710);
  for (const bad of ['', '.50 1', '12.5 1', '12.345 1', '12,34 1', 'x12.34 1', '12.34', '12.3x 1', '-1.00 1']) assert.equal(ticksOf(bad), undefined, bad);
});
