#!/bin/sh
# SPDX-License-Identifier: MIT
# fresh-check.sh [REPO]: a new user's first run, on a minimal Debian 12.
#
# Bootstraps a Debian 12 (bookworm) root with debootstrap --variant=minbase,
# installs only the README's prerequisites in it, clones REPO (default:
# this repository) into it, and runs the README's two commands there as
# root, as a new user on a fresh machine would: make demo, then make check.
# Prints the packages each step installed and how long it took, and keeps
# the logs in FRESH_DIR.
#
# Needs root (debootstrap, chroot, mounts) and Debian's mirror; the root
# takes about 3 GB.  Opt-in (make fresh-check), never part of make check.
#
#   FRESH_DIR      where the root and the logs go (default /var/tmp/parley-fresh)
#   FRESH_MIRROR   the Debian mirror (default: the first of the host's sources)
#   FRESH_KEEP=1   keep the root afterwards (to look inside)
set -eu

repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
dir=${FRESH_DIR:-/var/tmp/parley-fresh}
root=$dir/root
logs=$dir/logs

if [ "$(id -u)" != 0 ]; then
	echo "fresh-check: needs root (debootstrap, chroot); run: sudo make fresh-check" >&2
	exit 2
fi
command -v debootstrap >/dev/null || {
	echo "fresh-check: needs debootstrap; run: apt-get install -y debootstrap" >&2
	exit 2
}
mirror=${FRESH_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

mounted=""
cleanup() {
	for m in $mounted; do
		umount -l "$m" 2>/dev/null || true
	done
	if [ "${FRESH_KEEP:-0}" != 1 ]; then
		rm -rf "$root"
	fi
}
trap cleanup EXIT INT TERM

now() { date +%s; }
packages() { chroot "$root" dpkg-query -f '${binary:Package}\n' -W | wc -l; }

# step NAME COMMAND...: runs COMMAND in the root, logs it, says how it went
step() {
	name=$1
	shift
	before=$(packages)
	t0=$(now)
	if chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 /bin/sh -c "$*" >"$logs/$name.log" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	t1=$(now)
	after=$(packages)
	printf 'fresh-check: %-14s %s in %d s, %d packages installed (%d in all)\n' \
		"$name" "$([ $rc = 0 ] && echo ok || echo "FAILED ($rc)")" \
		$((t1 - t0)) $((after - before)) "$after" | tee -a "$logs/summary"
	if [ $rc != 0 ]; then
		echo "--- the end of $logs/$name.log:"
		tail -n 40 "$logs/$name.log"
		exit 1
	fi
}

rm -rf "$root" "$logs"
mkdir -p "$root" "$logs"
echo "fresh-check: bootstrapping Debian 12 minbase from $mirror into $root"
t0=$(now)
debootstrap --variant=minbase bookworm "$root" "$mirror" \
	>"$logs/debootstrap.log" 2>&1 || {
	tail -n 40 "$logs/debootstrap.log"
	exit 1
}
echo "fresh-check: minbase root made in $(($(now) - t0)) s, $(packages) packages" |
	tee "$logs/summary"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# a host behind a proxy that inspects TLS trusts that proxy's CA through
# its local certificates: the new root gets them too (ca-certificates, a
# prerequisite, installs them), or npm could not reach its registry
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt \
		"$root/usr/local/share/ca-certificates/" 2>/dev/null || true
fi
for m in proc sys dev dev/pts; do
	mkdir -p "$root/$m"
	case $m in
	proc) mount -t proc proc "$root/proc" ;;
	sys) mount -t sysfs sys "$root/sys" ;;
	dev) mount --bind /dev "$root/dev" ;;
	dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
	esac
	mounted="$root/$m $mounted"
done
# the repository as a new user gets it: a clone, from a read-only copy
mkdir -p "$root/src"
mount --bind -o ro "$repo" "$root/src"
mounted="$root/src $mounted"

# the README's prerequisites, and its commands, word for word
step prerequisites "apt-get update && apt-get install -y git make ca-certificates"
step clone "git config --global --add safe.directory '*' && git clone -q /src /root/parley"
step "make demo" "cd /root/parley && make demo"
step "make check" "cd /root/parley && make check"
tail -n 3 "$logs/make check.log"
echo "fresh-check: logs in $logs"
