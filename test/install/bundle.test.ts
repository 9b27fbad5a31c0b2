// The portable bundle of this machine's CPU (dist/bundle/jobdone) in a root with only /jobdone
// and the machine's static busybox: see bare-root.ts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/jobdone.ts';
import { bundleSkipReason } from '../helpers/skip.ts';
import { sandboxSkipReason } from '../sandbox/pod.ts';
import { describeBundleInBareRoot } from './bare-root.ts';

const bundle = join(repoRoot, 'dist', 'bundle', 'jobdone');
const skip = sandboxSkipReason() ?? bundleSkipReason(bundle);
describeBundleInBareRoot('the portable bundle in a root with only /jobdone and busybox', {
  bundle,
  busybox: skip === undefined ? execFileSync('sh', ['-c', 'command -v busybox']).toString().trim() : '',
  interpreter: process.arch === 'arm64' ? '/jobdone/lib/ld-linux-aarch64.so.1' : '/jobdone/lib/ld-linux-x86-64.so.2',
  skip,
  timeoutMs: 90_000,
});
