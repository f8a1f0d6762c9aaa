// SPDX-License-Identifier: MIT
/*
 * Direct digital synthesis: a 32-bit phase accumulator and a quarter-wave
 * sine table of 65 Q15 entries with linear interpolation (peak error about
 * 3e-4, near -70 dB).  The step is hz * 2^32 / rate.  Each end of the tone
 * has a 5 ms linear ramp.  Integer-only, so the output is the same on
 * every target.
 */
#include "tone.h"

#include "fixed.h"

static const int16_t quarter[65] = {
	0, 804, 1608, 2410, 3212, 4011, 4808, 5602,
	6393, 7179, 7962, 8739, 9512, 10278, 11039, 11793,
	12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530,
	18204, 18868, 19519, 20159, 20787, 21403, 22005, 22594,
	23170, 23731, 24279, 24811, 25329, 25832, 26319, 26790,
	27245, 27683, 28105, 28510, 28898, 29268, 29621, 29956,
	30273, 30571, 30852, 31113, 31356, 31580, 31785, 31971,
	32137, 32285, 32412, 32521, 32609, 32678, 32728, 32757,
	32767,
};

int16_t tone_sin(uint32_t phase)
{
	uint32_t q = phase >> 30; /* quadrant */
	uint32_t x = (phase >> 8) & 0x3fffff; /* 22 bits within it */
	uint32_t idx, frac;
	int32_t a, b, v;

	if (q & 1)
		x = 0x400000 - x; /* mirror: 2nd and 4th quadrants */
	idx = x >> 16; /* 0..64 */
	frac = x & 0xffff;
	a = quarter[idx];
	b = quarter[idx < 64 ? idx + 1 : 64];
	v = a + (int32_t)(((int64_t)(b - a) * frac) >> 16);
	return (int16_t)(q & 2 ? -v : v);
}

int tone_init(struct tone *t, unsigned hz, unsigned rate, unsigned ms,
	      int16_t amp)
{
	if (rate == 0 || hz == 0 || hz * 2 >= rate)
		return -1;
	t->phase = 0;
	t->step = (uint32_t)(((uint64_t)hz << 32) / rate);
	t->amp = amp;
	t->n = 0;
	t->total = (uint32_t)((uint64_t)rate * ms / 1000);
	t->ramp = rate / 200; /* 5 ms */
	if (t->ramp * 2 > t->total)
		t->ramp = t->total / 2;
	return 0;
}

uint32_t tone_fill(struct tone *t, int16_t *out, uint32_t n)
{
	uint32_t k = 0;

	for (; k < n && t->n < t->total; k++, t->n++) {
		int32_t g = t->amp; /* Q15 gain with the ramps */
		uint32_t left = t->total - 1 - t->n;

		if (t->n < t->ramp)
			g = (int32_t)((int64_t)g * t->n / t->ramp);
		else if (left < t->ramp)
			g = (int32_t)((int64_t)g * left / t->ramp);
		out[k] = (int16_t)MULT16_16_Q15(g, tone_sin(t->phase));
		t->phase += t->step;
	}
	return k;
}
