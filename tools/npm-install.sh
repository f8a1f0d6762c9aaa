#!/bin/sh
# SPDX-License-Identifier: MIT
# npm-install.sh NAME DIR PKG@VERSION...: installs pinned npm packages into
# DIR for a test peer or a measuring instrument (never part of parleyd), with their
# install scripts skipped: onnxruntime-node's post-install script would
# download a binary, and its CPU library is already in the npm package
# (ONNXRUNTIME_NODE_INSTALL=skip says so to it as well).  DIR/.done holds
# the package list installed; a changed list installs again.  NAME is the
# calling script's, for its messages.  Nothing installed is committed.
set -eu
[ $# -ge 3 ] || {
	echo "usage: tools/npm-install.sh NAME DIR PKG@VERSION..." >&2
	exit 2
}
name=$1 dir=$2
shift 2
pkgs=$*
[ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$pkgs" ] && exit 0
command -v npm >/dev/null || {
	echo "$name: npm is missing; run: sudo tools/install-deps.sh check" >&2
	exit 1
}
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
# shellcheck disable=SC2086 # one word per package
(cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --ignore-scripts \
	--no-audit --no-fund --loglevel=error $pkgs) || {
	echo "$name: npm install $pkgs failed" >&2
	exit 1
}
echo "$pkgs" >"$dir/.done"
