// SPDX-License-Identifier: MIT
/*
 * The wake word models run by app/wake_model.c on dsp/wake_frontend.c's
 * features, against every output of the independent int8 model
 * tests/golden/wake_int8_model.py (golden_wake.h), and the detection rule
 * of app/wake_word.c.  The models and clips are the shared ones
 * ($PARLEY_SHARED, default ../shared): without them those tests are
 * skipped.  make cross-check runs this under qemu-aarch64 too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/wake_model.h"
#include "../../app/wake_word.h"
#include "../../dsp/wake_frontend.h"
#include "../../dsp/wake_ops.h"
#include "golden_wake.h"

#define MAX_SAMPLES (16000 * 4)

static int16_t audio[MAX_SAMPLES];
static struct wake_word word;

static const char *shared(void)
{
	const char *s = getenv("PARLEY_SHARED");

	return s ? s : "../shared";
}

/* 0.5 s of silence, the clip's samples, 1 s of silence; -1 if absent */
static int padded_clip(const char *name)
{
	char path[512];
	FILE *f;
	uint8_t hdr[44];
	int n;

	snprintf(path, sizeof(path), "%s/testdata/wakeword/%s", shared(), name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	/* the clips are canonical 44-byte-header PCM WAVs */
	if (fread(hdr, 1, 44, f) != 44 || memcmp(hdr + 36, "data", 4)) {
		fclose(f);
		return -1;
	}
	memset(audio, 0, sizeof(audio));
	n = (int)fread(audio + 8000, 2, MAX_SAMPLES - 24000, f);
	fclose(f);
	return 8000 + n + 16000;
}

static void outputs_equal_the_int8_model(void **state)
{
	int checked = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(golden_wake) / sizeof(golden_wake[0]); k++) {
		const struct golden_wake *g = &golden_wake[k];
		char path[512], err[256];
		struct wake_fe fe;
		int n = padded_clip(g->clip), got = 0;

		snprintf(path, sizeof(path), "%s/models/micro-wake-word/%s.tflite", shared(), g->model);
		if (n < 0 || wake_word_load(&word, path, NULL, err, sizeof(err))) {
			print_message("%s or %s: not there, skipped (%s)\n", path, g->clip, n < 0 ? "no clip" : err);
			continue;
		}
		wake_fe_init(&fe);
		for (int i = 0; i + WAKE_FE_STEP <= n; i += WAKE_FE_STEP) {
			uint16_t feat[WAKE_FE_CHANNELS];
			int8_t in8[WAKE_FE_CHANNELS];
			int hit, p;

			if (!wake_fe_step(&fe, audio + i, feat))
				continue;
			wake_fe_to_int8(feat, in8, WAKE_FE_CHANNELS);
			p = wake_word_frame(&word, in8, &hit);
			if (p < 0)
				continue;
			assert_true(got < g->n);
			if (p != g->out[got])
				print_message("%s on %s, output %d: got %d, model %d\n", g->model, g->clip,
					      got, p, g->out[got]);
			assert_int_equal(p, g->out[got]);
			got++;
		}
		assert_int_equal(got, g->n);
		assert_true(word.model.arena_used <= WAKE_ARENA_BYTES);
		checked++;
	}
	if (!checked)
		skip();
}

static void manifest_sets_the_rule(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(wake_word_manifest(&word, "m.json",
					    "{\"wake_word\": \"Hey Jarvis\", \"micro\": "
					    "{\"probability_cutoff\": 0.97, \"sliding_window_size\": 5, "
					    "\"feature_step_size\": 10}}", err, sizeof(err)), 0);
	assert_string_equal(word.name, "Hey Jarvis");
	assert_int_equal(word.cutoff, 247); /* floor(0.97 x 255) */
	assert_int_equal(word.window, 5);
	assert_int_equal(wake_word_manifest(&word, "m.json",
					    "{\"micro\": {\"probability_cutoff\": 0.5, "
					    "\"sliding_window_size\": 0}}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "m.json: micro.sliding_window_size"));
	assert_int_equal(wake_word_manifest(&word, "m.json",
					    "{\"micro\": {\"probability_cutoff\": 0.5, "
					    "\"sliding_window_size\": 3, \"feature_step_size\": 20}}",
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "feature_step_size"));
	assert_int_equal(wake_word_manifest(&word, "m.json", "{\"micro\": ", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "m.json: not valid JSON"));
}

static void multiplier_arithmetic(void **state)
{
	(void)state;
	/* SRDHM: 2^30 x 3 / 2^31 = 1.5 -> 2, but -1.5 -> -1 (the negative
	 * nudge is 1 - 2^30, so a negative tie goes toward zero) */
	assert_int_equal(wake_srdhm(1 << 30, 3), 2);
	assert_int_equal(wake_srdhm(1 << 30, -3), -1);
	assert_int_equal(wake_srdhm(1 << 30, -5), -2); /* -2.5 */
	assert_int_equal(wake_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
	/* RoundingDivideByPOT: 5 / 2 = 2.5 -> 3, -5 / 2 -> -3, 3 / 4 -> 1 */
	assert_int_equal(wake_rdbypot(5, 1), 3);
	assert_int_equal(wake_rdbypot(-5, 1), -3);
	assert_int_equal(wake_rdbypot(3, 2), 1);
	/* 0.5 as 2^30 with shift 0: 7 x 0.5 = 3.5 -> 4 */
	assert_int_equal(wake_mulq(7, 1 << 30, 0), 4);
	/* shift 2: 7 x 0.5 x 4 = 14 */
	assert_int_equal(wake_mulq(7, 1 << 30, 2), 14);
}

static void logistic_endpoints(void **state)
{
	/* scale 1/16 input, zero point 0: radius from 15 x 2^27 / 2^shift */
	int8_t in[3] = { -128, 0, 127 }, out[3];

	(void)state;
	/* multiplier for 1/16 x 2^27 = 2^23: frexp gives 0.5 x 2^24 */
	wake_logistic_s8(in, out, 3, 0, (int32_t)((15LL << 27) >> 24), 1 << 30, 24);
	assert_int_equal(out[0], -128); /* sigmoid(-8) x 256 = 0.09 */
	assert_int_equal(out[1], 0); /* 0.5 x 256 - 128 */
	assert_int_equal(out[2], 127); /* sigmoid(7.9) saturates */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outputs_equal_the_int8_model),
		cmocka_unit_test(manifest_sets_the_rule),
		cmocka_unit_test(multiplier_arithmetic),
		cmocka_unit_test(logistic_endpoints),
	};

	json_arena_install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
