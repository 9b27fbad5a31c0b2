// What the arm64 tests need on an x64 machine: qemu-user registered with binfmt_misc (so the
// kernel runs arm64 executables through it, also in a chroot: the F flag opens the emulator at
// registration), what the arm64 cross build needs (the arm64 strip and libc), `file` for the ELF
// check, Debian's static arm64 busybox in .cache/arm64 (scripts/arm64-tools.sh), and the arm64
// build in dist/arm64. scripts/install-test-deps.sh arm64 installs all but the build. On an
// arm64 machine nothing is emulated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './jobdone.ts';
import { cannotRun, install, onPath } from './skip.ts';

export const arm64Dist = join(repoRoot, 'dist', 'arm64');
export const arm64Busybox = join(repoRoot, '.cache', 'arm64', 'busybox');

/** What this x64 machine lacks to build and run arm64 (undefined on arm64, or when it lacks nothing). Never throws. */
export function arm64ToolsMissing(): string | undefined {
  if (process.arch === 'arm64') return undefined;
  const missing: string[] = [];
  const handler = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
  if (!(existsSync(handler) && readFileSync(handler, 'utf8').startsWith('enabled'))) missing.push('qemu-user-static (no enabled binfmt_misc qemu-aarch64)');
  if (!existsSync('/lib/ld-linux-aarch64.so.1')) missing.push('libc6:arm64 and libstdc++6:arm64 (dpkg --add-architecture arm64)');
  if (!onPath('aarch64-linux-gnu-strip')) missing.push('binutils-aarch64-linux-gnu');
  if (!onPath('file')) missing.push('file');
  if (!existsSync(arm64Busybox)) missing.push('the arm64 busybox in .cache/arm64 (scripts/arm64-tools.sh)');
  return missing.length === 0 ? undefined : `arm64 under emulation needs ${missing.join(', ')}`;
}

/** Why arm64 executables cannot be tested here, or undefined. In CI a reason is an error: CI must not skip. */
export function arm64SkipReason(): string | undefined {
  const tools = arm64ToolsMissing();
  if (tools !== undefined) return cannotRun('the arm64 tests', tools, install('arm64'));
  if (!existsSync(join(arm64Dist, 'jobdone'))) return cannotRun('the arm64 tests', `${arm64Dist}/jobdone is not built`, 'npm run build -- --arch arm64 --bundle');
  return undefined;
}
