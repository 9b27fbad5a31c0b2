#!/bin/sh
# npm test: type-check, build dist/jobdone, run every test against the
# TypeScript source, then the process-level tests again against dist/jobdone.
set -eu
cd "$(dirname "$0")/.."
# npm puts node_modules/.bin first in PATH, and the pinned Node 24 package links
# a `node` there; the tests of the source run on the host's own Node.
node="${npm_node_execpath:-$(command -v node)}"
export PATH="$(dirname "$node"):$PATH"

# The pod tests run parts of this checkout as other users (uids 1000, 1337, 65534). A clone in a
# private directory (mktemp -d makes mode 700) is closed to them: every directory above the
# checkout must be searchable. In CI (a throwaway machine) fix it; elsewhere say what to fix.
if [ "$(id -u)" = 0 ]; then
  dir=$(pwd)
  while [ "$dir" != / ]; do
    if [ $(( 0$(stat -c %a "$dir") & 1 )) = 0 ]; then
      if [ -n "${CI:-}" ]; then
        chmod o+x "$dir"
        echo "== made $dir searchable by other users (the pod tests run parts of the checkout as other uids)"
      else
        echo "warning: $dir is not searchable by other users, so the tests that run the checkout as uid 1000/1337/65534 will fail; run: chmod o+x $dir" >&2
      fi
    fi
    dir=$(dirname "$dir")
  done
fi

echo "== type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p .
echo "== build dist/jobdone"
"$node" scripts/build.mjs

echo "== all tests against the TypeScript source ($("$node" --version))"
TEST_JOBDONE=src "$node" --import tsx --test --test-reporter=spec $(find test -name '*.test.ts' | sort)

echo "== process-level tests against dist/jobdone"
TEST_JOBDONE=dist "$node" --import tsx --test --test-reporter=spec $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)
