// SPDX-License-Identifier: MIT
/*
 * dsp-run wake: the wake word engine over a file.
 *
 *   dsp-run wake --model FILE.tflite [--manifest FILE.json] [--cutoff P] [--probs] < in.raw
 *
 * in.raw is S16_LE mono 16 kHz.  Prints one line per detection,
 * "SECONDS NAME PROBABILITY" (the time of the model output that completed
 * it, the mean probability of the window, 0..1); with --probs instead one
 * line per model output, "SECONDS PROBABILITY".  Without a manifest, the
 * one beside the model (same name, .json) is used if it is there.  --cutoff
 * P (0 < P < 1) overrides the manifest's probability_cutoff, by the same
 * rule (a window's mean output over floor(P x 255)), as wake.cutoff does
 * in parleyd; with --probs it changes nothing printed.  Says on
 * stderr what the model needs: frames per inference, multiply-adds per
 * inference, bytes of the tensor arena, and the cutoff (of 255) and the
 * window in use.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/json_arena.h"
#include "../app/wake_word.h"
#include "../dsp/wake_frontend.h"
#include "dsp-run.h"

static struct wake_word word;

int dsp_run_wake(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "manifest", required_argument, NULL, 'j' },
		{ "probs", no_argument, NULL, 'p' },
		{ "cutoff", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *model = NULL, *manifest = NULL;
	char beside[512], err[512], *end;
	double cutoff = 0;
	int probs = 0, c;
	struct wake_fe fe;
	int16_t pcm[WAKE_FE_STEP];
	long frames = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			model = optarg;
			break;
		case 'j':
			manifest = optarg;
			break;
		case 'p':
			probs = 1;
			break;
		case 'c':
			cutoff = strtod(optarg, &end);
			if (end == optarg || *end || !(cutoff > 0 && cutoff < 1)) {
				fprintf(stderr, "dsp-run wake: --cutoff wants a probability between 0 and 1, not %s\n",
					optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: dsp-run wake --model FILE.tflite [--manifest FILE.json] [--cutoff P] [--probs] < in.raw\n");
			return 2;
		}
	}
	if (!model || optind != argc) {
		fprintf(stderr, "usage: dsp-run wake --model FILE.tflite [--manifest FILE.json] [--cutoff P] [--probs] < in.raw\n");
		return 2;
	}
	if (!manifest) {
		const char *dot = strrchr(model, '.');
		int stem = dot ? (int)(dot - model) : (int)strlen(model);

		snprintf(beside, sizeof(beside), "%.*s.json", stem, model);
		if (!access(beside, R_OK))
			manifest = beside;
	}
	json_arena_install();
	if (wake_word_load(&word, model, manifest, err, sizeof(err))) {
		fprintf(stderr, "dsp-run wake: %s\n", err);
		return 1;
	}
	if (cutoff > 0)
		word.cutoff = (int)floor(cutoff * 255);
	fprintf(stderr, "dsp-run wake: %s: %d frames per inference, %lld multiply-adds, arena %d of %d bytes, cutoff %d/255 over %d outputs\n",
		word.name, word.model.stride, (long long)word.model.macs, (int)word.model.arena_used,
		WAKE_ARENA_BYTES, word.cutoff, word.window);
	wake_fe_init(&fe);
	while (fread(pcm, sizeof(pcm[0]), WAKE_FE_STEP, stdin) == WAKE_FE_STEP) {
		uint16_t feat[WAKE_FE_CHANNELS];
		int8_t in8[WAKE_FE_CHANNELS];
		int p, hit;

		frames++;
		if (!wake_fe_step(&fe, pcm, feat))
			continue;
		wake_fe_to_int8(feat, in8, WAKE_FE_CHANNELS);
		p = wake_word_frame(&word, in8, &hit);
		if (p < 0)
			continue;
		if (probs) {
			printf("%.2f %.4f\n", frames * 0.01, p / 255.0);
		} else if (hit) {
			printf("%.2f %s %.4f\n", frames * 0.01, word.name,
			       word.hit_sum / (255.0 * word.window));
		}
	}
	return 0;
}
