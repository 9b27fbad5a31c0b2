#!/bin/sh
# npm test: type-check, build dist/jobdone (and on x64 dist/arm64/jobdone), run every test
# against the TypeScript source, then the process-level tests again against dist/jobdone, and on
# x64 once more against the arm64 build under qemu-user. What this machine cannot run (the pod
# sandbox without root or its packages, the bundle without patchelf, arm64 without qemu, Docker,
# podman) is skipped, and the run ends with one summary of the skips and the command that
# installs what they need (scripts/install-test-deps.sh, what .ci/run installs). Under CI
# nothing may skip: the builds are all made and the tests' skip checks fail instead.
set -eu
cd "$(dirname "$0")/.."
# npm puts node_modules/.bin first in PATH, and the pinned Node 24 package links
# a `node` there; the tests of the source run on the host's own Node.
node="${npm_node_execpath:-$(command -v node)}"
export PATH="$(dirname "$node"):$PATH"

# The first directory from $1 up that other users cannot enter (mode without o+x), or nothing.
closed_above() {
  dir=$1
  while [ "$dir" != / ]; do
    if [ $(( 0$(stat -c %a "$dir") & 1 )) = 0 ]; then echo "$dir"; return; fi
    dir=$(dirname "$dir")
  done
}

# The pod tests run parts of this checkout as other users (uids 1000, 1337, 65534), so every
# directory above it must be searchable by them; root's home (/root, mode 700) and a mktemp -d
# are not. In CI (a throwaway machine) open it; elsewhere test a copy in a place they can reach
# and leave the machine's modes alone.
if [ "$(id -u)" = 0 ]; then
  closed=$(closed_above "$(pwd)")
  if [ -n "$closed" ] && [ -n "${CI:-}" ]; then
    while [ -n "$closed" ]; do
      chmod o+x "$closed"
      echo "== made $closed searchable by other users (the pod tests run parts of the checkout as other uids)"
      closed=$(closed_above "$(pwd)")
    done
  elif [ -n "$closed" ]; then
    copy=$(mktemp -d "${TMPDIR:-/tmp}/jobdone-test.XXXXXX")
    chmod 755 "$copy"
    trap 'rm -rf "$copy"' EXIT
    trap 'exit 130' INT TERM
    if [ -n "$(closed_above "$copy")" ]; then
      echo "npm test: $closed is closed to other users, which the pod tests run this checkout as, and so is $(closed_above "$copy") (TMPDIR) where it would copy it: clone it elsewhere, or chmod o+x $closed" >&2
      exit 1
    fi
    echo "== $closed is closed to other users (mode $(stat -c %a "$closed")), and the pod tests run this checkout as uids 1000, 1337 and 65534: testing a copy in $copy (removed at the end; dist/ here is left as it is)"
    find . -mindepth 1 -maxdepth 1 ! -name dist -exec cp -a {} "$copy/" \;
    status=0
    sh "$copy/scripts/test.sh" || status=$?
    exit "$status"
  fi
fi

# Every run's skips (scripts/test-skips.mjs as a second reporter), told once at the end.
skips=$(mktemp -d)
status=0
finish() {
  files=$(find "$skips" -name '*.jsonl' | sort)
  # shellcheck disable=SC2086 # file names made here, without spaces
  if [ -n "$files" ]; then "$node" scripts/test-skips.mjs $files; fi
  rm -rf "$skips"
  if [ "$status" != 0 ]; then echo "npm test: FAILED (exit $status; the failures are listed above the summary)"; fi
}
trap 'status=$?; finish; exit "$status"' EXIT
trap 'exit 130' INT TERM
tests() {
  label=$1
  shift
  "$node" --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-skips.mjs --test-reporter-destination="$skips/$label.jsonl" "$@"
}

echo "== type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p .
# The portable bundle needs patchelf; without it the bundle tests skip (test/helpers/skip.ts).
bundle=
if [ -n "${CI:-}" ] || command -v patchelf >/dev/null; then bundle=--bundle; fi
echo "== build dist/jobdone${bundle:+ and its portable bundle}"
"$node" scripts/build.mjs $bundle
arm64=
if [ "$(uname -m)" = x86_64 ]; then
  missing=
  [ -n "${CI:-}" ] || missing=$("$node" --import tsx -e "import('./test/helpers/arm64.ts').then((m) => process.stdout.write(m.arm64ToolsMissing() ?? ''))")
  if [ -z "$missing" ]; then
    arm64=1
    echo "== build dist/arm64/jobdone (cross-build; its checks run it under qemu-user)"
    "$node" scripts/build.mjs --arch arm64 $bundle
  else
    printf '{"file":"scripts/test.sh","name":"the arm64 build and the process-level tests against it","reason":"%s (to run: sh scripts/install-test-deps.sh arm64)"}\n' "$missing" > "$skips/arm64-build.jsonl"
    echo "== no arm64 build: $missing"
  fi
fi

echo "== all tests against the TypeScript source ($("$node" --version))"
TEST_JOBDONE=src tests src $(find test -name '*.test.ts' | sort)

echo "== process-level tests against dist/jobdone"
TEST_JOBDONE=dist tests dist $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)

if [ -n "$arm64" ]; then
  # The same process-level tests against the arm64 build, run by qemu-user through binfmt_misc
  # (test/helpers/arm64.ts says what that needs). test/arm64/ (in the first run) adds the
  # file, --version and /proc checks and the arm64 bundle in a bare arm64 root.
  echo "== process-level tests against dist/arm64/jobdone (arm64, under qemu-user)"
  started=$(date +%s)
  TEST_JOBDONE=dist-arm64 tests dist-arm64 $(find test/cli test/integration -name '*.test.ts' 2>/dev/null | sort)
  echo "== the arm64 run took $(( $(date +%s) - started )) s"
fi
