// SPDX-License-Identifier: MIT
/* Unit tests: hal/chain.c, the audio thread's DSP chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "../../hal/chain.h"

static struct chain ch;
static uint32_t seed = 3;

static int16_t noise(int amp)
{
	seed = seed * 1664525u + 1013904223u;
	return (int16_t)((int32_t)(seed >> 16) % (2 * amp + 1) - amp);
}

static void names_parse_both_ways(void **state)
{
	(void)state;
	assert_int_equal(chain_aec_parse("fixed"), CHAIN_AEC_FIXED);
	assert_int_equal(chain_aec_parse("speex"), CHAIN_AEC_SPEEX);
	assert_int_equal(chain_aec_parse("off"), CHAIN_AEC_OFF);
	assert_int_equal(chain_aec_parse("webrtc"), -1);
	assert_string_equal(chain_aec_name(CHAIN_AEC_SPEEX), "speex");
}

static void bad_settings_are_named(void **state)
{
	struct chain_config cfg;
	char err[128];

	(void)state;
	chain_config_default(&cfg);
	cfg.tail_ms = 1000;
	assert_int_equal(chain_init(&ch, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dsp.aec_tail_ms"));
	assert_non_null(strstr(err, "1000"));
	chain_config_default(&cfg);
	cfg.ns_db = -3;
	assert_int_equal(chain_init(&ch, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dsp.ns_db"));
	chain_config_default(&cfg);
	cfg.aec = (enum chain_aec)7;
	assert_int_equal(chain_init(&ch, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dsp.aec"));
	/* the tail does not matter with the canceller off */
	chain_config_default(&cfg);
	cfg.aec = CHAIN_AEC_OFF;
	cfg.tail_ms = 1000;
	assert_int_equal(chain_init(&ch, &cfg, err, sizeof(err)), 0);
	chain_free(&ch);
}

/* Far-end noise with a short echo path; returns the output level against
 * the microphone's over the last second, in dB (negative: echo removed). */
static double run(enum chain_aec aec, int ns_db, int agc, int32_t *erle)
{
	struct chain_config cfg;
	struct vad_result vr;
	int16_t ref[PARLEY_FRAME], mic[PARLEY_FRAME], hist[4] = { 0 };
	double em = 0, eo = 0;
	char err[128];

	chain_config_default(&cfg);
	cfg.aec = aec;
	cfg.ns_db = ns_db;
	cfg.agc = agc;
	cfg.tail_ms = 64;
	assert_int_equal(chain_init(&ch, &cfg, err, sizeof(err)), 0);
	for (int f = 0; f < 500; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++) {
			ref[i] = noise(6000);
			mic[i] = (int16_t)(hist[3] / 2 + ref[i] / 4);
			memmove(hist + 1, hist, 3 * sizeof(*hist));
			hist[0] = ref[i];
		}
		if (f >= 400)
			for (int i = 0; i < PARLEY_FRAME; i++)
				em += (double)mic[i] * mic[i];
		chain_process(&ch, mic, ref, &vr);
		if (f >= 400)
			for (int i = 0; i < PARLEY_FRAME; i++)
				eo += (double)mic[i] * mic[i];
	}
	*erle = chain_erle_q8(&ch);
	chain_free(&ch);
	return 10 * log10((eo + 1) / em);
}

static void every_canceller_removes_echo(void **state)
{
	int32_t erle;

	(void)state;
	assert_true(run(CHAIN_AEC_OFF, 0, 0, &erle) > -1);
	assert_int_equal(erle, 0);
	assert_true(run(CHAIN_AEC_FIXED, 0, 0, &erle) < -25);
	assert_true(erle > 25 * 256);
	assert_true(run(CHAIN_AEC_SPEEX, 0, 0, &erle) < -15);
	assert_true(erle > 15 * 256);
	/* with the preprocessor after them too */
	assert_true(run(CHAIN_AEC_FIXED, 15, 1, &erle) < -25);
	assert_true(run(CHAIN_AEC_SPEEX, 15, 1, &erle) < -15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_parse_both_ways),
		cmocka_unit_test(bad_settings_are_named),
		cmocka_unit_test(every_canceller_removes_echo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
