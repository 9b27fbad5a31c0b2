// A process whose main thread has exited while other threads run reads Z in /proc/<pid>/stat:
// the scan must tell it from a real zombie (a real process of each, made by a small C program).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readProcess, readStatOnly } from '../../src/proc/scan.ts';
import { ccSkipReason, compileC } from '../helpers/cc.ts';

const skip = ccSkipReason();

test('main thread gone, three threads running: not a zombie, in the scan and in the re-check before a signal', { skip }, async (t) => {
  const child = spawn(compileC('main-thread-exits'), ['3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await once(child.stdout, 'data');
  const pid = child.pid!;
  process.kill(pid, 'SIGUSR2');
  // Wait until main is really gone (ready is printed just before pthread_exit).
  for (let i = 0; i < 500 && !readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(readFileSync(`/proc/${pid}/stat`, 'latin1'), /\) Z /, 'the kernel shows main as a zombie');
  const info = readProcess('/proc', pid)!;
  assert.notEqual(info.state, 'Z');
  assert.equal(info.exiting, false);
  assert.equal(info.pid, pid);
  assert.equal(info.cgroup, readFileSync('/proc/self/cgroup', 'latin1'), 'the cgroup of a live thread, not the exited main thread\'s');
  assert.deepEqual(info.cmdline?.slice(1), ['3']);
  const stat = readStatOnly('/proc', pid)!;
  assert.notEqual(stat.state, 'Z');
  assert.equal(stat.startTime, info.startTime, 'the identity stays the process\'s');
  child.kill('SIGTERM');
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGTERM');
});

test('a real zombie (exited, not reaped) still reads Z', async (t) => {
  // sleep 0 exits; its parent, exec'd into sleep 30, never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => parent.kill('SIGKILL'));
  const [chunk] = await once(parent.stdout, 'data') as [Buffer];
  const pid = Number(chunk.toString().trim());
  for (let i = 0; i < 500 && readStatOnly('/proc', pid)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(readStatOnly('/proc', pid)?.state, 'Z');
  assert.equal(readProcess('/proc', pid)?.state, 'Z');
});
