// Makes the SEA's two assets from the bundle (scripts/build.mjs): the source scripts/sea-main.cjs
// runs, and V8's code cache for it. Run by the TARGET's Node (under qemu-user when
// cross-building): a code cache holds bytecode and checks of one V8 build and its flags, so
// only the Node binary that goes into the executable can make one that it accepts.
//   node [the SEA's execArgv] scripts/sea-code-cache.cjs BUNDLE SOURCE_OUT CACHE_OUT
//
// The cache is taken after running the bundle once as `jobdone --version` and then its
// warm-up (src/warm-up-cache.ts: the stop on a made-up, in-memory pod, and the lifecycle over
// stand-ins; no job, no pod, no signal), so it holds the bytecode of every function those ran,
// not just of the top level. Nothing of
// this run's state goes into the executable: a code cache is code, not a heap snapshot.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');

async function main() {
  const [bundle, sourceOut, cacheOut] = process.argv.slice(2);
  if (cacheOut === undefined) throw new Error('usage: sea-code-cache.cjs BUNDLE SOURCE_OUT CACHE_OUT');
  // The CommonJS wrapper Node puts around a module; a #! line is valid only at a script's start.
  const body = readFileSync(bundle, 'utf8').replace(/^#!.*\n/, '');
  const source = `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
  const script = new Script(source, { filename: 'jobdone.js' });

  // `jobdone --version` prints and calls process.exit: both held back for this run.
  const { exit } = process;
  const write = process.stdout.write;
  const argv = process.argv;
  process.exit = () => {};
  process.stdout.write = () => true;
  process.argv = [argv[0], 'jobdone', '--version'];
  const bundled = { exports: {} };
  try {
    script.runInThisContext()(bundled.exports, require, bundled, 'jobdone.js', '/');
    await new Promise((resolve) => setImmediate(resolve));
    if (typeof bundled.exports.warmUpForCache !== 'function') throw new Error(`${bundle} exports no warmUpForCache (src/main.ts)`);
    await bundled.exports.warmUpForCache();
  } finally {
    process.exit = exit;
    process.stdout.write = write;
    process.argv = argv;
  }
  writeFileSync(sourceOut, source);
  writeFileSync(cacheOut, script.createCachedData());
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`sea-code-cache: ${error.stack ?? error}\n`);
  process.exit(1);
});
