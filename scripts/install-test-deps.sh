#!/bin/sh
# Installs what the tests need beyond Node, npm and a compiler, as root on Debian or Ubuntu:
# the same set for CI (.ci/run runs it with no group) and for a newcomer (npm test's closing
# summary names the groups its skipped tests need).
#
#   sh scripts/install-test-deps.sh [GROUP...]     no group: all of them
#
#   sandbox  the pod sandbox (npm run demo, the pod tests): catatonit (PID 1), busybox-static (a
#            static shell and ip), util-linux (unshare, nsenter, setpriv), bsdutils (`script`, the
#            TTY test), gcc and libc6-dev (small C programs: a forged kthreadd, a main thread that exits)
#   bundle   the portable /jobdone bundle (npm run build -- --bundle): patchelf, binutils (strip)
#   arm64    arm64 under emulation (the arm64 build and its tests): qemu-user-static and
#            binfmt-support run arm64 programs; libc6/libstdc++6:arm64 are what the arm64 Node
#            links (and what its bundle ships); binutils-aarch64-linux-gnu strips it; file: the
#            tests' ELF check; Debian's arm64 busybox and bash in .cache/arm64
#            (scripts/arm64-tools.sh). Adds the arm64 architecture to dpkg.
#   docker   the Docker end-to-end tests (they start a dockerd of their own): docker.io (dockerd
#            20.10, containerd, runc), docker-compose (v1), catatonit (the pause image's stand-in)
#   podman   the podman end-to-end tests: podman, runc (crun refuses this machine's hybrid cgroup
#            layout; test/e2e/containers.conf is the config they use), catatonit, busybox-static
#   registry the inject tests' image registries on loopback (test/e2e/registry.test.ts):
#            docker-registry (distribution 2.8; the policy-rc.d below keeps its systemd unit
#            from starting), apache2-utils (htpasswd), podman and runc (to build and push images)
#   bench    the benchmark's contender (npm run bench, not a test): tini
set -eu
cd "$(dirname "$0")/.."
all="sandbox bundle arm64 docker podman registry bench"
groups=${*:-$all}
if [ "$(id -u)" != 0 ]; then echo "install-test-deps.sh installs Debian packages: run it as root (sudo sh scripts/install-test-deps.sh $groups)" >&2; exit 1; fi
command -v apt-get >/dev/null || { echo "install-test-deps.sh needs apt-get (Debian or Ubuntu); elsewhere install the packages named at the top of scripts/install-test-deps.sh" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

packages=
for group in $groups; do
  case "$group" in
    sandbox) packages="$packages catatonit busybox-static util-linux bsdutils gcc libc6-dev" ;;
    bundle) packages="$packages patchelf binutils" ;;
    arm64) packages="$packages qemu-user-static binfmt-support binutils-aarch64-linux-gnu file libc6:arm64 libstdc++6:arm64 libtinfo6:arm64" ;;
    docker) packages="$packages docker.io docker-compose catatonit" ;;
    podman) packages="$packages podman runc catatonit busybox-static" ;;
    registry) packages="$packages docker-registry apache2-utils podman runc" ;;
    bench) packages="$packages tini" ;;
    *) echo "install-test-deps.sh: unknown group \"$group\": accepted are $all" >&2; exit 2 ;;
  esac
done
case " $groups " in *" arm64 "*) arm64=1 ;; *) arm64= ;; esac
# Both install services that their postinst would start (a system dockerd with a bridge and
# iptables rules; a registry on port 5000): neither may start here.
case " $groups " in *" docker "*|*" registry "*) services=1 ;; *) services= ;; esac

echo "install-test-deps.sh ($groups): apt-get install$packages"
if [ -n "$arm64" ]; then dpkg --add-architecture arm64; fi
apt-get update -qq
# docker.io's postinst starts a system dockerd through invoke-rc.d (with a bridge and iptables
# rules, which this machine must not get). A policy-rc.d that exits 101 tells invoke-rc.d not to
# start services; one the machine already has is left as it is.
policy=/usr/sbin/policy-rc.d
added_policy=
if [ -n "$services" ] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  added_policy=1
fi
# shellcheck disable=SC2086 # a list of package names
apt-get install -y -qq --no-install-recommends $packages >/dev/null
if [ -n "$added_policy" ]; then rm -f "$policy"; fi

if [ -n "$arm64" ]; then
  # qemu-user-static's install registers its handlers only where binfmt_misc is mounted, and a
  # fresh machine or container may not have it mounted.
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; fi
  update-binfmts --enable qemu-aarch64
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64
  # An arm64 static busybox (the bare arm64 root, the arm64 test images) and arm64 bash, unpacked
  # into .cache/arm64 (installing busybox-static:arm64 or bash:arm64 would replace the machine's own).
  sh scripts/arm64-tools.sh
fi
echo "install-test-deps.sh: done ($groups)"
