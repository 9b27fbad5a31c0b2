// The SEA's main script (scripts/build.mjs): runs jobdone's bundle from the blob's assets with
// V8's code cache for it, made at build time by this same Node binary after a warm-up
// (scripts/sea-code-cache.cjs), so a start neither parses the 200 KB bundle nor compiles the
// stop path before the first signal. Node's own useCodeCache covers only what V8 compiles
// without running (the top level), which saved about 3 ms of a 75 ms start; this cache holds
// every function the warm-up ran as well.
//
// A cache V8 rejects (another Node version or CPU, other V8 flags) only costs time: V8 then
// compiles the source as if there were no cache. The build checks that the executable accepts
// its own: `jobdone --sea-code-cache-check` (that argument alone) prints whether V8 took the
// cache and exits, 0 accepted, 1 rejected. Not an environment variable: one left set in a pod
// would have ended jobdone before its job ran; without this, that argv is a usage error anyway.
'use strict';
const sea = require('node:sea');
const { Script } = require('node:vm');

const script = new Script(sea.getAsset('jobdone.js', 'utf8'), {
  filename: 'jobdone.js',
  // getRawAsset: the blob's bytes in place, no copy (V8 only reads them).
  cachedData: Buffer.from(sea.getRawAsset('jobdone.cache')),
});
if (process.argv.length === 3 && process.argv[2] === '--sea-code-cache-check') {
  process.stdout.write(`code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  process.exit(script.cachedDataRejected ? 1 : 0);
}
script.runInThisContext()(module.exports, require, module, 'jobdone.js', '/');
