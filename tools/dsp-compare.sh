#!/bin/sh
# SPDX-License-Identifier: MIT
# dsp-compare.sh NATIVE_DSP_RUN ARM64_DSP_RUN TESTDATA_DIR
#
# Runs the DSP harness (dsp-run) on the same inputs natively and under qemu
# ($PARLEY_QEMU_ARM64 is the qemu command, default "qemu-aarch64-static
# -L /") and prints what it compared, one line per kind of run:
#
#  - parley's own DSP (dsp/ and the fixed canceller), integer-only: the
#    output and the VAD's decisions must be the same bit for bit; any
#    difference names the input and fails the run;
#  - the chains through speexdsp (noise suppression, AGC, its canceller),
#    floating point: measured (how many samples differ, by how much, the
#    difference's level), and the run fails only if the difference comes
#    within 40 dB of the signal or the lengths differ.
set -eu
native=$1 arm=$2 data=$3
qemu=${PARLEY_QEMU_ARM64:-qemu-aarch64-static -L /}
here=$(dirname "$0")
fail=0 exact=0 measured=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086
on_arm() { env $qemu "$arm" "$@"; }

line() { # label, result
	printf '  %-44s %s\n' "$1" "$2"
}

# integer LABEL N BAD: N runs, BAD the inputs that differed
integer() {
	if [ -z "$3" ]; then
		line "$1" "$2 of $2 bit-exact"
		exact=$((exact + $2))
	else
		line "$1" "DIFFERS on arm64:$3"
		fail=1
	fi
}

set -- "$data"/*.raw
nrec=$#
secs=$(cat "$@" | wc -c)
secs=$((secs / 32000))
echo "dsp-compare: $native (x86-64) against $arm (arm64, $qemu)"
echo " integer paths (dsp/, the fixed canceller), must be bit-exact; $secs s of audio:"

# dsp-run IN.raw: high-pass, VAD and endpointer; segments and a checksum of
# the processed audio and every VAD decision
bad=""
for f in "$@"; do
	a=$("$native" "$f" | cksum)
	b=$(on_arm "$f" | cksum)
	[ "$a" = "$b" ] || bad="$bad $(basename "$f")"
done
integer "high-pass, VAD, endpointer: $nrec recordings" "$nrec" "$bad"

# dsp-run vad: the VAD's decision for each frame, dated back as the
# endpointer does, and as it makes them (-c)
bad=""
for f in "$@"; do
	for c in "" -c; do
		# shellcheck disable=SC2086
		a=$("$native" vad $c < "$f" | cksum)
		# shellcheck disable=SC2086
		b=$(on_arm vad $c < "$f" | cksum)
		[ "$a" = "$b" ] || bad="$bad $(basename "$f")$c"
	done
done
integer "VAD frame by frame (vad, vad -c): the same" $((nrec * 2)) "$bad"

# the echo-canceller scenes: far-end speech through a measured room into
# the microphone, alone and with a near-end talker (tools/pcm-diff)
s=$tmp/scenes
mkdir "$s"
if ! "$here/pcm-diff" --scenes "$s" "$data" 2>"$tmp/err"; then
	cat "$tmp/err"
	echo "dsp-compare: cannot build the canceller scenes (make testdata)"
	exit 1
fi

# aec LABEL ARGS...: one dsp-run aec run on each machine; out and VAD
run_aec() {
	if ! "$native" aec "$@" --out "$tmp/n.raw" --vad-out "$tmp/n.vad" 2>"$tmp/err" ||
	   ! on_arm aec "$@" --out "$tmp/a.raw" --vad-out "$tmp/a.vad" 2>"$tmp/err"; then
		cat "$tmp/err"
		echo "dsp-compare: dsp-run aec $* failed"
		exit 1
	fi
}

bad=""
for resid in "" --no-residual; do
	for m in echo dtalk; do
		# shellcheck disable=SC2086
		run_aec --impl fixed $resid --far "$s/far.raw" --mic "$s/$m.raw"
		cmp -s "$tmp/n.raw" "$tmp/a.raw" && cmp -s "$tmp/n.vad" "$tmp/a.vad" ||
			bad="$bad $m$resid"
	done
done
integer "fixed canceller +/- residual: echo, dbl talk" 4 "$bad"

cat <<'EOF'
 through speexdsp (floating point), measured, not bit-exact by design: Debian's
 arm64 libspeexdsp fuses multiplies and adds (fmadd: one rounding where the
 x86-64 build makes two), so results part in the last bit, and its adaptive
 filters carry that on.  NS is its noise suppressor (15 dB, as in parleyd's
 default chain).  Each line: the samples that differ, the largest difference,
 the first, the difference's level relative to the output, and the VAD:
EOF
# measure LABEL ARGS...: the difference, or a failure beyond the bound
measure() {
	label=$1
	shift
	run_aec "$@"
	r=0
	out=$("$here/pcm-diff" "$tmp/n.raw" "$tmp/a.raw" --vad "$tmp/n.vad" \
		"$tmp/a.vad" --max-db -40) || r=$?
	if [ $r -gt 1 ]; then
		fail=1
		out="BEYOND THE BOUND: $out"
	fi
	line "$label" "$out"
	measured=$((measured + 1))
}
# parleyd's default chain: our canceller, speexdsp's noise suppression
measure "fixed canceller + NS 15 dB, echo" \
	--impl fixed --ns-db 15 --far "$s/far.raw" --mic "$s/echo.raw"
measure "fixed canceller + NS 15 dB, double talk" \
	--impl fixed --ns-db 15 --far "$s/far.raw" --mic "$s/dtalk.raw"
measure "fixed canceller + NS 15 dB, speech in fan" \
	--impl fixed --ns-db 15 --far "$s/silence.raw" --mic "$s/noisy.raw"
measure "no canceller, NS 15 dB + AGC, speech in fan" \
	--impl off --ns-db 15 --agc --far "$s/silence.raw" --mic "$s/noisy.raw"
measure "speexdsp canceller + residual, echo" \
	--impl speex --far "$s/far.raw" --mic "$s/echo.raw"
measure "speexdsp canceller + residual, double talk" \
	--impl speex --far "$s/far.raw" --mic "$s/dtalk.raw"

if [ $fail != 0 ]; then
	echo "dsp-compare: arm64 differs (above)"
	exit 1
fi
echo "dsp-compare: $exact integer runs bit-exact on arm64; $measured speexdsp runs within the bound"
