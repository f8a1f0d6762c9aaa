// SPDX-License-Identifier: MIT
/*
 * Drift estimation and correction, integer only.
 *
 * Plant: the playback delay D (frames) grows each period by the frames
 * written minus the frames the card consumed, so a clock offset of r ppm
 * makes D a ramp of period * r / 1e6 frames per period.  The measured delay
 * is noisy (the card's pointer moves in steps, the thread wakes late), so
 * it is low-passed first: filt += (D - filt) / 32 (Q16 frames).
 *
 * Control: a PI controller on e = target - filt (a type-2 loop, so a
 * constant clock offset leaves no steady error):
 *   corr = e * 2^-7 + sum(e) * 2^-15   (frames per period, Q24),
 * which puts the loop's natural frequency near 2^-7.5 rad per period
 * (about 1.8 s at 10 ms periods) with damping near 0.7.  corr is clamped to
 * 1000 ppm of the period (as is the integral, against wind-up), and added
 * to an accumulator that pays out whole frames: +1 frame inserted or -1
 * dropped in a period.
 *
 * Where: the inserted sample is the mean of the two neighbours at the point
 * where the signal changes least (|x[i+1] - x[i-1]| smallest); a dropped
 * sample is taken from the same kind of point, so the edit is inaudible in
 * speech and silent in silence.
 */
#include "drift.h"

#include "fixed.h"

#define ONE_Q24 ((int64_t)1 << 24)

void drift_reset(struct drift *d)
{
	d->n = 0;
	d->filt = 0;
	d->target = 0;
	d->integ = 0;
	d->corr = 0;
	d->acc = 0;
}

void drift_init(struct drift *d, int period, unsigned warmup)
{
	d->period = period > 0 ? period : 1;
	d->warmup = warmup ? warmup : 1;
	d->limit = (int64_t)d->period * ONE_Q24 / 1000;
	d->inserted = 0;
	d->dropped = 0;
	drift_reset(d);
}

static int64_t clamp64(int64_t v, int64_t lim)
{
	return v > lim ? lim : (v < -lim ? -lim : v);
}

int drift_update(struct drift *d, int32_t delay)
{
	int64_t x = (int64_t)delay * 65536, e;

	if (d->n == 0)
		d->filt = x;
	else
		d->filt += SHR64(x - d->filt, 5);
	if (d->n < d->warmup) {
		d->n++;
		if (d->n == d->warmup)
			d->target = d->filt;
		return 0;
	}
	e = d->target - d->filt; /* Q16; > 0: the buffer is running low */
	d->integ = clamp64(d->integ + SHR64(e, 7), d->limit);
	d->corr = clamp64(e * 2 + d->integ, d->limit);
	d->acc += d->corr;
	if (d->acc >= ONE_Q24) {
		d->acc -= ONE_Q24;
		d->inserted++;
		return 1;
	}
	if (d->acc <= -ONE_Q24) {
		d->acc += ONE_Q24;
		d->dropped++;
		return -1;
	}
	return 0;
}

int32_t drift_ppm(const struct drift *d)
{
	return (int32_t)(d->integ * 1000000 / ((int64_t)d->period * ONE_Q24));
}

static int quietest(const int16_t *x, int n)
{
	int best = 1;
	int32_t bv = INT32_MAX;

	for (int i = 1; i + 1 < n; i++) {
		int32_t v = (int32_t)x[i + 1] - x[i - 1];

		if (v < 0)
			v = -v;
		if (v < bv) {
			bv = v;
			best = i;
		}
	}
	return best;
}

int drift_stretch(const int16_t *in, int n, int k, int16_t *out)
{
	int at, j = 0;

	if (k == 0 || n < 3) {
		for (int i = 0; i < n; i++)
			out[i] = in[i];
		return n;
	}
	at = quietest(in, n);
	for (int i = 0; i < n; i++) {
		if (k < 0 && i == at)
			continue;
		out[j++] = in[i];
		if (k > 0 && i == at)
			out[j++] = (int16_t)PSHR32((int32_t)in[i] + in[i + 1],
						   1);
	}
	return j;
}
