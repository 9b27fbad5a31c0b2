// The arm64 bundle (dist/arm64/bundle/jobdone) in a root with only /jobdone and Debian's static
// arm64 busybox, chrooted as the main container of a sandbox pod: the same tests as the x64
// bundle (bare-root.ts). On x64 jobdone and the job's shell run under qemu-user; the sidecar
// is the host's bash. Emulation changes no result here, only time: an emulated jobdone starts
// in about a second, hence the longer bound for the suite.
import { join } from 'node:path';
import { arm64Busybox, arm64Dist, arm64SkipReason } from '../helpers/arm64.ts';
import { bundleSkipReason } from '../helpers/skip.ts';
import { describeBundleInBareRoot } from '../install/bare-root.ts';
import { sandboxSkipReason } from '../sandbox/pod.ts';

describeBundleInBareRoot('the arm64 bundle in a bare arm64 root (only /jobdone and an arm64 static busybox)', {
  bundle: join(arm64Dist, 'bundle', 'jobdone'),
  busybox: arm64Busybox,
  interpreter: '/jobdone/lib/ld-linux-aarch64.so.1',
  skip: sandboxSkipReason() ?? arm64SkipReason() ?? bundleSkipReason(join(arm64Dist, 'bundle', 'jobdone'), 'npm run build -- --arch arm64 --bundle'),
  timeoutMs: 180_000,
});
