#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch-benchdata.sh [DIR]: the recordings only make bench uses, beside the
# test set (tools/fetch-testdata.sh) in DIR (default build/testdata):
# near-end talkers in other languages for the echo canceller's double-talk
# conditions, and music as a far-end signal; for the wake word benchmark
# (tools/wake_bench.py) the other channel of the measured street response,
# and in DIR/wakeneg over three hours of real speech and music that say no
# wake word.  Debian packages only, kept in DIR/../debs like the test
# set's; tests/data/README.md names the source and licence of each file.
# The telephone prompts are G.722 (16 kHz wideband) bitstreams, which
# ffmpeg decodes and sox does not.
set -eu
dir=${1:-build/testdata}
version=2
[ "$(cat "$dir/.bench" 2>/dev/null)" = "$version" ] && exit 0
for tool in sox ffmpeg; do
	command -v $tool >/dev/null || {
		echo "fetch-benchdata: $tool is missing; run: sudo tools/install-deps.sh bench" >&2
		exit 1
	}
done
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(dirname "$dir")/debs
mkdir -p "$cache"
deb() { # PKG: unpack into $work/PKG, downloading into the cache if needed
	if ! ls "$cache/$1"_*.deb >/dev/null 2>&1; then
		(cd "$cache" && apt-get download "$1" >/dev/null 2>&1) || {
			echo "fetch-benchdata: cannot download the Debian package $1" \
			     "(as root: apt-get update)" >&2
			exit 1
		}
	fi
	dpkg-deb -x "$(ls "$cache/$1"_*.deb | tail -n 1)" "$work/$1"
	cp "$work/$1/usr/share/doc/$1/copyright" "$dir/$1.copyright"
}

# Asterisk's recorded prompts: one professional voice per language.  The
# longest prompt of each (its demo instructions, about 70 s) is decoded to
# 16 kHz S16_LE mono, and the first 20 s kept.
for lang in fr it ru; do
	pkg=asterisk-core-sounds-$lang-g722
	deb "$pkg"
	src=$(ls "$work/$pkg"/usr/share/asterisk/sounds/*/demo-instruct.g722)
	ffmpeg -nostdin -loglevel error -f g722 -i "$src" -t 20 -ar 16000 -ac 1 \
		-f s16le -y "$dir/talker_$lang.raw"
done

# Music for the far end: Frozen Bubble's title music (Ogg Vorbis), 20 s
# from its start, mixed to mono
deb frozen-bubble-data
sox -R "$work/frozen-bubble-data/usr/share/games/frozen-bubble/snd/introzik.ogg" \
	-t raw -r 16000 -c 1 -b 16 -e signed-integer "$dir/music_fb.raw" trim 0 20

# The wake word benchmark's negative set, DIR/wakeneg, 16 kHz S16_LE mono.
# Speech: every recorded prompt of Asterisk's core sounds in five
# languages (bytewise order of their paths, the silence/ folder left out),
# each language's G.722 streams joined and decoded as one (G.722's decoder
# state carries over the joins, where the prompts are quiet), 25 to 31
# minutes each.
mkdir -p "$dir/wakeneg"
rm -f "$dir"/wakeneg/*.raw
for lang in en es fr it ru; do
	pkg=asterisk-core-sounds-$lang-g722
	deb "$pkg"
	find "$work/$pkg/usr/share/asterisk/sounds" -name '*.g722' \
		! -path '*/silence/*' | LC_ALL=C sort | xargs cat >"$work/$lang.g722"
	ffmpeg -nostdin -loglevel error -f g722 -i "$work/$lang.g722" -ar 16000 \
		-ac 1 -f s16le -y "$dir/wakeneg/speech_$lang.raw"
done
# Music: Asterisk's music on hold (five pieces, 18 minutes), and the
# first 90 s of each of Battle for Wesnoth's 41 pieces (the whole of the
# shorter ones; 1 dB down, as resampling would clip a few peaks), 48
# minutes
deb asterisk-moh-opsound-g722
find "$work/asterisk-moh-opsound-g722/usr/share/asterisk/moh" -name '*.g722' |
	LC_ALL=C sort | while read -r f; do
	ffmpeg -nostdin -loglevel error -f g722 -i "$f" -ar 16000 -ac 1 -f s16le -
done >"$dir/wakeneg/music_moh.raw"
deb wesnoth-1.16-music
find "$work/wesnoth-1.16-music/usr/share/games/wesnoth/1.16/data/core/music" \
	-name '*.ogg' | LC_ALL=C sort | while read -r f; do
	sox -V1 -R "$f" -t raw -r 16000 -c 1 -b 16 -e signed-integer - trim 0 90 gain -1
done >"$dir/wakeneg/music_wesnoth.raw"
echo "$version" >"$dir/.bench"
echo "fetch-benchdata: bench recordings in $dir"
