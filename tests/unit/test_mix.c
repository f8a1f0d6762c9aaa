// SPDX-License-Identifier: MIT
/* Unit tests: dsp/mix.c and dsp/earcon.c, against direct models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "../../dsp/earcon.h"
#include "../../dsp/mix.h"

static void picks_a_channel(void **state)
{
	int16_t in[12] = { 1, 2, 3, 10, 20, 30, -1, -2, -3, 7, 8, 9 };
	int16_t out[4];

	(void)state;
	mix_to_mono(in, 4, 3, 1, out);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 20);
	assert_int_equal(out[2], -2);
	assert_int_equal(out[3], 8);
}

static void mixes_to_the_rounded_mean(void **state)
{
	int16_t in[8] = { 32767, 32767, -32768, -32768, 1, 2, -1, -2 };
	int16_t out[4];

	(void)state;
	mix_to_mono(in, 4, 2, -1, out);
	assert_int_equal(out[0], 32767);
	assert_int_equal(out[1], -32768);
	assert_int_equal(out[2], 2); /* 1.5 rounds away from zero */
	assert_int_equal(out[3], -2);
	/* in place, 8 channels */
	int16_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = (int16_t)(i < 8 ? 1000 * i : -100);
	mix_to_mono(x, 2, 8, -1, x);
	assert_int_equal(x[0], 3500);
	assert_int_equal(x[1], -100);
}

static void earcons_are_short_soft_and_click_free(void **state)
{
	static int16_t buf[48000];

	(void)state;
	for (int id = EARCON_LISTEN_START; id < EARCON_COUNT; id++) {
		for (unsigned rate = 16000; rate <= 48000; rate += 32000) {
			struct earcon ec;
			int n = 0, peak = 0, first = -1, last = -1, step = 0;

			earcon_init(&ec);
			assert_int_equal(earcon_start(&ec, id, rate), 0);
			for (int i = 0; i < 48000; i++)
				buf[i] = 0;
			while (earcon_mix(&ec, buf + n, 480) && n < 48000 - 480)
				n += 480;
			for (int i = 0; i < 48000; i++) {
				if (abs(buf[i]) > peak)
					peak = abs(buf[i]);
				if (buf[i]) {
					if (first < 0)
						first = i;
					last = i;
				}
				if (i && abs(buf[i] - buf[i - 1]) > step)
					step = abs(buf[i] - buf[i - 1]);
			}
			/* no louder than -9 dBFS, as long as its notes */
			assert_true(peak <= 11627 && peak > 8000);
			assert_true(labs((long)(last + 1) -
					 (long)rate * earcon_ms(id) / 1000) <= 2);
			/* starts from silence: the first samples are tiny */
			assert_true(abs(buf[first]) < 200);
			assert_true(abs(buf[last]) < 200);
			/* no step larger than the loudest sine can make:
			 * peak * 2 pi f / rate, with f <= 880 Hz */
			assert_true(step <= (int)(11627 * 2 * M_PI * 880 / rate) + 2);
		}
	}
	assert_int_equal(earcon_start(&(struct earcon){ 0 }, EARCON_NONE, 16000),
			 -1);
	assert_int_equal(earcon_start(&(struct earcon){ 0 }, EARCON_COUNT, 16000),
			 -1);
}

static void earcons_mix_over_playback_saturating(void **state)
{
	int16_t buf[1600];
	struct earcon ec;

	(void)state;
	for (int i = 0; i < 1600; i++)
		buf[i] = 30000;
	earcon_init(&ec);
	earcon_start(&ec, EARCON_LISTEN_START, 16000);
	earcon_mix(&ec, buf, 1600);
	for (int i = 0; i < 1600; i++)
		assert_true(buf[i] >= 30000 - 11627 && buf[i] <= 32767);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(picks_a_channel),
		cmocka_unit_test(mixes_to_the_rounded_mean),
		cmocka_unit_test(earcons_are_short_soft_and_click_free),
		cmocka_unit_test(earcons_mix_over_playback_saturating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
