#!/bin/sh
# SPDX-License-Identifier: MIT
# check-layers.sh [BUILDDIR]: parley's layers use only the layers below them.
#
# dsp/, hal/ and app/ are built as BUILDDIR/libparley_{dsp,hal,app}.a and
# linked app, hal, dsp, so a call from dsp/ into hal/ or app/ (or from hal/
# into app/) finds nothing to link against.  A static link still resolves
# such a call when the object defining it was pulled in for another reason,
# as parleyd pulls in nearly everything, so the link alone proves little.
# This reads the archives instead: every symbol that an object of a layer
# leaves undefined must be defined in that layer, in one below it, or
# outside parley (libc, alsa-lib, ...), never in a layer above.  Each
# upward use is named with the file that makes it, the symbol and the file
# that defines it; the exit status is then 1.
#
# NM is the nm to read them with (make layers passes $(CROSS_COMPILE)nm).
set -eu

build=${1:-build}
nm=${NM:-nm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# rank: 0 is the bottom layer
rank=0
for layer in dsp hal app; do
	lib=$build/libparley_$layer.a
	if [ ! -f "$lib" ]; then
		echo "check-layers: $lib is missing; run: make BUILDDIR=$build layers" >&2
		exit 2
	fi
	# POSIX format with the member: "LIB[MEMBER]: SYMBOL TYPE ..."
	"$nm" -A -P -g --defined-only "$lib" >"$tmp/def" ||
		{ echo "check-layers: $nm cannot read $lib" >&2; exit 2; }
	"$nm" -A -P -u "$lib" >"$tmp/undef" ||
		{ echo "check-layers: $nm cannot read $lib" >&2; exit 2; }
	sed "s/^/$rank $layer D /" "$tmp/def" >>"$tmp/all"
	sed "s/^/$rank $layer U /" "$tmp/undef" >>"$tmp/all"
	rank=$((rank + 1))
done

awk '
function src(layer, f) {	# "dsp", "lib[ring.o]:" -> "dsp/ring.c"
	sub(/^.*\[/, "", f)
	sub(/\]:$/, "", f)
	sub(/\.o$/, ".c", f)
	return layer "/" f
}
{
	r = $1; f = src($2, $4); sym = $5
	objs[$2 SUBSEP f] = 1
	if ($3 == "D") {
		if (!((r, sym) in def))
			def[r, sym] = f
	} else {
		nu++
		ur[nu] = r; uf[nu] = f; us[nu] = sym
	}
	name[r] = $2
	if (r > top)
		top = r
}
END {
	bad = 0
	for (i = 1; i <= nu; i++) {
		r = ur[i]; sym = us[i]
		below = 0
		for (k = 0; k <= r; k++)
			if ((k, sym) in def)
				below = 1
		if (below)
			continue
		for (k = r + 1; k <= top; k++) {
			if (!((k, sym) in def))
				continue
			allowed = name[0]
			for (j = 1; j <= r; j++)
				allowed = allowed ", " name[j]
			printf "check-layers: %s uses %s, defined in %s: " \
			       "%s is above %s, which may use only %s\n",
			       uf[i], sym, def[k, sym], name[k], name[r], allowed
			bad++
			break
		}
	}
	if (bad) {
		printf "check-layers: %d upward reference%s\n", bad,
		       bad == 1 ? "" : "s"
		exit 1
	}
	for (o in objs) {
		split(o, p, SUBSEP)
		n[p[1]]++
	}
	printf "layers: app -> hal -> dsp, no upward references " \
	       "(%d app, %d hal, %d dsp objects)\n", n["app"], n["hal"], n["dsp"]
}' "$tmp/all"
