#!/bin/sh
# Puts Debian's static busybox for arm64 at .cache/arm64/busybox, for the arm64 tests (a bare
# arm64 root for the bundle, the arm64 base images of the end-to-end tests).
# Not `apt-get install busybox-static:arm64`: that package replaces the machine's own
# busybox-static (same file, /bin/busybox), which the x64 tests and images use. apt-get download
# fetches the package through apt (its sources, its signature checks); dpkg-deb unpacks it here.
# Needs `dpkg --add-architecture arm64 && apt-get update` once (.ci/run does it).
set -eu
cd "$(dirname "$0")/.."
out=.cache/arm64
[ -x "$out/busybox" ] && exit 0
work=$(mktemp -d)
chmod 755 "$work" # apt-get download runs as _apt where it can
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q busybox-static:arm64 >/dev/null)
dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/root"
mkdir -p "$out"
cp "$work/root/bin/busybox" "$out/busybox"
echo "arm64 busybox: $out/busybox"
