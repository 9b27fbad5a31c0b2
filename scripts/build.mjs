// npm run build: src/ -> dist/<arch>/jobdone, a Node Single Executable Application, and with
// --bundle dist/<arch>/bundle/jobdone/, the portable bundle (scripts/bundle.mjs).
//
//   npm run build                    for this machine's CPU; also dist/jobdone (hard link)
//   npm run build -- --bundle        and the portable bundle (needs patchelf), dist/bundle/jobdone
//                                    too; the Dockerfile, CI and npm test (with patchelf) build it
//   npm run build -- --arch arm64    for the other CPU (x64 or arm64; Docker's amd64 means x64),
//                                    on any host; arguments after `--` go to `npm pack`
//
// The bundle is an option because only the image ships it: dist/jobdone, what the demo and
// most tests run, needs no patchelf, so a fresh machine builds it with what it has. Every tool
// the build runs is looked for before it starts (preflight): one line naming the Debian package
// to install, not a stack trace halfway through.
//
// esbuild bundles src/ into one CommonJS file; the target's pinned Node 24 binary runs it once
// (`--version`, then the warm-up) and takes V8's code cache of it (scripts/sea-code-cache.cjs),
// then makes the SEA blob: scripts/sea-main.cjs as the main script, bundle and cache as assets
// (blob and binary must be the same Node version); a stripped copy of that Node binary gets the
// blob injected with postject. All offline once npm's cache holds the packages; runs on a Node
// 20 host.
//
// Cross-building: a code cache is V8 data of one Node build and CPU, so the target's own Node,
// under qemu-user, makes cache and blob; the build then runs the finished executable (under
// qemu-user too) to check that it accepts its cache.
// Not @yao-pkg/pkg: it downloads patched base binaries (or Node's source) from
// the internet, its SEA mode needs Node 22 to run, and underneath it runs this
// same postject step.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { architectures, makeBundle, missingTools } from './bundle.mjs';
import { bundleMain } from './bundle-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const step = (what) => process.stderr.write(`build: ${what}\n`);
const fail = (why) => {
  process.stderr.write(`build: ${why}\n`);
  process.exit(1);
};

/**
 * --arch <x64|arm64|amd64> (default: this machine's), --bundle, then `--` and flags for npm pack.
 * --js-only (npm prepack, any OS): just dist/jobdone.cjs, the npm bin that runs on plain Node.
 */
function parseArguments(argv) {
  let arch = process.arch;
  let jsOnly = false;
  let withBundle = false;
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const npmFlags = separator === -1 ? [] : argv.slice(separator + 1);
  for (let index = 0; index < own.length; index++) {
    const [flag, inline] = own[index].split(/=(.*)/s);
    if (flag === '--js-only' || flag === '--bundle') {
      if (flag === '--js-only') jsOnly = true;
      else withBundle = true;
      continue;
    }
    if (flag !== '--arch') fail(`unknown argument ${JSON.stringify(own[index])}: accepted are --arch x64|arm64, --bundle, --js-only, then -- and flags for npm pack`);
    arch = inline ?? own[++index];
    if (arch === undefined) fail('--arch needs a value: x64 or arm64');
  }
  if (arch === 'amd64') arch = 'x64'; // Docker's TARGETARCH
  if (architectures[arch] === undefined) fail(`--arch ${JSON.stringify(arch)} is not supported: accepted are ${Object.keys(architectures).join(', ')} (or amd64)`);
  return { arch, npmFlags, jsOnly, withBundle };
}

const { arch, npmFlags, jsOnly, withBundle } = parseArguments(process.argv.slice(2));
if (jsOnly) {
  const js = join(root, 'dist', 'jobdone.cjs');
  mkdirSync(dirname(js), { recursive: true });
  await bundleMain(js);
  chmodSync(js, 0o755);
  step('dist/jobdone.cjs ready (--js-only: no single executable)');
  process.exit(0);
}
const target = architectures[arch];
const missing = missingTools(arch, withBundle);
if (missing !== undefined) fail(missing);
const hostNode = nodeOfThisMachine();
const out = join(root, 'dist', arch);
const bundle = join(out, 'jobdone.cjs');
const blob = join(out, 'jobdone.blob');
const exe = join(out, 'jobdone');

/** The pinned Node 24 for this CPU: npm installed it as the optional dependency that matches. */
function nodeOfThisMachine() {
  const name = `node-linux-${process.arch}`;
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), 'bin', 'node');
  } catch {
    return fail(`${name} is not installed: jobdone builds on Linux x64 and arm64 (run npm ci)`);
  }
}

/**
 * The target's Node binary. npm installs only the optional dependency of this CPU, so the other
 * one comes through `npm pack` (npm's registry and cache, nothing else), pinned to the
 * lockfile's version and checked against the lockfile's integrity before anything is unpacked.
 */
function nodeOf(arch) {
  if (arch === process.arch) return hostNode;
  const name = `node-linux-${arch}`;
  const locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages?.[`node_modules/${name}`];
  if (locked?.version === undefined || locked.integrity === undefined) fail(`package-lock.json pins no ${name}: it must stay an optional dependency`);
  const work = mkdtempSync(join(out, '.node-'));
  step(`fetching ${name}@${locked.version} with npm pack`);
  const packed = JSON.parse(execFileSync('npm', ['pack', `${name}@${locked.version}`, '--json', '--prefer-offline', '--pack-destination', work, ...npmFlags],
    { cwd: work, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString());
  const tarball = join(work, packed[0].filename);
  const [algorithm, expected] = locked.integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) fail(`${relative(root, tarball)} does not match package-lock.json: ${algorithm}-${actual}, expected ${locked.integrity}`);
  execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node']);
  rmSync(tarball);
  return join(work, 'package', 'bin', 'node');
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const targetNode = nodeOf(arch);

step(`bundling src/main.ts with esbuild (${relative(root, bundle)}: the program the SEA runs, and the npm bin for plain Node)`);
await bundleMain(bundle);
chmodSync(bundle, 0o755);
// One character above U+007F anywhere (esbuild escapes those in strings, not in a regular
// expression literal: a `µs` did it) makes the whole 268 KB source a two-byte string: every start
// decoded it in 1.0 ms instead of 0.5, and V8 read twice the bytes (measured, issue 21).
const nonAscii = nonAsciiIn(readFileSync(bundle, 'utf8'));
if (nonAscii !== undefined) fail(`${relative(root, bundle)} is not ASCII (${nonAscii}): write the character as a \\u escape in the source`);

// The code cache is V8 data of one Node build and CPU: the target's own Node makes it (under
// qemu-user when cross-building), with the V8 flags the executable runs with (the SEA's execArgv).
// The inspector's address (why: the comment on execArgv below); the code cache is made under the same options.
// No V8 flag here: any V8 flag (--enable-experimental-regexp-engine was tried) changes V8's flag
// hash, so V8 rejects the code cache of Node's own modules and every start compiles them from
// source: 36 -> 50 ms for Node spawning `true` (measured).
const seaExecArgv = ['--inspect-port=[ff0e::1]:9229'];
const seaSource = join(out, 'jobdone.sea.js');
const seaCache = join(out, 'jobdone.sea.cache');
const runTarget = (args, what) => {
  try {
    return execFileSync(targetNode, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root }).toString();
  } catch (error) {
    const why = String(error.stderr ?? '').trim().split('\n').pop() || error.message;
    if (targetNode === hostNode) fail(`${what} failed: ${why}`);
    return fail(`${what} failed (${why}): cross-building runs the ${arch} node, which needs qemu-user-static registered with binfmt_misc and the ${arch} libc (libc6:${target.debian}, libstdc++6:${target.debian})`);
  }
};
step(`making V8's code cache of the bundle with the ${arch} ${runTarget(['--version'], `running the ${arch} node`).trim()}${targetNode === hostNode ? '' : ' (under qemu-user)'}`);
runTarget([...seaExecArgv, join(root, 'scripts', 'sea-code-cache.cjs'), bundle, seaSource, seaCache], 'making the code cache');

step(`making the SEA blob with the same node`);
const seaConfig = join(out, 'sea-config.json');
writeFileSync(seaConfig, JSON.stringify({
  // A small main that runs the bundle (an asset) with its code cache (an asset): see the file.
  main: join(root, 'scripts', 'sea-main.cjs'),
  output: blob,
  disableExperimentalSEAWarning: true,
  assets: { 'jobdone.js': seaSource, 'jobdone.cache': seaCache },
  // Node's own snapshot and code cache stay off: scripts/sea-main.cjs brings a better cache
  // (docs/performance.md), and a startup snapshot would freeze module-level state at build time.
  useSnapshot: false,
  useCodeCache: false,
  // NODE_OPTIONS belongs to the job: a Node job image's `--require /app/tracing.js` or
  // `--inspect` must not be applied to jobdone itself (it failed to start, or took the job's
  // inspector port). The job still gets NODE_OPTIONS in its environment, untouched. It also
  // keeps V8 flags out, which would make V8 reject the code cache.
  execArgvExtension: 'none',
  // SIGUSR1 opens Node's inspector, a debugger that runs any code as jobdone (root with
  // CAP_KILL over the pod), on 127.0.0.1:9229, which every container of the pod can reach.
  // jobdone replaces that handler as its first statement (src/job/early-sigusr1.ts); before that,
  // during Node's own start, the inspector may only listen on ff0e::1, an IPv6 multicast address:
  // Linux refuses to bind a TCP socket to one (EINVAL, the first check of __inet6_bind in
  // net/ipv6/af_inet6.c), whatever addresses, routes or ip_nonlocal_bind the pod's network has,
  // so that start fails and nothing listens. The unicast 0.0.0.1 used before was bindable by any
  // container with NET_ADMIN (ip addr add 0.0.0.1/32 dev lo, or net.ipv4.ip_nonlocal_bind=1).
  // Not --disable-sigusr1: with it Node 24 keeps SIGUSR1 blocked in every thread (it never calls
  // StartDebugSignalHandler, which unblocks it), so jobdone could never forward it to the job.
  execArgv: seaExecArgv,
}, null, 2));
runTarget(['--experimental-sea-config', seaConfig], 'making the SEA blob');

step(`injecting the blob into a stripped copy of the ${arch} node binary`);
copyFileSync(targetNode, exe);
chmodSync(exe, 0o755);
// The host's strip reads only its own CPU's ELF files; the other CPU needs the cross binutils.
const strip = arch === process.arch ? 'strip' : `${target.triplet}-strip`;
try {
  // The official arm64 binary's many unnamed notes make strip warn for each; on failure the
  // error carries its stderr.
  execFileSync(strip, ['--strip-all', exe], { stdio: ['ignore', 'inherit', 'pipe'] });
} catch (error) {
  fail(`${strip} failed (${String(error.stderr ?? error.message).trim().split('\n').pop()}): to build for ${arch} on this machine install the Debian package ${target.binutils}`);
}
if (targetNode !== hostNode) rmSync(dirname(dirname(dirname(targetNode))), { recursive: true, force: true });
unreadJobVariables(exe);

/**
 * Two of the job's Node variables act on jobdone's own Node in its C++ start, before any code of
 * jobdone, and only there (their JavaScript readers run for a REPL or module.enableCompileCache,
 * never in jobdone):
 * - NODE_REPL_EXTERNAL_MODULE: with NODE_OPTIONS off (execArgvExtension "none") Node refused to
 *   run whenever it was set, exit 9 (nodejs/node#52905): a job image that set it for its own
 *   REPL could not run jobdone at all (issue 18).
 * - NODE_COMPILE_CACHE: Node compiled jobdone through that cache and wrote jobdone's entry, as
 *   root, into the job's directory at exit (issue 18).
 * The executable's copy of Node gets each name, in its C++ string table, replaced by one of the
 * same length that nothing sets; the job still receives the variables (jobdone passes its
 * environment on as it is). Only a NUL-terminated occurrence not preceded by a 4-byte length of
 * the name (how V8's startup snapshot stores its copies, which must stay intact) is the C++
 * literal; anything but exactly one such occurrence (another Node) fails the build instead of
 * patching blind.
 */
function unreadJobVariables(file) {
  const renames = [['NODE_REPL_EXTERNAL_MODULE', 'JOBDONE_UNREAD_NODE_REPL_'], ['NODE_COMPILE_CACHE', 'JOBDONE_UNREAD_NCC']];
  const data = readFileSync(file);
  for (const [name, replacement] of renames) {
    if (replacement.length !== name.length) fail(`unreadJobVariables: ${replacement} must be as long as ${name}`);
    const literal = Buffer.from(`\0${name}\0`, 'latin1');
    const lengthPrefix = Buffer.from([name.length, 0, 0, 0]);
    const found = [];
    for (let at = data.indexOf(literal); at !== -1; at = data.indexOf(literal, at + 1)) {
      if (!data.subarray(at - 3, at + 1).equals(lengthPrefix)) found.push(at + 1);
    }
    if (found.length !== 1) fail(`${relative(root, file)}: expected one C++ literal ${name} in this Node, found ${found.length}: the build cannot keep that variable from acting on jobdone (see unreadJobVariables)`);
    Buffer.from(replacement, 'latin1').copy(data, found[0]);
  }
  writeFileSync(file, data);
}

/**
 * postject puts the blob into the executable. Its ELF library (LIEF) warns once per note of the
 * stripped binary ("Can't find string offset for section name '.note.100'", 12 lines on every
 * build) and the result is right (the bundle check and every test run it): those lines are
 * dropped, anything else it says is shown.
 */
function inject(file, sea) {
  const result = spawnSync(process.execPath, [require.resolve('postject/dist/cli.js'), file, 'NODE_SEA_BLOB', sea,
    '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const said = result.stderr.split('\n').filter((line) => line !== '' && !/^warning: Can't find string offset for section name '\.note[^']*'$/.test(line));
  if (result.status !== 0) fail(`postject failed (exit ${result.status ?? result.signal}): ${said.join(' / ') || 'no message'}`);
  for (const line of said) process.stderr.write(`${line}\n`);
}
inject(exe, blob);
// The executable must take its own code cache (V8 silently compiles from source otherwise, and
// each start pays that again): scripts/sea-main.cjs reports it (--sea-code-cache-check).
const selfCheck = (() => {
  try {
    return execFileSync(exe, ['--sea-code-cache-check'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch (error) {
    return String(error.stdout ?? '').trim() || String(error.stderr ?? error.message).trim().split('\n').pop();
  }
})();
if (selfCheck !== 'code cache accepted') fail(`${relative(root, exe)} does not take its code cache (${selfCheck}): the cache must be made by the Node that goes into it, with the SEA's execArgv`);
step(`${relative(root, exe)} ready (${(statSync(exe).size / 1e6).toFixed(1)} MB uncompressed), its code cache accepted`);

// The same executable with its glibc and libstdc++, for images without glibc
// (scratch, distroless/static, Alpine): see scripts/bundle.mjs. Its errors are one line.
if (withBundle) {
  try {
    const portable = makeBundle(exe, join(out, 'bundle', 'jobdone'), arch);
    step(`${relative(root, join(out, 'bundle', 'jobdone'))}/ ready, to live at /jobdone (${portable.files} files, ${(portable.bytes / 1e6).toFixed(1)} MB uncompressed)`);
  } catch (error) {
    const detail = String(error.stderr ?? '').trim().split('\n').pop();
    fail(detail ? `${error.message.split('\n')[0]}: ${detail}` : error.message);
  }
}

// dist/jobdone and dist/bundle/jobdone stay where the tests, the Dockerfile's users and the
// README expect this machine's build: hard links to it (no second 100 MB copy, still plain files).
if (arch === process.arch) {
  const link = (from, to) => {
    rmSync(to, { recursive: true, force: true });
    if (statSync(from).isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) link(join(from, name), join(to, name));
    } else {
      linkSync(from, to);
    }
  };
  link(exe, join(root, 'dist', 'jobdone'));
  link(bundle, join(root, 'dist', 'jobdone.cjs'));
  // Without --bundle an older build's bundle goes: dist/bundle is always this build's, or absent.
  if (withBundle) link(join(out, 'bundle'), join(root, 'dist', 'bundle'));
  else rmSync(join(root, 'dist', 'bundle'), { recursive: true, force: true });
  step(`dist/jobdone, dist/jobdone.cjs${withBundle ? ' and dist/bundle/jobdone/ are' : ' are'} this machine's build (hard links)`);
}

/** Where a text has its first character above U+007F, with some context; undefined when it has none. */
function nonAsciiIn(text) {
  const at = text.search(/[^\x00-\x7f]/);
  return at < 0 ? undefined : `at offset ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 10))}`;
}
