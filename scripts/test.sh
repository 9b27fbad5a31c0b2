#!/bin/sh
# npm test: type-check, build dist/jobdone (and on x64 dist/arm64/jobdone), run every test
# against the TypeScript source, then the process-level tests again against dist/jobdone, and on
# x64 once more against the arm64 build under qemu-user.
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
if [ "$(uname -m)" = x86_64 ]; then
  echo "== build dist/arm64/jobdone (cross-build; its checks run it under qemu-user)"
  "$node" scripts/build.mjs --arch arm64
fi

echo "== all tests against the TypeScript source ($("$node" --version))"
TEST_JOBDONE=src "$node" --import tsx --test --test-reporter=spec $(find test -name '*.test.ts' | sort)

echo "== process-level tests against dist/jobdone"
TEST_JOBDONE=dist "$node" --import tsx --test --test-reporter=spec $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)

if [ "$(uname -m)" = x86_64 ]; then
  # The same process-level tests against the arm64 build, run by qemu-user through binfmt_misc
  # (test/helpers/arm64.ts says what that needs). test/arm64/ (in the first run) adds the
  # file, --version and /proc checks and the arm64 bundle in a bare arm64 root.
  echo "== process-level tests against dist/arm64/jobdone (arm64, under qemu-user)"
  started=$(date +%s)
  TEST_JOBDONE=dist-arm64 "$node" --import tsx --test --test-reporter=spec $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)
  echo "== the arm64 run took $(( $(date +%s) - started )) s"
fi
