#!/bin/sh
# Puts Debian's static busybox and bash for arm64 in .cache/arm64/, for the arm64 tests (a bare
# arm64 root for the bundle, the arm64 base images of the end-to-end tests). bash links
# libtinfo6:arm64 and libc6:arm64, installed beside the machine's own (.ci/run does).
# Not `apt-get install busybox-static:arm64 bash:arm64`: those packages replace the machine's own
# busybox and bash (same files), which the x64 tests and images use. apt-get download
# fetches them through apt (its sources, its signature checks); dpkg-deb unpacks them here.
# Needs `dpkg --add-architecture arm64 && apt-get update` once.
set -eu
cd "$(dirname "$0")/.."
out=.cache/arm64
[ -x "$out/busybox" ] && [ -x "$out/bash" ] && exit 0
work=$(mktemp -d)
chmod 777 "$work" # apt-get download writes as the _apt user where it can
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q busybox-static:arm64 bash:arm64 >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
mkdir -p "$out"
cp "$work/root/bin/busybox" "$work/root/bin/bash" "$out/"
echo "arm64 busybox and bash: $out/"
