// SPDX-License-Identifier: MIT
/*
 * Fixed-point real FFT: see fft.h for the algorithm and the scaling.
 * Signals: the complex work buffer holds block-floating mantissas whose
 * largest input magnitude is normalised to [2^22, 2^23); twiddles are Q15.
 */
#include "fft.h"

#include "fft_table.h"

#define M (FFT_N / 2) /* complex points */
#define TOP 22 /* inputs are normalised to [2^TOP, 2^(TOP+1)) */

static int ilog2(uint32_t v)
{
	return 31 - __builtin_clz(v);
}

/* Q15 product of a 32-bit value pair and a twiddle pair, rounded */
static inline int32_t rot(int32_t ar, int32_t ai, int32_t wr, int32_t wi)
{
	int64_t p = (int64_t)ar * wr - (int64_t)ai * wi;

	return (int32_t)((p + (1 << 14)) >> 15);
}

/* imaginary part of (ar + j ai)(wr + j wi), Q15, rounded */
static inline int32_t rot_im(int32_t ar, int32_t ai, int32_t wr, int32_t wi)
{
	return rot(ar, ai, wi, -wr);
}

/*
 * In-place radix-2 DIT complex FFT of M points on bit-reversed input,
 * halving after each stage.  sign = -1 forward (e^-j), +1 inverse.  The
 * twiddles 1 and -+j are applied exactly (no multiply).
 */
static void cfft(int32_t *z, int sign)
{
	/* first stage: twiddle 1 only */
	for (int i = 0; i < 2 * M; i += 4) {
		int32_t ar = z[i], ai = z[i + 1], br = z[i + 2], bi = z[i + 3];

		z[i] = (ar + br) >> 1;
		z[i + 1] = (ai + bi) >> 1;
		z[i + 2] = (ar - br) >> 1;
		z[i + 3] = (ai - bi) >> 1;
	}
	for (int len = 4; len <= M; len <<= 1) {
		int half = len >> 1, step = FFT_N / len;

		/* j = 0: twiddle 1 */
		for (int i = 0; i < M; i += len) {
			int32_t *a = z + 2 * i, *b = z + 2 * (i + half);
			int32_t ar = a[0], ai = a[1], br = b[0], bi = b[1];

			a[0] = (ar + br) >> 1;
			a[1] = (ai + bi) >> 1;
			b[0] = (ar - br) >> 1;
			b[1] = (ai - bi) >> 1;
		}
		for (int j = 1; j < half; j++) {
			int32_t wr = fft_cos[j * step];
			int32_t wi = sign < 0 ? -fft_sin[j * step] : fft_sin[j * step];

			if (j * step == FFT_N / 4) {
				/* twiddle -+j: (br + j bi)(-+j) */
				for (int i = j; i < M; i += len) {
					int32_t *a = z + 2 * i, *b = z + 2 * (i + half);
					int32_t ar = a[0], ai = a[1];
					int32_t tr = sign * -b[1];
					int32_t ti = sign * b[0];

					a[0] = (ar + tr) >> 1;
					a[1] = (ai + ti) >> 1;
					b[0] = (ar - tr) >> 1;
					b[1] = (ai - ti) >> 1;
				}
				continue;
			}
			for (int i = j; i < M; i += len) {
				int32_t *a = z + 2 * i, *b = z + 2 * (i + half);
				int32_t ar = a[0], ai = a[1];
				int32_t tr = rot(b[0], b[1], wr, wi);
				int32_t ti = rot_im(b[0], b[1], wr, wi);

				a[0] = (ar + tr) >> 1;
				a[1] = (ai + ti) >> 1;
				b[0] = (ar - tr) >> 1;
				b[1] = (ai - ti) >> 1;
			}
		}
	}
}

/* Shift that brings max into [2^TOP, 2^(TOP+1)); 0 for an all-zero block. */
static int norm_shift(const int32_t *v, int n)
{
	uint32_t mx = 0;

	for (int i = 0; i < n; i++) {
		uint32_t a = v[i] < 0 ? (uint32_t)-(int64_t)v[i] : (uint32_t)v[i];

		mx |= a; /* the highest set bit is all that matters */
	}
	return mx ? TOP - ilog2(mx) : 0;
}

int fft_fwd(const int32_t *in, int32_t *spec)
{
	int32_t z[2 * M];
	int s = norm_shift(in, FFT_N);

	if (s >= 0) {
		for (int n = 0; n < M; n++) {
			int r = fft_bitrev[n];

			z[2 * r] = (int32_t)((uint32_t)in[2 * n] << s);
			z[2 * r + 1] = (int32_t)((uint32_t)in[2 * n + 1] << s);
		}
	} else {
		for (int n = 0; n < M; n++) {
			int r = fft_bitrev[n];

			z[2 * r] = in[2 * n] >> -s;
			z[2 * r + 1] = in[2 * n + 1] >> -s;
		}
	}
	cfft(z, -1);
	/* split: X[k] = (A + W^k B) / 2, A = Z[k] + conj Z[M-k],
	 * B = -j (Z[k] - conj Z[M-k]) */
	spec[0] = z[0] + z[1];
	spec[1] = 0;
	spec[2 * M] = z[0] - z[1];
	spec[2 * M + 1] = 0;
	for (int k = 1; k < M; k++) {
		const int32_t *p = z + 2 * k, *q = z + 2 * (M - k);
		int32_t ar = p[0] + q[0], ai = p[1] - q[1];
		int32_t br = p[1] + q[1], bi = q[0] - p[0];
		int32_t wr = fft_cos[k], wi = -fft_sin[k];

		spec[2 * k] = (ar + rot(br, bi, wr, wi)) >> 1;
		spec[2 * k + 1] = (ai + rot_im(br, bi, wr, wi)) >> 1;
	}
	return 7 - s; /* 7 halving stages; the split is exact */
}

int fft_inv(const int32_t *spec, int32_t *out)
{
	int32_t z[2 * M], x[2 * FFT_BINS];
	int s;

	for (int i = 0; i < 2 * FFT_BINS; i++)
		x[i] = spec[i];
	x[1] = 0;
	x[2 * M + 1] = 0;
	s = norm_shift(x, 2 * FFT_BINS);
	if (s >= 0)
		for (int i = 0; i < 2 * FFT_BINS; i++)
			x[i] = (int32_t)((uint32_t)x[i] << s);
	else
		for (int i = 0; i < 2 * FFT_BINS; i++)
			x[i] >>= -s;
	/* unsplit: Z[k] = (A + j W^-k D) / 2, A = X[k] + conj X[M-k],
	 * D = X[k] - conj X[M-k] */
	{
		int32_t ar = x[0] + x[2 * M], dr = x[0] - x[2 * M];
		int r = fft_bitrev[0];

		z[2 * r] = ar >> 1;
		z[2 * r + 1] = dr >> 1;
	}
	for (int k = 1; k < M; k++) {
		const int32_t *p = x + 2 * k, *q = x + 2 * (M - k);
		int32_t ar = p[0] + q[0], ai = p[1] - q[1];
		int32_t dr = p[0] - q[0], di = p[1] + q[1];
		int32_t wr = fft_cos[k], wi = fft_sin[k];
		int32_t orr = rot(dr, di, wr, wi), oi = rot_im(dr, di, wr, wi);
		int r = fft_bitrev[k];

		/* j * (orr + j oi) = -oi + j orr */
		z[2 * r] = (ar - oi) >> 1;
		z[2 * r + 1] = (ai + orr) >> 1;
	}
	cfft(z, 1);
	for (int n = 0; n < M; n++) {
		out[2 * n] = z[2 * n];
		out[2 * n + 1] = z[2 * n + 1];
	}
	return -s;
}

int32_t fft_scale(int32_t v, int e)
{
	if (e <= 0)
		return e <= -31 ? (v < 0 ? -1 : 0) : v >> -e;
	if (e >= 31)
		return v > 0 ? INT32_MAX : v < 0 ? INT32_MIN : 0;
	if (v > (INT32_MAX >> e))
		return INT32_MAX;
	if (v < (INT32_MIN >> e))
		return INT32_MIN;
	return (int32_t)((uint32_t)v << e);
}
