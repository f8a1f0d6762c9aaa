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
exec "$(dirname "$0")/npm-install.sh" mcp-install "$dir" \
	@modelcontextprotocol/sdk@1.32.2 zod@3.25.76 \
	@modelcontextprotocol/server-everything@2026.8.31
