// The build on a machine that lacks a tool: one line naming the Debian package to install,
// before anything is built, never a stack trace halfway (scripts/build.mjs, scripts/bundle.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/jobdone.ts';

interface Machine { arch: string; commands: string[]; files: string[]; enabled: string[] }

/** missingTools over a made-up machine, computed by scripts/bundle.mjs in a child (it is plain JavaScript). */
function missingTools(arch: string, withBundle: boolean, machine: Machine): string | null {
  const code = `import(${JSON.stringify(join(repoRoot, 'scripts', 'bundle.mjs'))}).then((m) => {
    const m0 = ${JSON.stringify(machine)};
    const machine = { arch: m0.arch, onPath: (c) => m0.commands.includes(c), exists: (f) => m0.files.includes(f), enabled: (h) => m0.enabled.includes(h) };
    process.stdout.write(JSON.stringify(m.missingTools(${JSON.stringify(arch)}, ${withBundle}, machine) ?? null));
  })`;
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as string | null;
}

const freshX64: Machine = { arch: 'x64', commands: ['strip'], files: ['/proc/sys/fs/binfmt_misc/status'], enabled: [] };

describe('what the build lacks', () => {
  it('the plain executable needs only strip; --bundle needs patchelf', () => {
    assert.equal(missingTools('x64', false, freshX64), null);
    assert.equal(missingTools('x64', true, freshX64), 'cannot build for x64 here, missing patchelf (for --bundle): apt-get install patchelf');
    assert.equal(missingTools('x64', false, { ...freshX64, commands: [] }), 'cannot build for x64 here, missing strip: apt-get install binutils');
  });

  it('arm64 on a fresh x64 machine: one line with dpkg --add-architecture arm64 and every package', () => {
    assert.equal(missingTools('arm64', false, freshX64),
      'cannot build for arm64 here, missing aarch64-linux-gnu-strip, the arm64 libc (/lib/ld-linux-aarch64.so.1), qemu-user for arm64 (no enabled /proc/sys/fs/binfmt_misc/qemu-aarch64): ' +
      'dpkg --add-architecture arm64 && apt-get update && apt-get install binutils-aarch64-linux-gnu libc6:arm64 libstdc++6:arm64 qemu-user-static binfmt-support ' +
      '(or: sh scripts/install-test-deps.sh arm64, which also registers qemu)');
  });

  it('qemu is not asked for where binfmt_misc is not mounted (a container build stage runs the host\'s emulator)', () => {
    const container: Machine = { arch: 'x64', commands: ['strip', 'aarch64-linux-gnu-strip', 'patchelf'], files: ['/lib/ld-linux-aarch64.so.1'], enabled: [] };
    assert.equal(missingTools('arm64', true, container), null);
    assert.equal(missingTools('arm64', true, { ...container, files: [...container.files, '/proc/sys/fs/binfmt_misc/status'] }),
      'cannot build for arm64 here, missing qemu-user for arm64 (no enabled /proc/sys/fs/binfmt_misc/qemu-aarch64): apt-get install qemu-user-static binfmt-support (or: sh scripts/install-test-deps.sh arm64, which also registers qemu)');
  });
});

describe('the build without a tool it needs', () => {
  it('stops at once with one line on stderr, no stack trace, and builds nothing', () => {
    // A PATH with node, npm and strip but no patchelf.
    const bin = mkdtempSync(join(tmpdir(), 'jobdone-build-path-'));
    try {
      for (const command of ['npm', 'strip']) {
        const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
        if (found !== '') symlinkSync(found, join(bin, command));
      }
      symlinkSync(process.execPath, join(bin, 'node'));
      const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--bundle'], { encoding: 'utf8', env: { ...process.env, PATH: bin }, cwd: dirname(bin) });
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`^build: cannot build for ${process.arch} here, missing patchelf \\(for --bundle\\): apt-get install patchelf\\n$`));
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
