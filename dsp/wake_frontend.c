// SPDX-License-Identifier: MIT
/*
 * The wake word frontend: see wake_frontend.h for the chain.  Signals:
 * window output and FFT data are int16 with kissfft's wrap-around on
 * store (the casts to int16_t below are deliberate); energies are the
 * int32 of a uint32 square sum, as the reference keeps them; channel sums
 * are uint64 modulo 2^64.
 */
#include "wake_frontend.h"

#include <string.h>

#include "wake_tables.h"

#define HALF (WAKE_FE_FFT / 2) /* complex points of the inner FFT */
#define WIN_BITS 12
#define FB_BITS 12
#define NR_BITS 14
#define SMOOTH_BITS 10
#define SNR_BITS 12
#define PCAN_OUT_BITS 6
#define LOG_BITS 16 /* Q16 log2 */
#define LOG_SEG_BITS 7
#define LN2_Q16 45426 /* ln 2 = 0.693147 */
#define LOG_SCALE_SHIFT 6
/* log2(512) - 1 - FB_BITS / 2: bits the energies lack against the
 * reference's scaling of the filterbank output */
#define CORRECTION_BITS 3
/* gain bits 21 - CORRECTION_BITS - SNR_BITS */
#define SNR_SHIFT 6

struct cpx {
	int16_t r, i;
};

static int msb32(uint32_t v)
{
	return v ? 32 - __builtin_clz(v) : 0;
}

/* (a x b) in Q15, rounded, stored as int16 */
static inline int16_t q15(int32_t p)
{
	return (int16_t)((p + (1 << 14)) >> 15);
}

static inline struct cpx cmul(struct cpx a, int16_t wr, int16_t wi)
{
	struct cpx m = {
		q15((int32_t)a.r * wr - (int32_t)a.i * wi),
		q15((int32_t)a.r * wi + (int32_t)a.i * wr),
	};
	return m;
}

/* divide by 4 the kissfft way: times 32767/4 in Q15 */
static inline void div4(struct cpx *c)
{
	c->r = q15((int32_t)c->r * (32767 / 4));
	c->i = q15((int32_t)c->i * (32767 / 4));
}

static inline void div2(struct cpx *c)
{
	c->r = q15((int32_t)c->r * (32767 / 2));
	c->i = q15((int32_t)c->i * (32767 / 2));
}

/* radix-4 butterflies over m groups, twiddle step fstride */
static void radix4(struct cpx *f, int fstride, int m)
{
	for (int k = 0; k < m; k++) {
		struct cpx *a = f + k, *b = a + m, *c = a + 2 * m, *d = a + 3 * m;
		int t = k * fstride;
		struct cpx s0, s1, s2, s3, s4, s5;

		div4(a);
		div4(b);
		div4(c);
		div4(d);
		s0 = cmul(*b, wake_tw_re[t], wake_tw_im[t]);
		s1 = cmul(*c, wake_tw_re[2 * t], wake_tw_im[2 * t]);
		s2 = cmul(*d, wake_tw_re[3 * t], wake_tw_im[3 * t]);
		s5.r = (int16_t)(a->r - s1.r);
		s5.i = (int16_t)(a->i - s1.i);
		a->r = (int16_t)(a->r + s1.r);
		a->i = (int16_t)(a->i + s1.i);
		s3.r = (int16_t)(s0.r + s2.r);
		s3.i = (int16_t)(s0.i + s2.i);
		s4.r = (int16_t)(s0.r - s2.r);
		s4.i = (int16_t)(s0.i - s2.i);
		c->r = (int16_t)(a->r - s3.r);
		c->i = (int16_t)(a->i - s3.i);
		a->r = (int16_t)(a->r + s3.r);
		a->i = (int16_t)(a->i + s3.i);
		b->r = (int16_t)(s5.r + s4.i);
		b->i = (int16_t)(s5.i - s4.r);
		d->r = (int16_t)(s5.r - s4.i);
		d->i = (int16_t)(s5.i + s4.r);
	}
}

/*
 * Decimation in time, radix 4 at every level (256 = 4^4): out[] gets the
 * transform of in[0], in[stride], ... (n points).
 */
static void cfft(struct cpx *out, const struct cpx *in, int stride, int n)
{
	int m = n / 4;

	if (m == 1)
		for (int j = 0; j < 4; j++)
			out[j] = in[j * stride];
	else
		for (int j = 0; j < 4; j++)
			cfft(out + j * m, in + j * stride, stride * 4, m);
	radix4(out, stride, m);
}

/* 512-point real FFT of x (as 256 complex pairs) into spec[0..256] */
static void rfft(const int16_t *x, struct cpx *spec)
{
	struct cpx in[HALF], z[HALF];

	for (int n = 0; n < HALF; n++) {
		in[n].r = x[2 * n];
		in[n].i = x[2 * n + 1];
	}
	cfft(z, in, 1, HALF);
	{
		struct cpx dc = z[0];

		div2(&dc);
		spec[0].r = (int16_t)(dc.r + dc.i);
		spec[HALF].r = (int16_t)(dc.r - dc.i);
		spec[0].i = spec[HALF].i = 0;
	}
	for (int k = 1; k <= HALF / 2; k++) {
		struct cpx p = z[k], q = { z[HALF - k].r, (int16_t)-z[HALF - k].i };
		struct cpx sum, dif, t;

		div2(&p);
		div2(&q);
		sum.r = (int16_t)(p.r + q.r);
		sum.i = (int16_t)(p.i + q.i);
		dif.r = (int16_t)(p.r - q.r);
		dif.i = (int16_t)(p.i - q.i);
		t = cmul(dif, wake_stw_re[k - 1], wake_stw_im[k - 1]);
		spec[k].r = (int16_t)((sum.r + t.r) >> 1);
		spec[k].i = (int16_t)((sum.i + t.i) >> 1);
		/* at k = HALF/2 this overwrites the line above, as the
		 * reference does */
		spec[HALF - k].r = (int16_t)((sum.r - t.r) >> 1);
		spec[HALF - k].i = (int16_t)((t.i - sum.i) >> 1);
	}
}

/*
 * floor(sqrt(v)), plus one when v - floor^2 exceeds floor (rounded to
 * nearest), unless it is already cap (the reference's 16-bit square root
 * for v < 2^32 stops at 0xFFFF, its 64-bit one at 0xFFFFFFFF)
 */
static uint64_t round_sqrt(uint64_t v, uint64_t cap)
{
	uint64_t r = 0, rem = v;

	if (!v)
		return 0;
	/* bit by bit, from the highest power of four not above v */
	for (uint64_t bit = (uint64_t)1 << ((63 - __builtin_clzll(v)) & ~1);
	     bit; bit >>= 2) {
		if (rem >= r + bit) {
			rem -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	if (rem > r && r != cap)
		r++;
	return r;
}

static int16_t pcan_gain(uint32_t x)
{
	int oct;
	const int16_t *q;
	int32_t frac, g;

	if (x <= 2)
		return wake_pcan_lut[x];
	oct = msb32(x);
	q = wake_pcan_lut + 4 * oct - 6;
	frac = (int32_t)((oct < 11 ? x << (11 - oct) : x >> (oct - 11)) & 0x3FF);
	g = ((int32_t)q[2] * frac) >> 5;
	g += (int32_t)((uint32_t)q[1] << 5);
	g *= frac;
	g = (g + (1 << 14)) >> 15;
	return (int16_t)(g + q[0]);
}

static uint32_t pcan_shrink(uint32_t x)
{
	if (x < (2u << SNR_BITS))
		return (x * x) >> (2 + 2 * SNR_BITS - PCAN_OUT_BITS);
	return (x >> (SNR_BITS - PCAN_OUT_BITS)) - (1u << PCAN_OUT_BITS);
}

/* log2 of x >= 2 in Q16: exponent plus the interpolated correction table */
static uint32_t ln_scaled(uint32_t x)
{
	int e = msb32(x) - 1;
	int32_t frac = (int32_t)(x - ((uint32_t)1 << e));
	int32_t seg, c0, c1, rel;
	uint32_t l2, le;

	if (e < LOG_BITS)
		frac = (int32_t)((uint32_t)frac << (LOG_BITS - e));
	else
		frac >>= e - LOG_BITS;
	seg = frac >> (LOG_BITS - LOG_SEG_BITS);
	c0 = wake_log_lut[seg];
	c1 = wake_log_lut[seg + 1];
	rel = ((c1 - c0) * (frac - (seg << (LOG_BITS - LOG_SEG_BITS)))) >> LOG_BITS;
	l2 = ((uint32_t)e << LOG_BITS) + (uint32_t)(frac + c0 + rel);
	le = (uint32_t)(((uint64_t)LN2_Q16 * l2 + (1u << 15)) >> LOG_BITS);
	return ((le << LOG_SCALE_SHIFT) + (1u << 15)) >> LOG_BITS;
}

void wake_fe_init(struct wake_fe *fe)
{
	memset(fe, 0, sizeof(*fe));
}

/* window the input; returns the block's peak magnitude */
static int window(const int16_t *in, int16_t *out)
{
	int16_t peak = 0;

	for (int i = 0; i < WAKE_FE_WINDOW; i++) {
		int16_t v = (int16_t)(((int32_t)in[i] * wake_window[i]) >> WIN_BITS);

		out[i] = v;
		if (v < 0)
			v = (int16_t)-v; /* -32768 stays negative, as in int16 */
		if (v > peak)
			peak = v;
	}
	return peak;
}

/* the channels' energies: square roots of the mel sums, shifted down */
static void filterbank(const struct cpx *spec, int shift, uint32_t *ch)
{
	int32_t energy[WAKE_FB_END_BIN];
	uint64_t carry = 0; /* the 1 - weight side of the previous edge */
	int w = 0;

	for (int k = WAKE_FB_FIRST_BIN; k < WAKE_FB_END_BIN; k++) {
		uint32_t re = (uint32_t)(int32_t)spec[k].r, im = (uint32_t)(int32_t)spec[k].i;

		energy[k] = (int32_t)(re * re + im * im);
	}
	for (int c = 0; c <= WAKE_FE_CHANNELS; c++) {
		uint64_t up = carry, down = 0;

		for (int j = 0; j < wake_fb_width[c]; j++, w++) {
			/* a negative energy widens to 64 bits with its sign */
			uint64_t e = (uint64_t)(int64_t)energy[wake_fb_start[c] + j];

			up += (uint64_t)wake_fb_weight[w] * e;
			down += (uint64_t)wake_fb_unweight[w] * e;
		}
		if (c > 0)
			ch[c - 1] = (uint32_t)round_sqrt(up, up >> 32 ? 0xFFFFFFFFu : 0xFFFFu) >> shift;
		carry = down;
	}
}

static void noise_reduce(struct wake_fe *fe, uint32_t *ch)
{
	for (int i = 0; i < WAKE_FE_CHANNELS; i++) {
		uint32_t s = (i & 1) ? WAKE_NR_ODD : WAKE_NR_EVEN;
		uint32_t up = ch[i] << SMOOTH_BITS;
		uint32_t est = (uint32_t)(((uint64_t)up * s +
					   (uint64_t)fe->noise[i] * ((1u << NR_BITS) - s)) >> NR_BITS);
		uint32_t floor = (uint32_t)(((uint64_t)ch[i] * WAKE_NR_MIN_REMAINING) >> NR_BITS);
		uint32_t left;

		fe->noise[i] = est;
		if (est > up)
			est = up;
		left = (up - est) >> SMOOTH_BITS;
		ch[i] = left > floor ? left : floor;
	}
}

int wake_fe_step(struct wake_fe *fe, const int16_t *in, uint16_t *out)
{
	int16_t x[WAKE_FE_FFT];
	struct cpx spec[HALF + 1];
	uint32_t ch[WAKE_FE_CHANNELS];
	int shift;

	memcpy(fe->input + fe->used, in, sizeof(*in) * WAKE_FE_STEP);
	fe->used += WAKE_FE_STEP;
	if (fe->used < WAKE_FE_WINDOW)
		return 0;
	shift = 15 - msb32((uint32_t)window(fe->input, x));
	memmove(fe->input, fe->input + WAKE_FE_STEP,
		sizeof(fe->input[0]) * (WAKE_FE_WINDOW - WAKE_FE_STEP));
	fe->used -= WAKE_FE_STEP;

	for (int i = 0; i < WAKE_FE_WINDOW; i++)
		x[i] = (int16_t)((uint16_t)x[i] << shift);
	memset(x + WAKE_FE_WINDOW, 0, sizeof(x[0]) * (WAKE_FE_FFT - WAKE_FE_WINDOW));
	rfft(x, spec);
	filterbank(spec, shift, ch);
	noise_reduce(fe, ch);
	for (int i = 0; i < WAKE_FE_CHANNELS; i++) {
		uint32_t gain = (uint32_t)(int32_t)pcan_gain(fe->noise[i]);
		uint32_t snr = (uint32_t)(((uint64_t)ch[i] * gain) >> SNR_SHIFT);
		uint32_t v = pcan_shrink(snr) << CORRECTION_BITS;

		v = v > 1 ? ln_scaled(v) : 0;
		out[i] = (uint16_t)(v < 0xFFFF ? v : 0xFFFF);
	}
	return 1;
}

void wake_fe_to_int8(const uint16_t *feat, int8_t *out, int n)
{
	for (int i = 0; i < n; i++) {
		int32_t v = ((int32_t)feat[i] * 256 + 666 / 2) / 666 - 128;

		out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
	}
}
