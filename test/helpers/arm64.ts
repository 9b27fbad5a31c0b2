// What the arm64 tests need on an x64 machine: qemu-user registered with binfmt_misc (so the
// kernel runs arm64 executables through it, also in a chroot: the F flag opens the emulator at
// registration), the arm64 build in dist/arm64, and Debian's static arm64 busybox in
// .cache/arm64 (scripts/arm64-tools.sh). On an arm64 machine nothing is emulated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './jobdone.ts';

export const arm64Dist = join(repoRoot, 'dist', 'arm64');
export const arm64Busybox = join(repoRoot, '.cache', 'arm64', 'busybox');

/** Why arm64 executables cannot run here, or undefined. In CI a reason is an error: CI must not skip. */
export function arm64SkipReason(): string | undefined {
  let reason: string | undefined;
  const handler = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
  if (process.arch !== 'arm64' && !(existsSync(handler) && readFileSync(handler, 'utf8').startsWith('enabled'))) {
    reason = `no enabled binfmt_misc handler for arm64 (${handler}): install qemu-user-static and binfmt-support, mount binfmt_misc, update-binfmts --enable qemu-aarch64 (.ci/run does)`;
  } else if (!existsSync(arm64Busybox)) {
    reason = `${arm64Busybox} is missing: run sh scripts/arm64-tools.sh`;
  } else if (!existsSync(join(arm64Dist, 'jobdone'))) {
    reason = `${arm64Dist}/jobdone is missing: run npm run build -- --arch arm64 (npm test does)`;
  }
  if (reason !== undefined && process.env.CI) throw new Error(`arm64 tests cannot run: ${reason}; CI must not skip them`);
  return reason;
}
