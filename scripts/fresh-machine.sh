#!/bin/sh
# A newcomer's first contact, for real: a fresh Debian 12 root that has only what a new machine
# of that kind has (Node and npm, python3, make, g++, git), this checkout's commit cloned into
# /root there, and the README's two commands ("## The two commands") run in it as written, as
# root. Exits 0 when both exit 0 and npm test's last lines name what was skipped.
#
#   sh scripts/fresh-machine.sh [--keep]        as root, on Debian or Ubuntu (about 20 minutes)
#
# Not part of npm test or CI: it needs debootstrap, the Debian mirror and the npm registry, and
# takes long. What it clones is the commit checked out here (HEAD), not uncommitted changes.
#
# How the root is made, and why (notes of this machine): debootstrap --variant=minbase with the
# mirror of this machine's apt sources; Node and npm copied in from this machine, with its npm
# config and CA certificates, so the same registry answers the same way; python3 make g++ git
# from apt (no recommends: the least a machine may have). Each command then runs with the root
# as the real / of a mount namespace (bind-mounted on itself, proc/sys/dev/run mounted, then
# pivot_root): in a plain chroot `unshare --propagation` fails ("/" is no mount point) and
# `nsenter --mount` lands in the host's /, which the pod sandbox uses. Each command also runs in
# a PID namespace of its own whose PID 1 is a small reaper (Debian's perl-base, which every
# Debian has): when the command ends, everything it left running dies with the namespace, and
# every mount with the mount namespace; nothing is mounted in the host's namespace (the one test
# that needs the node's PID namespace, kthreadd visible, therefore skips there). The network
# is the host's (only the registries are reached, as from this machine). binfmt_misc is not
# mounted inside: the host's emulators must not make a fresh machine look like one with qemu.
set -eu
keep=
case "${1:-}" in
  --keep) keep=1 ;;
  '') ;;
  *) echo "usage: sh scripts/fresh-machine.sh [--keep]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
checkout=$(pwd)
if [ "$(id -u)" != 0 ]; then echo "fresh-machine.sh needs root (debootstrap, mount namespaces)" >&2; exit 1; fi
for tool in debootstrap unshare pivot_root git node npm; do
  command -v "$tool" >/dev/null || { echo "fresh-machine.sh needs $tool (apt-get install debootstrap util-linux git; Node and npm are copied from this machine)" >&2; exit 1; }
done

# The mirror this machine's apt uses (deb822 sources first, then the one-line format).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

work=$(mktemp -d /var/tmp/jobdone-fresh.XXXXXX)
root=$work/root
logs=$work/logs
mkdir -p "$logs"
cleanup() {
  status=$?
  # Every mount was made in a mount namespace that died with its command; check, never guess.
  if grep -q " $work/" /proc/self/mountinfo; then
    echo "fresh-machine.sh: mounts under $work are left (not removing it):" >&2
    grep " $work/" /proc/self/mountinfo >&2
  elif [ -n "$keep" ]; then
    echo "fresh-machine.sh: kept $root (logs in $logs)"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a shell command line with $root as the real /, as root, with a login's plain environment.
# The CA bundle variable is passed on when this machine sets it (npm and node read it).
cat > "$work/enter.sh" <<'EOF'
set -eu
root=$1
command=$2
mount --make-rprivate /
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
cd "$root"
mkdir -p .host
pivot_root . .host
cd /
umount -l /.host
rmdir /.host
# PID 1 of this namespace: start the command, reap every orphan, exit with the command's status.
exec /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS} \
  perl -e 'my $pid = fork() // die "fork: $!"; if ($pid == 0) { exec("/bin/bash", "-c", $ARGV[0]) or die "exec: $!"; }
    while ((my $done = waitpid(-1, 0)) > 0) { next if $done != $pid; my $s = $?; exit($s & 127 ? 128 + ($s & 127) : $s >> 8); }
    exit 1;' "$command"
EOF
in_root() {
  unshare --mount --pid --fork --kill-child -- sh "$work/enter.sh" "$root" "$1"
}

# One step: its output to logs/NAME.log and here, its time and status on one line.
step() {
  name=$1
  shift
  echo "== $name"
  started=$(date +%s)
  set +e
  "$@" > "$logs/$name.log" 2>&1
  rc=$?
  set -e
  tail -n "${show_lines:-5}" "$logs/$name.log" | sed 's/^/   | /'
  echo "== $name: exit $rc after $(( $(date +%s) - started )) s"
  return "$rc"
}

bootstrap() {
  # debootstrap mounts proc and sys inside the target: in a namespace of its own they end with it.
  unshare --mount -- debootstrap --variant=minbase bookworm "$root" "$mirror"
}
copy_node() {
  node=$(readlink -f "$(command -v node)")
  npm_dir=$(npm root -g)/npm
  global=$(npm config get globalconfig)
  user=$(npm config get userconfig)
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
  cp "$node" "$root/usr/local/bin/node"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # npm's global config sits under its prefix (here /usr/local); the user's in /root; /etc/npmrc as is.
  mkdir -p "$root/usr/local/etc"
  if [ -f "$global" ]; then cp "$global" "$root/usr/local/etc/npmrc"; fi
  if [ -f /etc/npmrc ]; then cp /etc/npmrc "$root/etc/npmrc"; fi
  if [ -f "$user" ]; then cp -p "$user" "$root/root/.npmrc"; fi
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ ! -e "$root$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$root$(dirname "$NODE_EXTRA_CA_CERTS")"
    cp "$NODE_EXTRA_CA_CERTS" "$root$NODE_EXTRA_CA_CERTS"
  fi
  # Names resolve as they do here (the registries).
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp /etc/hosts "$root/etc/hosts"
  in_root 'node --version && npm --version'
}
install_basics() {
  in_root 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ git >/dev/null && dpkg -l | grep -c ^ii'
}
clone() {
  branch=$(git -C "$checkout" rev-parse --abbrev-ref HEAD)
  git -C "$checkout" bundle create "$root/srv/jobdone.bundle" HEAD "$branch"
  in_root "cd /root && git clone -q -b '$branch' /srv/jobdone.bundle jobdone && rm /srv/jobdone.bundle && git -C jobdone log --oneline -1 && stat -c '%a %n' /root"
}

# The README's two commands, as written: the lines of the first sh block after "## The two
# commands", comments dropped.
commands=$(awk '/^## The two commands/ { on = 1; next } on && /^```sh/ { inside = 1; next } inside && /^```/ { exit } inside' README.md | sed 's/[[:space:]]*#.*$//')
[ "$(printf '%s\n' "$commands" | wc -l)" = 2 ] || { echo "fresh-machine.sh: README.md's \"## The two commands\" block is not two lines:" >&2; printf '%s\n' "$commands" >&2; exit 1; }
first=$(printf '%s\n' "$commands" | sed -n 1p)
second=$(printf '%s\n' "$commands" | sed -n 2p)

echo "fresh-machine.sh: a Debian 12 root in $root (mirror $mirror), then: $first; $second"
step debootstrap bootstrap
step node copy_node
step basics install_basics
step clone clone
# Both run even when the first fails, as a newcomer would try both.
failed=
show_lines=20 step first-command in_root "cd /root/jobdone && $first" || failed="$failed first"
show_lines=40 step second-command in_root "cd /root/jobdone && $second" || failed="$failed second"
# npm test's last lines must name what was skipped and how to run it.
tail -n 40 "$logs/second-command.log" | grep -q '^== skipped' || failed="$failed summary"
if [ -n "$failed" ]; then echo "fresh-machine.sh: failed:$failed (logs: $logs; --keep keeps them)" >&2; exit 1; fi
echo "fresh-machine.sh: both commands exit 0 on a fresh Debian 12 root"
