// SPDX-License-Identifier: MIT
/*
 * int8 kernels of the wake word models: see wake_ops.h for the arithmetic.
 * Fixed-point formats of the logistic are named Qn (n integer bits of a
 * signed 32-bit value: Q0 is [-1, 1), Q2 is [-4, 4), Q4 is [-16, 16)).
 */
#include "wake_ops.h"

#include <string.h>

int32_t wake_srdhm(int32_t a, int32_t b)
{
	int64_t p = (int64_t)a * b;

	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	/* (p + nudge) / 2^31, C division truncating toward zero */
	return (int32_t)((p + (p >= 0 ? (1 << 30) : 1 - (1 << 30))) / ((int64_t)1 << 31));
}

int32_t wake_rdbypot(int32_t x, int exponent)
{
	int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
	int32_t rem = x & mask;
	int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);

	return (x >> exponent) + (rem > threshold ? 1 : 0);
}

int32_t wake_mulq(int32_t x, int32_t mult, int shift)
{
	int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;

	return wake_rdbypot(wake_srdhm((int32_t)((uint32_t)x << left), mult), right);
}

static int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void wake_conv_s8(const struct wake_conv *c)
{
	for (int oy = 0; oy < c->out_h; oy++)
		for (int ox = 0; ox < c->out_w; ox++)
			for (int oc = 0; oc < c->out_c; oc++) {
				int32_t acc = 0;
				int y0 = oy * c->stride_h - c->pad_h, x0 = ox * c->stride_w - c->pad_w;

				for (int fy = 0; fy < c->f_h; fy++) {
					int iy = y0 + fy * c->dil_h;

					if (iy < 0 || iy >= c->in_h)
						continue;
					for (int fx = 0; fx < c->f_w; fx++) {
						int ix = x0 + fx * c->dil_w;
						const int8_t *px;

						if (ix < 0 || ix >= c->in_w)
							continue;
						px = c->in + (iy * c->in_w + ix) * c->in_c;
						if (c->depth_mult) {
							int ic = oc / c->depth_mult;

							acc += (px[ic] - c->in_zp) *
							       c->filter[(fy * c->f_w + fx) * c->out_c + oc];
						} else {
							const int8_t *w = c->filter +
								((oc * c->f_h + fy) * c->f_w + fx) * c->in_c;

							for (int ic = 0; ic < c->in_c; ic++)
								acc += (px[ic] - c->in_zp) * w[ic];
						}
					}
				}
				if (c->bias) {
					const uint8_t *b = c->bias + 4 * oc;

					acc += (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 |
							 (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
				}
				acc = wake_mulq(acc, c->mult[oc], c->shift[oc]) + c->out_zp;
				c->out[(oy * c->out_w + ox) * c->out_c + oc] =
					(int8_t)clamp(acc, c->act_min, c->act_max);
			}
}

/* ---- gemmlowp's fixed-point logistic ------------------------------------ */

/* x 2^e, e > 0, saturating */
static int32_t sat_shl(int32_t x, int e)
{
	int32_t limit = (int32_t)((1u << (31 - e)) - 1);

	if (x > limit)
		return INT32_MAX;
	if (x < -limit)
		return INT32_MIN;
	return (int32_t)((uint32_t)x << e);
}

static int32_t wrap_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

static int32_t wrap_sub(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* exp(a) for a in [-1/4, 0), Q0: Taylor series around -1/8 */
static int32_t exp_quarter(int32_t a)
{
	const int32_t e_m8 = 1895147668; /* exp(-1/8) */
	const int32_t third = 715827883; /* 1/3 */
	int32_t x = wrap_add(a, 1 << 28); /* a + 1/8 */
	int32_t x2 = wake_srdhm(x, x), x3 = wake_srdhm(x2, x), x4 = wake_srdhm(x2, x2);
	int32_t x4_4 = wake_rdbypot(x4, 2);
	int32_t poly = wake_rdbypot(wrap_add(wake_srdhm(wrap_add(x4_4, x3), third), x2), 1);

	return wrap_add(e_m8, wake_srdhm(e_m8, wrap_add(x, poly)));
}

/* exp(a) for a <= 0 in Q4, result Q0 */
static int32_t exp_negative(int32_t a)
{
	static const int32_t factor[6] = {
		1672461947, /* exp(-1/4) */
		1302514674, /* exp(-1/2) */
		790015084, /* exp(-1) */
		290630308, /* exp(-2) */
		39332535, /* exp(-4) */
		720401, /* exp(-8) */
	};
	const int32_t quarter = 1 << 25; /* 1/4 in Q4 */
	int32_t low = wrap_sub(a & (quarter - 1), quarter);
	int32_t r = exp_quarter(sat_shl(low, 4));
	int32_t rem = wrap_sub(low, a);

	/* bits 25..30 of the remainder: multiples 1/4 .. 8 */
	for (int k = 0; k < 6; k++)
		if (rem & (1 << (25 + k)))
			r = wake_srdhm(r, factor[k]);
	return a ? r : INT32_MAX;
}

/* 1 / (1 + a) for a in [0, 1] Q0: Newton-Raphson in Q2 */
static int32_t one_over_one_plus(int32_t a)
{
	int64_t s = (int64_t)a + INT32_MAX;
	int32_t half = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
	int32_t x = wrap_add(1515870810, wake_srdhm(half, -1010580540)); /* 48/17 - 32/17 h */

	for (int i = 0; i < 3; i++) {
		int32_t hx = wake_srdhm(half, x);
		int32_t err = wrap_sub(1 << 29, hx);

		x = wrap_add(x, sat_shl(wake_srdhm(x, err), 2));
	}
	return sat_shl(x, 1);
}

/* logistic of a Q4 value, Q0 */
static int32_t logistic_q4(int32_t a)
{
	int32_t pos;

	if (a == 0)
		return 1 << 30;
	pos = one_over_one_plus(exp_negative(a > 0 ? (int32_t)-(uint32_t)a : a));
	return a > 0 ? pos : wrap_sub(INT32_MAX, pos);
}

void wake_logistic_s8(const int8_t *in, int8_t *out, int n, int32_t in_zp,
		      int32_t radius, int32_t mult, int shift)
{
	for (int i = 0; i < n; i++) {
		int32_t x = in[i] - in_zp;

		if (x <= -radius) {
			out[i] = -128;
		} else if (x >= radius) {
			out[i] = 127;
		} else {
			int32_t q = wake_rdbypot(logistic_q4(wake_mulq(x, mult, shift)), 23);

			out[i] = (int8_t)clamp(q - 128, -128, 127);
		}
	}
}

void wake_requant_s8_u8(const int8_t *in, uint8_t *out, int n, int32_t in_zp,
			int32_t out_zp, int32_t mult, int shift)
{
	for (int i = 0; i < n; i++)
		out[i] = (uint8_t)clamp(wake_mulq(in[i] - in_zp, mult, shift) + out_zp, 0, 255);
}
