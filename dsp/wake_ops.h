/* SPDX-License-Identifier: MIT */
/*
 * int8 kernels of the wake word models, integer only, with TensorFlow
 * Lite's reference semantics (tensorflow/lite/kernels/internal/reference/
 * integer_ops: conv.h, depthwise_conv.h, fully_connected.h, logistic.h;
 * reference/requantize.h), restated:
 *
 *  - a real multiplier M is an int32 mantissa m in [2^30, 2^31) and an
 *    exponent e, M = m 2^(e - 31) (QuantizeMultiplier, done at load time
 *    in app/wake_model.c);
 *  - x M is computed as RoundingDivideByPOT(SRDHM(x 2^max(e,0), m),
 *    max(-e,0)): SRDHM is the doubling high product (a b + 2^30) / 2^31
 *    for a b >= 0, else (a b + 1 - 2^30) / 2^31, dividing toward zero
 *    (saturating only for INT32_MIN x INT32_MIN); the division by 2^k
 *    rounds half away from zero;
 *  - convolutions accumulate (input - input zero point) x weight in
 *    int32, add the bias, scale by the output channel's multiplier, add
 *    the output zero point and clamp to the activation range;
 *  - int8 logistic is gemmlowp's fixed-point logistic on a Q4.27 input.
 */
#ifndef PARLEY_DSP_WAKE_OPS_H
#define PARLEY_DSP_WAKE_OPS_H

#include <stdint.h>

int32_t wake_srdhm(int32_t a, int32_t b);
int32_t wake_rdbypot(int32_t x, int exponent);
int32_t wake_mulq(int32_t x, int32_t mult, int shift);

/* NHWC, batch 1.  depth_mult 0 means a full convolution, filter
 * [out_c][f_h][f_w][in_c]; otherwise depthwise, filter [f_h][f_w][out_c]
 * with out_c = in_c x depth_mult. */
struct wake_conv {
	const int8_t *in;
	int in_h, in_w, in_c;
	int8_t *out;
	int out_h, out_w, out_c;
	const int8_t *filter;
	int f_h, f_w;
	const uint8_t *bias; /* int32 little-endian per out channel, or NULL */
	int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
	int depth_mult;
	int32_t in_zp, out_zp;
	const int32_t *mult; /* per output channel */
	const int8_t *shift;
	int32_t act_min, act_max;
};

void wake_conv_s8(const struct wake_conv *c);

/* logistic of n int8 values, output scale 1/256 and zero point -128 */
void wake_logistic_s8(const int8_t *in, int8_t *out, int n, int32_t in_zp,
		      int32_t radius, int32_t mult, int shift);

/* int8 -> uint8 with a new scale and zero point */
void wake_requant_s8_u8(const int8_t *in, uint8_t *out, int n, int32_t in_zp,
			int32_t out_zp, int32_t mult, int shift);

#endif
