// The Node variables jobdone keeps out of its own Node (src/node-env/variables.ts): the list
// against the pinned Node binary, and the decisions over hand-made environments.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decodeStash, encodeStash, needsFreshStart, nodeVariableRows, nodeVariables, parseEnviron, variablesForTheJob,
} from '../../src/node-env/variables.ts';

// NODE_* strings in the binary that are not environment variables Node reads: internal constants
// and messages, and the variables `node --run` sets for its children (it never reads them).
const notVariables = [
  /^NODE_PERFORMANCE_/, /^NODE_HANDLE/, /^NODE_SOCKET_/, /^NODE_BINDING_/, /^NODE_BUILTIN_/, /^NODE_SEA_/, /^NODE_RUN_/,
  /^NODE_MODULE_VERSION$/, /^NODE_USE_V8_PLATFORM$/, /^NODE_OPENSSL_CONF_NAME$/, /^NODE_DEBUG_ENABLED$/, /^NODE_CLUSTER$/,
  /^NODE_OPTUH$/, // a fragment of NODE_OPTIONS in machine code
];

describe('the Node variables', () => {
  it('every NODE_* name in the pinned Node 24 binary is in the list or known not to be a variable Node reads', () => {
    const require = createRequire(import.meta.url);
    const node = join(dirname(require.resolve(`node-linux-${process.arch}/package.json`)), 'bin', 'node');
    const names = new Set(readFileSync(node).toString('latin1').match(/\bNODE_[A-Z0-9_]+/g));
    const listed = new Set(nodeVariables.map((variable) => variable.name));
    const unknown = [...names].filter((name) => !listed.has(name) && !notVariables.some((pattern) => pattern.test(name)));
    assert.deepEqual(unknown, [], 'a Node upgrade reads new variables: classify them in src/node-env/variables.ts');
    const absent = [...listed].filter((name) => !names.has(name));
    assert.deepEqual(absent, [], 'listed but not in this Node');
  });

  it('the job\'s Node variables are picked out of an environment; NODE_OPTIONS, NODE_ENV and others stay', () => {
    const env: Array<[string, string]> = [['PATH', '/bin'], ['NODE_ENV', 'production'], ['NODE_VERSION', '24'], ['NODE_OPTIONS', '--require x'],
      ['NODE_DEBUG', 'child_process'], ['NODE_TLS_REJECT_UNAUTHORIZED', '0'], ['NODE_COMPILE_CACHE', '/c']];
    // NODE_COMPILE_CACHE stays: the executable's Node does not read it (renamed by the build).
    assert.deepEqual(variablesForTheJob(env), [['NODE_DEBUG', 'child_process'], ['NODE_TLS_REJECT_UNAUTHORIZED', '0']]);
    assert.equal(needsFreshStart(variablesForTheJob(env)), true);
    assert.equal(needsFreshStart([['NODE_TLS_REJECT_UNAUTHORIZED', '0'], ['NODE_EXTRA_CA_CERTS', '/ca.pem'], ['NODE_COMPILE_CACHE', '/c']]), false, 'no fresh start for what has no effect on jobdone');
    assert.equal(needsFreshStart([]), false);
  });

  it('the stash carries any value through, and anything else decodes to nothing', () => {
    const values: Array<[string, string]> = [['NODE_DEBUG', 'a b=c "d" \\e\n\u00e9\u{1F600}'], ['NODE_CHANNEL_FD', '3'], ['NODE_PATH', '']];
    assert.deepEqual(decodeStash(encodeStash(values)), values);
    for (const bad of ['', 'x', '{}', '[["a"]]', '[["a", 1]]', 'null']) assert.deepEqual(decodeStash(bad), [], bad);
  });

  it('/proc/self/environ: NUL-separated NAME=VALUE, values may hold = and newlines', () => {
    assert.deepEqual(parseEnviron('A=1\0B=x=y\0C=\0D=a\nb\0junk\0'), [['A', '1'], ['B', 'x=y'], ['C', ''], ['D', 'a\nb']]);
  });
});

it('docs/security.md shows every variable with what jobdone does with it', () => {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const table = /<!-- node-variables:start -->\n\| variable .*\n\|---\|---\|---\|\n([\s\S]*?)<!-- node-variables:end -->/.exec(doc)?.[1];
  assert.equal(table, nodeVariableRows());
});
