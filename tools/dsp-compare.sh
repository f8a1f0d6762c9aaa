#!/bin/sh
# SPDX-License-Identifier: MIT
# dsp-compare.sh NATIVE_DSP_RUN ARM64_DSP_RUN TESTDATA_DIR
# Runs every dsp-run mode over the test audio natively and under qemu
# ($PARLEY_QEMU_ARM64 is the qemu command prefix) and fails on the first
# difference: the DSP code must be bit-exact across the two machines.
set -eu
native=$1 arm=$2 data=$3
qemu=${PARLEY_QEMU_ARM64:-qemu-aarch64-static}
fail=0 n=0

same() { # label, then the command's arguments
	label=$1; shift
	a=$("$native" "$@" | cksum)
	# shellcheck disable=SC2086
	b=$(env $qemu "$arm" "$@" | cksum)
	if [ "$a" != "$b" ]; then
		echo "arm64 differs: $label"; fail=1
	fi
	n=$((n + 1))
}

sameio() { # label, input file, then the arguments; output on stdout
	label=$1 in=$2; shift 2
	a=$("$native" "$@" < "$in" | cksum)
	# shellcheck disable=SC2086
	b=$(env $qemu "$arm" "$@" < "$in" | cksum)
	if [ "$a" != "$b" ]; then
		echo "arm64 differs: $label"; fail=1
	fi
	n=$((n + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$data"/*.raw; do
	same "chain $f" "$f"
	if "$native" vad < /dev/null >/dev/null 2>&1; then
		sameio "vad $f" "$f" vad
	fi
done
# the echo cancellers, on a far end from one recording and a mic from another
if "$native" aec --help >/dev/null 2>&1; then
	set -- "$data"/*.raw
	if [ $# -ge 2 ]; then
		for impl in fixed speex; do
			"$native" aec --impl $impl --far "$1" --mic "$2" --out "$tmp/n.raw"
			# shellcheck disable=SC2086
			env $qemu "$arm" aec --impl $impl --far "$1" --mic "$2" --out "$tmp/a.raw"
			if ! cmp -s "$tmp/n.raw" "$tmp/a.raw"; then
				if [ $impl = fixed ]; then
					echo "arm64 differs: aec fixed"; fail=1
				else
					# speexdsp is built in floating point: not expected bit-exact
					echo "note: aec speex (floating point) differs on arm64"
				fi
			fi
			n=$((n + 1))
		done
	fi
fi
[ $fail = 0 ] || exit 1
echo "cross-check: $n DSP runs bit-exact on arm64"
