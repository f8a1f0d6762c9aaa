// SPDX-License-Identifier: MIT
/* Unit tests: dsp/gain.c, checked against a floating-point model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "../../dsp/gain.h"

static void curve_follows_decibels(void **state)
{
	(void)state;
	assert_int_equal(gain_from_percent(100), GAIN_UNITY);
	assert_int_equal(gain_from_percent(150), GAIN_UNITY);
	assert_int_equal(gain_from_percent(0), 0);
	assert_int_equal(gain_from_percent(-3), 0);
	for (int p = 1; p <= 100; p++) {
		double want = 32768.0 * pow(10.0, -0.5 * (100 - p) / 20.0);
		int32_t g = gain_from_percent(p);

		assert_true(fabs(g - want) <= 1.0);
		assert_true(g <= GAIN_UNITY);
		if (p > 1)
			assert_true(g > gain_from_percent(p - 1));
	}
	/* 50 % is 25 dB down */
	assert_in_range(gain_from_percent(50), 1839, 1845);
}

static void never_clips(void **state)
{
	static const int16_t x[] = { 32767, -32768, 1, -1, 12345, -20000 };
	int16_t pcm[6];

	(void)state;
	for (int p = 0; p <= 100; p++) {
		int32_t g = gain_from_percent(p);

		for (int i = 0; i < 6; i++)
			pcm[i] = x[i];
		gain_apply(pcm, 6, g);
		for (int i = 0; i < 6; i++) {
			double want = (double)x[i] * g / 32768.0;

			assert_true(abs(pcm[i]) <= abs(x[i]));
			assert_true(fabs(pcm[i] - want) <= 0.5);
		}
	}
	/* unity is exact */
	for (int i = 0; i < 6; i++)
		pcm[i] = x[i];
	gain_apply(pcm, 6, GAIN_UNITY);
	for (int i = 0; i < 6; i++)
		assert_int_equal(pcm[i], x[i]);
}

static void ramp_has_no_step(void **state)
{
	int16_t pcm[480];

	(void)state;
	for (int i = 0; i < 480; i++)
		pcm[i] = 32767;
	gain_apply_ramp(pcm, 480, GAIN_UNITY, 0);
	assert_int_equal(pcm[479], 0);
	for (int i = 1; i < 480; i++) {
		assert_true(pcm[i] <= pcm[i - 1]);
		assert_true(pcm[i - 1] - pcm[i] <= 70); /* 32768 / 480 + 1 */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(curve_follows_decibels),
		cmocka_unit_test(never_clips),
		cmocka_unit_test(ramp_has_no_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
