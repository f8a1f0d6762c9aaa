#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages that parley's build, tests and demo need.
# Idempotent: packages already installed are left alone.
#   tools/install-deps.sh               native build, tests and demo
#   tools/install-deps.sh --cross arm64 also the arm64 cross toolchain,
#                                       qemu-user-static and arm64 -dev packages
set -eu

BUILD="build-essential pkg-config"
LIBS="libasound2-dev libgpiod-dev libspeexdsp-dev libcurl4-openssl-dev
libcjson-dev libsqlite3-dev libconfig-dev libespeak-ng-dev"
RUNTIME="espeak-ng-data"
TEST="libcmocka-dev python3 sox espeak-ng alsa-utils sqlite3 systemd valgrind clang libclang-rt-14-dev openssl"
# the VAD benchmark's reference detectors: WebRTC's VAD, and Silero under
# Node (a Node that is already there, with its npm, is kept)
TEST="$TEST libwebrtc-audio-processing-dev"
command -v npm >/dev/null || TEST="$TEST nodejs npm"
# optional offline recogniser of the offline commands (app/sphinx.c)
TEST="$TEST libpocketsphinx-dev pocketsphinx-en-us"

cross=""
while [ $# -gt 0 ]; do
	case "$1" in
	--cross)
		[ $# -ge 2 ] || { echo "install-deps: --cross needs an architecture" >&2; exit 2; }
		cross=$2
		shift 2
		;;
	-h|--help)
		sed -n '3,7p' "$0"
		exit 0
		;;
	*)
		echo "install-deps: unknown option '$1'" >&2
		exit 2
		;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (sudo $0)" >&2
	exit 1
fi

pkgs="$BUILD $LIBS $RUNTIME $TEST"
if [ -n "$cross" ]; then
	if [ "$cross" != arm64 ]; then
		echo "install-deps: only --cross arm64 is supported" >&2
		exit 2
	fi
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		dpkg --add-architecture arm64
	pkgs="$pkgs gcc-aarch64-linux-gnu qemu-user-static"
	for p in $LIBS libcmocka-dev; do
		pkgs="$pkgs $p:arm64"
	done
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
