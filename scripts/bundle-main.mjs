// esbuild: src/main.ts -> one CommonJS file (SEA main scripts must be CJS) that is also the
// npm package's bin (`#!/usr/bin/env node`: npx jobdone inject on any OS with Node >= 20).
//
// Two things are arranged here, not in src/:
// - jobdone inject (and the yaml parser it uses) is bundled on its own and embedded as a string,
//   compiled only when inject runs. Bundled as code, V8 had to pre-parse three times more
//   source at every start: a Job's start got about 4 ms slower for a subcommand it never runs.
//   main.ts loads it with import(), which esbuild turns into a require of this module: the
//   bundle holds no dynamic import (those fail in some SEA modes).
// - node:sea exists from Node 20.12 and 21.7; on older Node the npm bin reads it as "not a SEA".
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning' };

const optionalSea = {
  name: 'optional-node-sea',
  setup(builder) {
    builder.onResolve({ filter: /^node:sea$/ }, (args) => (args.namespace === 'optional-sea'
      ? { path: 'node:sea', external: true }
      : { path: 'node:sea', namespace: 'optional-sea' }));
    builder.onLoad({ filter: /.*/, namespace: 'optional-sea' }, () => ({
      contents: 'let sea; try { sea = require("node:sea"); } catch { sea = { isSea: () => false }; } module.exports = sea;',
      loader: 'js',
    }));
  },
};

/** The inject module as a string: `module.exports = <compiled on first require>`. */
async function injectAsString() {
  const result = await build({ ...common, entryPoints: [join(root, 'src', 'inject', 'run-inject.ts')], write: false, plugins: [optionalSea] });
  const code = result.outputFiles[0].text;
  return `const m = { exports: {} }; new Function('module', 'exports', 'require', ${JSON.stringify(code)})(m, m.exports, require); module.exports = m.exports;`;
}

export async function bundleMain(outfile) {
  const injectModule = await injectAsString();
  const lazyInject = {
    name: 'lazy-inject',
    setup(builder) {
      builder.onResolve({ filter: /\/inject\/run-inject\.ts$/ }, (args) => (args.importer.endsWith(join('src', 'main.ts')) ? { path: 'run-inject', namespace: 'lazy-inject' } : undefined));
      builder.onLoad({ filter: /.*/, namespace: 'lazy-inject' }, () => ({ contents: injectModule, loader: 'js' }));
    },
  };
  await build({ ...common, entryPoints: [join(root, 'src', 'main.ts')], outfile, banner: { js: '#!/usr/bin/env node' }, plugins: [optionalSea, lazyInject] });
}
