// The arm64 build (npm run build -- --arch arm64) as a file and as a process. On x64 it runs
// under qemu-user through binfmt_misc: the same process, same pid, its syscalls translated, so
// jobdone's own logic is unchanged; what differs is how /proc shows it, checked here. The
// process-level tests run against it in scripts/test.sh (TEST_JOBDONE=dist-arm64).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arm64Dist, arm64SkipReason } from '../helpers/arm64.ts';
import { cleanEnv, repoRoot } from '../helpers/jobdone.ts';

const skip = arm64SkipReason();
const arm64 = join(arm64Dist, 'jobdone');
const host = join(repoRoot, 'dist', 'jobdone');

describe('the arm64 executable', { skip, timeout: 60_000 }, () => {
  it('is an ARM aarch64 ELF file (file(1)), and this machine\'s dist/jobdone is its own CPU\'s', () => {
    assert.match(execFileSync('file', ['-b', arm64]).toString(), /^ELF 64-bit LSB executable, ARM aarch64, .*interpreter \/lib\/ld-linux-aarch64\.so\.1/);
    const own = process.arch === 'arm64' ? /ARM aarch64/ : /x86-64/;
    assert.match(execFileSync('file', ['-b', host]).toString(), own);
  });

  it('--version runs and prints the same version as this machine\'s build', () => {
    const version = (exe: string): string => execFileSync(exe, ['--version'], { env: cleanEnv(), timeout: 30_000 }).toString();
    const printed = version(arm64);
    assert.match(printed, /^jobdone \d+\.\d+\.\d+ \(node v24\.21\.0\)\n$/);
    assert.equal(printed, version(host));
  });

  it('under qemu-user /proc shows the emulator as its exe and in front of its cmdline; its job is a native process', { skip: process.arch === 'arm64' ? 'nothing is emulated on arm64' : undefined }, () => {
    // jobdone tells itself apart by pid (process.pid, the real pid under qemu-user) and the
    // other containers by cgroup, never by exe or cmdline, so none of this reaches a decision:
    // test/integration (jobdone ps marking itself, the pods) passes unchanged against it.
    // A user's --only/--skip pattern that matches the full cmdline of an emulated `jobdone
    // sidecar` sees these extra words; comm is unchanged (MainThread, Node names its thread).
    const report = 'readlink /proc/$PPID/exe; tr "\\0" " " < /proc/$PPID/cmdline; echo; cat /proc/$PPID/comm; readlink /proc/$$/exe';
    const result = spawnSync(arm64, ['--quiet', '--', 'sh', '-c', report], { env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    const [exe, cmdline, comm, jobExe] = result.stdout.split('\n');
    assert.match(exe!, /qemu-aarch64/);
    assert.match(cmdline!, new RegExp(`^/\\S*aarch64\\S* ${arm64} ${arm64} --quiet -- sh -c `));
    assert.equal(comm, 'MainThread');
    assert.doesNotMatch(jobExe!, /qemu/);
  });
});
