#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the real MCP implementations the tests run against into DIR
# (make's $(BUILDDIR)/mcp): the reference TypeScript SDK
# (@modelcontextprotocol/sdk@1.32.2, with the zod it needs) for the test
# servers in tests/peers/mcp/, and @modelcontextprotocol/server-everything
# @2026.8.31.  Install scripts are skipped.  Nothing installed here is
# committed.
set -eu
dir=${1:?usage: tools/mcp-install.sh DIR}
pkgs="@modelcontextprotocol/sdk@1.32.2 zod@3.25.76 @modelcontextprotocol/server-everything@2026.8.31"
[ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$pkgs" ] && exit 0
command -v npm >/dev/null || {
	echo "mcp-install: npm is missing; run: sudo tools/install-deps.sh check" >&2
	exit 1
}
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
# shellcheck disable=SC2086
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund \
	--loglevel=error $pkgs) || {
	echo "mcp-install: npm install $pkgs failed" >&2
	exit 1
}
echo "$pkgs" >"$dir/.done"
