// Which job is a nested jobdone run: the decision over data, then the /proc adapter on real
// processes (this test's own program, and others).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { emulatedProgram, isNestedRun, jobIsNestedRun, thisProgram, type ThisProgram } from '../../src/job/nested.ts';

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

test('under binfmt emulation the program is the file after the emulator, with argv[0] kept only by the P flag', () => {
  const emulator = { dev: 1, ino: 9 };
  const cmdline = ['/usr/libexec/qemu-binfmt/aarch64-binfmt-P', './dist/arm64/jobdone', 'jobdone', '--', 'sh', '-c', 'exit 3'];
  assert.deepEqual(emulatedProgram(cmdline, { emulator, preservesArgv0: true }), { file: './dist/arm64/jobdone', argv: ['jobdone', '--', 'sh', '-c', 'exit 3'] });
  assert.deepEqual(emulatedProgram(['/usr/bin/qemu-aarch64-static', '/bin/sh', '-c', 'exit 3'], { emulator, preservesArgv0: false }), { file: '/bin/sh', argv: ['/bin/sh', '-c', 'exit 3'] });
  assert.equal(emulatedProgram(['/usr/bin/qemu-aarch64-static'], { emulator, preservesArgv0: false }), undefined);
  // Where binfmt_misc cannot be read (a pod's /proc): a kept argv[0] names the same program.
  assert.deepEqual(emulatedProgram(cmdline, { emulator, preservesArgv0: undefined }), { file: './dist/arm64/jobdone', argv: ['jobdone', '--', 'sh', '-c', 'exit 3'] });
  assert.deepEqual(emulatedProgram(['/q', '/jobdone/jobdone', '--', 'sh'], { emulator, preservesArgv0: undefined }), { file: '/jobdone/jobdone', argv: ['/jobdone/jobdone', '--', 'sh'] });
  // A subcommand after the kept argv[0] is still a subcommand.
  const program = emulatedProgram(['/q', '/jobdone/jobdone', '/jobdone/jobdone', 'ps'], { emulator, preservesArgv0: true })!;
  assert.equal(isNestedRun(sea, { exe: { dev: 1, ino: 77 }, argv: program.argv }), false);
});

test('jobIsNestedRun under emulation, on real processes: sh stands in for the emulator, a script for the emulated file', async () => {
  // The kernel shows an emulated job as "emulator FILE ARGS...": sh running a script looks the
  // same from /proc, so sh's exe plays the emulator and the script the emulated jobdone. The
  // script is named relative to the job's cwd, as a path given to execve can be.
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-nested-'));
  writeFileSync(join(dir, 'fake-jobdone'), 'sleep 5\n');
  writeFileSync(join(dir, 'other'), 'sleep 5\n');
  const fileId = (path: string) => { const { dev, ino } = statSync(path); return { dev, ino }; };
  const asJobdone: ThisProgram = { exe: fileId(join(dir, 'fake-jobdone')), programArgs: [] };
  const asOther: ThisProgram = { exe: fileId(join(dir, 'other')), programArgs: [] };
  const cases: [string, string[], ThisProgram, boolean][] = [
    ['the emulated file is this program, as a run', ['fake-jobdone', '--', 'x'], asJobdone, true],
    ['the emulated file is another program', ['fake-jobdone', '--', 'x'], asOther, false],
    ['the emulated file is this program, as a subcommand', ['fake-jobdone', 'ps'], asJobdone, false],
  ];
  try {
    for (const [what, args, self, expected] of cases) {
      const job = spawn('sh', args, { stdio: 'ignore', cwd: dir });
      try {
        const emulation = { emulator: fileId(`/proc/${job.pid}/exe`), preservesArgv0: false };
        assert.equal(jobIsNestedRun(job.pid!, self, emulation), expected, what);
        // Without knowing about the emulation, the emulator's exe is all there is: never this program.
        assert.equal(jobIsNestedRun(job.pid!, self, undefined), false, `${what}, emulation unknown`);
      } finally {
        job.kill('SIGKILL');
        await once(job, 'exit');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
