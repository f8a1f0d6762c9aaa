#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetches the real speech recordings used by the tests and the demo from
# Debian packages into DIR (default build/testdata).  Nothing here is
# committed; see tests/data/README.md for sources and licences.
set -eu
dir=${1:-build/testdata}
mkdir -p "$dir"
[ -f "$dir/.done" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pocketsphinx-testdata: CMU Sphinx test recordings, 16 kHz S16_LE mono, BSD-2
download() { (cd "$work" && apt-get download pocketsphinx-testdata >/dev/null 2>&1); }
# a fresh machine may have no package lists yet: update once, as root
download || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && download; } || {
	echo "fetch-testdata: cannot download pocketsphinx-testdata" \
	     "(run apt-get update first?)" >&2
	exit 1
}
dpkg-deb -x "$work"/pocketsphinx-testdata_*.deb "$work/x"
src="$work/x/usr/share/pocketsphinx/test/data"
for f in goforward numbers something; do
	cp "$src/$f.raw" "$dir/$f.raw"
done
cp "$work/x/usr/share/doc/pocketsphinx-testdata/copyright" \
	"$dir/pocketsphinx-testdata.copyright"
touch "$dir/.done"
echo "fetch-testdata: speech recordings in $dir"
