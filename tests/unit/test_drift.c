// SPDX-License-Identifier: MIT
/*
 * Unit tests: dsp/drift.c.  An hour of two free-running clocks is simulated
 * (a floating-point model of the card, independent of the integer code):
 * the playback card consumes 480 frames per 10 ms of its own clock, off by
 * +-300 ppm from the capture clock that paces the writes; the thread wakes
 * up to 2 ms late and the card's pointer moves in 1 ms steps.  The buffer
 * holds 3 periods; it must never run dry nor overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "../../dsp/drift.h"

#define PERIOD 480
#define BUFFER (3 * PERIOD)
#define HOUR (360000L) /* periods */

static uint32_t rng = 12345;

static double uniform(void) /* 0 <= x < 1 */
{
	rng = rng * 1664525u + 1013904223u;
	return (rng >> 8) / 16777216.0;
}

struct sim {
	long bad_period; /* first period out of bounds, -1 if none */
	double min_level, max_level;
	int32_t ppm_end;
};

static struct sim run(double ppm, int correct, long periods)
{
	struct drift d;
	struct sim s = { -1, 1e9, -1e9, 0 };
	double written = 1.5 * PERIOD; /* frames queued at start */
	double rate = PERIOD * (1.0 + ppm * 1e-6); /* consumed per period */

	drift_init(&d, PERIOD, 100);
	for (long n = 1; n <= periods; n++) {
		double late = uniform() * 0.2; /* up to 2 ms, in periods */
		double consumed = floor((n + late) * rate / 48.0) * 48.0;
		double level = written - consumed;
		int k = 0;

		if (level < s.min_level)
			s.min_level = level;
		if (level <= 0 && s.bad_period < 0)
			s.bad_period = n;
		if (correct)
			k = drift_update(&d, (int32_t)level);
		written += PERIOD + k;
		level = written - consumed;
		if (level > s.max_level)
			s.max_level = level;
		if (level > BUFFER && s.bad_period < 0)
			s.bad_period = n;
		if (!correct && s.bad_period >= 0)
			break;
	}
	s.ppm_end = drift_ppm(&d);
	return s;
}

static void an_hour_stays_in_bounds(void **state)
{
	static const double offsets[] = { 300, -300, 120, -45, 0 };

	(void)state;
	for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		struct sim s = run(offsets[i], 1, HOUR);

		print_message("%+5.0f ppm: level %.0f..%.0f frames, estimate %+d ppm\n",
			      offsets[i], s.min_level, s.max_level, s.ppm_end);
		assert_int_equal(s.bad_period, -1);
		/* the estimate found the clock offset */
		assert_true(fabs(s.ppm_end - offsets[i]) <= 25);
	}
}

static void without_correction_it_fails(void **state)
{
	(void)state;
	assert_true(run(300, 0, HOUR).bad_period > 0);
	assert_true(run(-300, 0, HOUR).bad_period > 0);
	/* and fails within a minute at 300 ppm */
	assert_true(run(300, 0, 6000).bad_period > 0);
}

static void stretch_inserts_and_drops_one_sample(void **state)
{
	int16_t in[8] = { 0, 1000, 2000, 2000, 2000, 3000, 4000, 5000 };
	int16_t out[9];

	(void)state;
	/* the flat stretch 2000, 2000, 2000 is where it edits */
	assert_int_equal(drift_stretch(in, 8, 1, out), 9);
	assert_int_equal(out[3], 2000);
	assert_int_equal(out[4], 2000);
	assert_int_equal(out[8], 5000);
	assert_int_equal(drift_stretch(in, 8, -1, out), 7);
	assert_int_equal(out[2], 2000);
	assert_int_equal(out[3], 2000);
	assert_int_equal(out[4], 3000);
	assert_int_equal(drift_stretch(in, 8, 0, out), 8);
	assert_memory_equal(in, out, sizeof(in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_hour_stays_in_bounds),
		cmocka_unit_test(without_correction_it_fails),
		cmocka_unit_test(stretch_inserts_and_drops_one_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
