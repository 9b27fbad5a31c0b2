#!/bin/sh
# npm test: type-check, build dist/jobdone, run every test against the
# TypeScript source, then the process-level tests again against dist/jobdone.
set -eu
cd "$(dirname "$0")/.."
# npm puts node_modules/.bin first in PATH, and the pinned Node 24 package links
# a `node` there; the tests of the source run on the host's own Node.
node="${npm_node_execpath:-$(command -v node)}"
export PATH="$(dirname "$node"):$PATH"

echo "== type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p .
echo "== build dist/jobdone"
"$node" scripts/build.mjs

echo "== all tests against the TypeScript source ($("$node" --version))"
TEST_JOBDONE=src "$node" --import tsx --test --test-reporter=spec $(find test -name '*.test.ts' | sort)

echo "== process-level tests against dist/jobdone"
TEST_JOBDONE=dist "$node" --import tsx --test --test-reporter=spec $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)
