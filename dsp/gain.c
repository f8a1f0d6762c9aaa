// SPDX-License-Identifier: MIT
/*
 * Q15 software gain.  Signals are Q15 samples; the gain is Q15 in an int32
 * so that unity (32768) is exact and passes samples through unchanged.
 * Products are rounded half up: (x * g + 2^14) >> 15.  With 0 <= g <= 2^15
 * the result never exceeds |x|, so nothing saturates.
 *
 * The volume curve is logarithmic, 0.5 dB per percent: the gain for p % is
 * r^(100 - p) with r = 10^(-0.5/20) = 1013677647 / 2^30 (Q30), computed by
 * repeated Q30 multiplication, which is exact integer arithmetic and so the
 * same on every target.
 */
#include "gain.h"

#include "fixed.h"

#define STEP_Q30 1013677647 /* 10^(-0.5/20), -0.5 dB */

int32_t gain_from_percent(int percent)
{
	int64_t g = (int64_t)1 << 30; /* Q30 */

	if (percent <= 0)
		return 0;
	if (percent > 100)
		percent = 100;
	for (int i = percent; i < 100; i++)
		g = PSHR64(g * STEP_Q30, 30);
	return (int32_t)PSHR64(g, 15);
}

static inline int16_t scale(int16_t x, int32_t g)
{
	return (int16_t)PSHR32((int32_t)x * g, 15);
}

void gain_apply(int16_t *pcm, int n, int32_t g)
{
	if (g >= GAIN_UNITY)
		return;
	for (int i = 0; i < n; i++)
		pcm[i] = scale(pcm[i], g);
}

void gain_apply_ramp(int16_t *pcm, int n, int32_t g0, int32_t g1)
{
	if (g0 == g1 || n <= 0) {
		gain_apply(pcm, n, g1);
		return;
	}
	for (int i = 0; i < n; i++) {
		int32_t g = g0 + (int32_t)((int64_t)(g1 - g0) * (i + 1) / n);

		pcm[i] = scale(pcm[i], g);
	}
}
