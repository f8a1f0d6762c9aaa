// SPDX-License-Identifier: MIT
/*
 * Fixed-point echo canceller: see aec.h for the algorithms.
 *
 * Signals and Q formats:
 *   mic d, reference x, output          int16 samples (Q15 of full scale)
 *   error e, echo estimate y            int32 samples (same scale, unclipped)
 *   spectra X, E, Y                     int32, true DFT units (no 1/N)
 *   reference power xpow                int64, DFT units squared
 *   weights w                           int32, Q24 (AEC_WQ)
 *   NLMS step s                         int32, Q(AEC_WQ + AEC_GQ) per DFT unit
 *   step scale mu, suppression gains    Q15
 *   leak                                Q16
 */
#include "aec.h"

#include <errno.h>
#include <string.h>

#include "fft_table.h"
#include "fixed.h"
#include "level.h"

#define B AEC_BLOCK
#define NB FFT_BINS
#define AEC_WQ 24 /* weight fraction bits */
#define AEC_GQ 16 /* extra bits of the per-bin step */
#define ACTIVE_E (B * 32 * 32) /* far end active: block energy over -60 dBFS */
#define SAT_E (1 << 22) /* errors and echo estimates: +-2^22 */
#define YMAX ((1 << 30) - 1) /* echo estimate spectra: +-2^30 */
/* Tuning (tools/aec_bench.py); -D overrides are for experiments only. */
#ifndef LEAK_UP_SHIFT
#define LEAK_UP_SHIFT 11 /* the leak rises over ~2048 blocks, falls over ~4 */
#endif
#ifndef TALK_RATIO
#define TALK_RATIO 8 /* near end when the error is this x the leak share */
#endif
#ifndef TALK_HOLD
#define TALK_HOLD 40 /* ... and for 40 blocks (320 ms) after that */
#endif
#ifndef CORR_SHIFT
#define CORR_SHIFT 3 /* the covariance leak follows over ~8 echo blocks */
#endif
#ifndef DD_ALPHA
#define DD_ALPHA 24576 /* 0.75, Q15 */
#endif
#ifndef RES_HOLD
#define RES_HOLD 12 /* held residual estimate: x 12/16 a block (-2.5 dB) */
#endif
#ifndef LEAK_FAST_SHIFT
#define LEAK_FAST_SHIFT 1 /* ... or over ~2 when the echo path changed */
#endif
#ifndef LEAK_MIN
#define LEAK_MIN 33 /* lowest leak, Q16: -33 dB */
#endif
#ifndef RES_OVER_SHIFT
#define RES_OVER_SHIFT 1 /* residual echo: 2^this x leak x |Y|^2 in talk ... */
#endif
#ifndef RES_OVER_ECHO
#define RES_OVER_ECHO 4 /* ... and 2^this while only echo is heard */
#endif
#ifndef STEP_Y_SHIFT
#define STEP_Y_SHIFT 1 /* step: |Y|^2 (256 samples) vs |E|^2 (128 of 256) */
#endif
#ifndef CONSTRAIN_N
#define CONSTRAIN_N 2 /* partitions constrained per block */
#endif
#ifndef RES_FLOOR_DB
#define RES_FLOOR_DB -30 /* default lowest suppressor gain */
#endif
#ifndef RER_MUL
#define RER_MUL 1 /* block residual-to-error ratio: leak x |Y|^2 / |E|^2 */
#endif
#ifndef RER_MAX
#define RER_MAX 16384 /* ... at most 0.5 */
#endif
#ifndef BIN_MAX
#define BIN_MAX 16384 /* a bin's own ratio at most 0.5 */
#endif
#ifndef BIN_W
#define BIN_W 22938 /* step = 0.7 bin ratio + 0.3 block ratio */
#endif
#ifndef COH_SMOOTH
#define COH_SMOOTH 7 /* spectra smoothed over ~128 blocks (1 s) */
#endif
#ifndef COH_BIAS
#define COH_BIAS 800 /* 0.024 */
#endif
#ifndef COH_RES_SHIFT
#define COH_RES_SHIFT 3 /* residual echo at least 8 x coherence x |E|^2 */
#endif
#ifndef DELTA_SHIFT
#define DELTA_SHIFT 24 /* NLMS regulariser parts x 2^this: -42 dBFS */
#endif
#ifndef WARMUP
#define WARMUP 2 /* full step for the first WARMUP x parts active blocks */
#endif

void aec_config_default(struct aec_config *cfg)
{
	cfg->tail_ms = 256;
	cfg->residual = 1;
	cfg->step_q15 = 32767; /* 1.0 */
	cfg->res_floor_db = RES_FLOOR_DB;
}

int aec_init(struct aec *a, const struct aec_config *cfg)
{
	if (cfg->tail_ms < PARLEY_AEC_TAIL_MIN_MS ||
	    cfg->tail_ms > PARLEY_AEC_TAIL_MAX_MS)
		return -EINVAL;
	if (cfg->step_q15 <= 0 || cfg->step_q15 > 32767)
		return -EINVAL;
	if (cfg->res_floor_db < -60 || cfg->res_floor_db > 0)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->parts = (cfg->tail_ms * (PARLEY_RATE / 1000) + B - 1) / B;
	a->out_n = AEC_DELAY - B; /* the residual stage adds the other block */
	a->floor_q15 = 32767;
	for (int i = 0; i < -cfg->res_floor_db; i++)
		a->floor_q15 = MULT16_16_P15(a->floor_q15, 29205); /* -1 dB */
	for (int k = 0; k < NB; k++)
		a->gain[k] = 32767;
	a->leak_q16 = 65536;
	a->corr_leak_q16 = 65536;
	return 0;
}

int32_t aec_erle_q8(const struct aec *a)
{
	return a->erle_q8;
}

static inline int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static inline int32_t clampe(int32_t v)
{
	return v > SAT_E ? SAT_E : v < -SAT_E ? -SAT_E : v;
}

/* v * 2^s for a signed shift s, saturating to int64 */
static inline int64_t shl64(int64_t v, int s)
{
	if (s <= 0)
		return s <= -63 ? (v < 0 ? -1 : 0) : v >> -s;
	if (s >= 63 || v > (INT64_MAX >> s) || v < (INT64_MIN >> s))
		return v > 0 ? INT64_MAX : v < 0 ? INT64_MIN : 0;
	return (int64_t)((uint64_t)v << s);
}

/* a / b in Q15, clamped to [0, 32767]; a, b >= 0 */
static int32_t ratio_q15(int64_t a, int64_t b)
{
	while (a >= ((int64_t)1 << 47)) {
		a >>= 1;
		b >>= 1;
	}
	if (b <= 0)
		return a > 0 ? 32767 : 0;
	int64_t r = (a << 15) / b;

	return r > 32767 ? 32767 : (int32_t)r;
}

/* a / b in Q12, clamped to [0, 2^24]; a, b >= 0 */
static int32_t ratio_q12(int64_t a, int64_t b)
{
	while (a >= ((int64_t)1 << 50)) {
		a >>= 1;
		b >>= 1;
	}
	if (b <= 0)
		return 1 << 24;
	int64_t r = (a << 12) / b;

	return r > (1 << 24) ? 1 << 24 : (int32_t)r;
}

/* a / b in Q16, clamped to [0, 2^24]; a, b >= 0 */
static int32_t ratio_q16(int64_t a, int64_t b)
{
	while (a >= ((int64_t)1 << 46)) {
		a >>= 1;
		b >>= 1;
	}
	if (b <= 0)
		return 1 << 24;
	int64_t r = (a << 16) / b;

	return r > (1 << 24) ? 1 << 24 : (int32_t)r;
}

/* v[i] * 2^e for n values: a plain shift down, or a saturating one up */
static void scale_block(int32_t *v, int n, int e)
{
	if (e <= 0) {
		if (e < -31)
			e = -31;
		for (int i = 0; i < n; i++)
			v[i] >>= -e;
	} else if (e < 31) {
		int32_t hi = INT32_MAX >> e, lo = INT32_MIN >> e;

		for (int i = 0; i < n; i++)
			v[i] = v[i] > hi ? INT32_MAX : v[i] < lo ? INT32_MIN :
			       (int32_t)((uint32_t)v[i] << e);
	} else {
		for (int i = 0; i < n; i++)
			v[i] = fft_scale(v[i], e);
	}
}

/* Forward FFT into true DFT units. */
static void spectrum(const int32_t *t, int32_t *s)
{
	scale_block(s, 2 * NB, fft_fwd(t, s));
}

/* Keeps the first half of a weight partition's impulse response. */
static void constrain(int32_t *w)
{
	int32_t t[FFT_N], s[2 * NB];
	int e1 = fft_inv(w, t), e2;

	for (int n = B; n < FFT_N; n++)
		t[n] = 0;
	e2 = fft_fwd(t, s);
	scale_block(s, 2 * NB, e1 + e2);
	memcpy(w, s, sizeof(s));
}

static inline int ring(const struct aec *a, int p)
{
	return a->xpos - p < 0 ? a->xpos - p + a->parts : a->xpos - p;
}

/* Echo estimate for the newest block: spectrum ys, samples y. */
static void filter(struct aec *a, int32_t *ys, int32_t *y)
{
	int64_t acc[2 * NB];
	int32_t t[FFT_N];

	memset(acc, 0, sizeof(acc));
	for (int p = 0; p < a->parts; p++) {
		const int32_t *x = a->x[ring(a, p)], *w = a->w[p];

		for (int i = 0; i < 2 * NB; i += 2) {
			int64_t xr = x[i], xi = x[i + 1];

			acc[i] += xr * w[i] - xi * w[i + 1];
			acc[i + 1] += xr * w[i + 1] + xi * w[i];
		}
	}
	/* |Y| < 2^30 and |y| <= 2^22 keep every power below in 63 bits */
	for (int i = 0; i < 2 * NB; i++) {
		int64_t v = PSHR64(acc[i], AEC_WQ);

		ys[i] = (int32_t)(v > YMAX ? YMAX : v < -YMAX ? -YMAX : v);
	}
	scale_block(t + B, B, fft_inv(ys, t));
	for (int n = 0; n < B; n++)
		y[n] = clampe(t[B + n]);
}

static int bitlen64(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/* right shift that leaves at most 20 significant bits */
static int mant_shift(uint64_t v)
{
	return bitlen64(v) > 20 ? bitlen64(v) - 20 : 0;
}

static inline uint64_t abs64(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/*
 * Magnitude-squared coherence of the error with the reference block that
 * carries most of the echo path, |Sxe|^2 / (Sxx See), the cross- and
 * auto-spectra smoothed over ~128 blocks, less the bias such an average
 * has for unrelated signals; Q15.  Echo the filter has not learnt yet (bins
 * the far end seldom excites, a changed path) is coherent with the far end;
 * near-end speech is not.  The residual suppressor takes 8 x coherence x
 * |E|^2 as a second residual echo estimate, in the manner of WebRTC's
 * coherence-based suppression.  20-bit mantissas keep products in 64 bits.
 */
static void coherence(struct aec *a, const int32_t *es)
{
	const int32_t *x = a->x[ring(a, a->peak)];

	for (int k = 0; k < NB; k++) {
		int64_t xr = x[2 * k] >> 8, xi = x[2 * k + 1] >> 8;
		int64_t er = es[2 * k] >> 4, ei = es[2 * k + 1] >> 4;
		int64_t *c = a->sxe[k];
		uint64_t m;
		int e1, e2, e3, d;
		int64_t num, den;
		int32_t q;

		c[0] += ((xr * er + xi * ei) - c[0]) >> COH_SMOOTH;
		c[1] += ((xr * ei - xi * er) - c[1]) >> COH_SMOOTH;
		a->sxx[k] += ((xr * xr + xi * xi) - a->sxx[k]) >> COH_SMOOTH;
		a->see[k] += ((er * er + ei * ei) - a->see[k]) >> COH_SMOOTH;
		m = abs64(c[0]) | abs64(c[1]);
		e1 = mant_shift(m);
		e2 = mant_shift((uint64_t)a->sxx[k]);
		e3 = mant_shift((uint64_t)a->see[k]);
		num = (c[0] >> e1) * (c[0] >> e1) + (c[1] >> e1) * (c[1] >> e1);
		den = (a->sxx[k] >> e2) * (a->see[k] >> e3);
		d = 2 * e1 - e2 - e3;
		if (den <= 0) {
			a->coh[k] = 0;
			continue;
		}
		q = ratio_q16(num, den); /* Q16, up to 2^24 */
		q = d >= 0 ? (d > 8 ? 1 << 24 : q << d) : (d < -24 ? 0 : q >> -d);
		q >>= 1; /* Q15 */
		if (q > 32767)
			q = 32767;
		/* less the bias of a short average of unrelated signals */
		q = q <= COH_BIAS ? 0 : (int32_t)(((int64_t)(q - COH_BIAS) << 15) /
						   (32768 - COH_BIAS));
		a->coh[k] = (int16_t)(q > 32767 ? 32767 : q);
	}
}

/* The partition holding most of the weights' energy (the direct path). */
static void find_peak(struct aec *a)
{
	int64_t best = -1;

	for (int p = 0; p < a->parts; p++) {
		int64_t e = 0;

		for (int i = 0; i < 2 * NB; i++)
			e += ((int64_t)(a->w[p][i] >> 8)) * (a->w[p][i] >> 8);
		if (e > best) {
			best = e;
			a->peak = p;
		}
	}
}

/* One NLMS step from the error block e; ys is the echo estimate's spectrum. */
static void adapt(struct aec *a, const int32_t *e, const int32_t *ys)
{
	int32_t t[FFT_N], es[2 * NB], st[2 * NB];
	int64_t delta = (int64_t)a->parts << DELTA_SHIFT;
	int warm = a->adapted < WARMUP * a->parts;

	for (int n = 0; n < B; n++) {
		t[n] = 0;
		t[B + n] = e[n];
	}
	spectrum(t, es);
	if ((a->blocks & 31) == 0)
		find_peak(a);
	coherence(a, es);
	/* the residual-to-error ratio of the whole block: a floor under
	 * every bin's step, so bins the far end has seldom excited (where
	 * the estimate |Y| is still small) learn too (as speexdsp does) */
	int64_t syy = 0, see = 0;
	int32_t rer = 0;

	if (!warm) {
		for (int k = 0; k < NB; k++) {
			int64_t yr = ys[2 * k], yi = ys[2 * k + 1];
			int64_t er = es[2 * k], ei = es[2 * k + 1];

			syy += (yr * yr + yi * yi) >> 8;
			see += (er * er + ei * ei) >> 8;
		}
		rer = ratio_q15(shl64((syy >> 16) * a->leak_q16, STEP_Y_SHIFT) *
					RER_MUL,
				see);
		if (rer > RER_MAX)
			rer = RER_MAX;
	}
	/* per-bin step: s = mu E / (sum |X|^2 + delta), Q(WQ + GQ) */
	for (int k = 0; k < NB; k++) {
		int64_t p = a->xpow[k] + delta;
		int sh = 63 - __builtin_clzll((uint64_t)p) - 30;
		int64_t pm = sh >= 0 ? p >> sh : p << -sh; /* [2^30, 2^31) */
		int64_t inv = ((int64_t)1 << 61) / pm;
		int32_t mu = a->cfg.step_q15;

		if (!warm) {
			/* optimal step (Valin 2007): the residual echo's share
			 * of the error, leak |Y|^2 / |E|^2, capped at the
			 * configured step; small in double talk */
			int64_t yr = ys[2 * k], yi = ys[2 * k + 1];
			int64_t er = es[2 * k], ei = es[2 * k + 1];
			int64_t ry = shl64(((yr * yr + yi * yi) >> 16) *
						   a->leak_q16, STEP_Y_SHIFT);

			int32_t r = ratio_q15(ry, er * er + ei * ei);

			if (r > BIN_MAX)
				r = BIN_MAX;
			mu = MULT16_16_Q15(mu, (BIN_W * r + (32768 - BIN_W) * rer) >> 15);
		}
		for (int c = 0; c < 2; c++) {
			int64_t tt = ((int64_t)es[2 * k + c] * mu) >> 15;

			/* tt * inv = mu E 2^(61 + sh) / p */
			st[2 * k + c] = sat32(shl64(tt * inv,
						    AEC_WQ + AEC_GQ - 61 - sh));
		}
	}
	for (int p = 0; p < a->parts; p++) {
		const int32_t *x = a->x[ring(a, p)];
		int32_t *w = a->w[p];

		for (int i = 0; i < 2 * NB; i += 2) {
			int64_t xr = x[i], xi = x[i + 1];
			/* w += conj(X) s */
			int64_t vr = w[i] + ((xr * st[i] + xi * st[i + 1] +
					      (1 << (AEC_GQ - 1))) >> AEC_GQ);
			int64_t vi = w[i + 1] + ((xr * st[i + 1] - xi * st[i] +
						  (1 << (AEC_GQ - 1))) >> AEC_GQ);

			w[i] = (int32_t)vr == vr ? (int32_t)vr : sat32(vr);
			w[i + 1] = (int32_t)vi == vi ? (int32_t)vi : sat32(vi);
		}
	}
	/* one partition a block gets its gradient constraint (alternately
	 * updated MDF); the others run unconstrained in between */
	for (int c = 0; c < CONSTRAIN_N && c < a->parts; c++)
		constrain(a->w[(a->blocks * CONSTRAIN_N + c) % a->parts]);
}

/* follows r at once downward, over ~2^up blocks upward, within limits */
static int32_t track(int32_t l, int32_t r, int up)
{
	if (r < l)
		l -= (l - r) >> 2;
	else
		l += (r - l) >> up;
	return l < LEAK_MIN ? LEAK_MIN : l > 65536 ? 65536 : l;
}

/*
 * The leak as the regression of the error's power spectrum on the echo
 * estimate's, across the bins of one block: the residual echo follows the
 * estimate's spectral shape, near-end speech does not, so it adds to the
 * error's power but little to the covariance.  Blocks count by the share
 * of the estimate in the whole (sy / (se + sy)): little in double talk.
 */
static void corr_leak(struct aec *a, const int64_t *pe, const int64_t *py,
		      int64_t se, int64_t sy)
{
	int64_t m = 0, me = 0, my = 0, cov = 0, var = 0;
	int s = 0;

	for (int k = 0; k < NB; k++) {
		if (pe[k] > m)
			m = pe[k];
		if (py[k] > m)
			m = py[k];
	}
	while ((m >> s) >= ((int64_t)1 << 26))
		s++;
	for (int k = 0; k < NB; k++) {
		me += pe[k] >> s;
		my += py[k] >> s;
	}
	me /= NB;
	my /= NB;
	for (int k = 0; k < NB; k++) {
		int64_t de = (pe[k] >> s) - me, dy = (py[k] >> s) - my;

		cov += de * dy;
		var += dy * dy;
	}
	if (var <= 0 || cov <= 0)
		return;
	int32_t rb = ratio_q16(cov, var);
	int32_t w = (int32_t)((sy << 15) / (se + sy)); /* Q15 */

	if (rb > 65536)
		rb = 65536;
	a->corr_leak_q16 += (int32_t)(((int64_t)(rb - a->corr_leak_q16) * w) >>
				      (15 + CORR_SHIFT));
	if (a->corr_leak_q16 < LEAK_MIN)
		a->corr_leak_q16 = LEAK_MIN;
}

/*
 * Windowed spectra of the error and the echo estimate over the previous
 * and this block, their powers pe and py; updates the leak, the share
 * of the echo estimate's power left in the error: their ratio, followed at
 * once when it falls and over ~2^LEAK_UP_SHIFT blocks when it rises, so
 * near-end speech (which raises the error, not the estimate) lifts it only
 * slowly while a change of the echo path lifts it within a few blocks.
 */
static void analyse(struct aec *a, const int32_t *e, const int32_t *y,
		    int active, int fast, int32_t *es, int64_t *pe, int64_t *py)
{
	int32_t t[FFT_N], ys[2 * NB];
	int64_t se = 0, sy = 0;

	for (int n = 0; n < B; n++) {
		t[n] = (int32_t)(((int64_t)a->eprev[n] * fft_sqrt_hann[n]) >> 15);
		t[B + n] = (int32_t)(((int64_t)e[n] * fft_sqrt_hann[B + n]) >> 15);
	}
	spectrum(t, es);
	for (int n = 0; n < B; n++) {
		t[n] = (int32_t)(((int64_t)a->yprev[n] * fft_sqrt_hann[n]) >> 15);
		t[B + n] = (int32_t)(((int64_t)y[n] * fft_sqrt_hann[B + n]) >> 15);
	}
	spectrum(t, ys);
	for (int k = 0; k < NB; k++) {
		int64_t er = es[2 * k], ei = es[2 * k + 1];
		int64_t yr = ys[2 * k], yi = ys[2 * k + 1];

		pe[k] = er * er + ei * ei;
		py[k] = yr * yr + yi * yi;
		se += pe[k] >> 8;
		sy += py[k] >> 8;
	}
	if (!active || sy <= 0)
		return;
	int32_t r = ratio_q16(se, sy);

	corr_leak(a, pe, py, se, sy);

	/* an error much louder than the leak predicts: near-end speech */
	if ((int64_t)r > (int64_t)a->corr_leak_q16 * TALK_RATIO)
		a->talk_hold = TALK_HOLD + 1;
	else if (a->talk_hold > 0)
		a->talk_hold--;
	a->leak_q16 = track(a->leak_q16, r, fast ? LEAK_FAST_SHIFT : LEAK_UP_SHIFT);
}

/* Residual echo suppression on the analysed spectra; writes the previous
 * block's samples to out (sqrt-Hann synthesis, overlap-add). */
static void suppress(struct aec *a, int32_t *es, const int64_t *pe,
		     const int64_t *py, int32_t *out)
{
	int32_t t[FFT_N];

	for (int k = 0; k < NB; k++) {
		int64_t r = shl64((py[k] >> 16) * a->corr_leak_q16,
				  a->talk_hold ? RES_OVER_SHIFT : RES_OVER_ECHO);
		/* or the share of the error coherent with the far end */
		int64_t rc = shl64((pe[k] >> 15) * a->coh[k], COH_RES_SHIFT);
		int32_t g;

		if (rc > r)
			r = rc;
		/* the estimate held, decaying by RES_HOLD/16 a block, so the
		 * echo of a loud syllable is still covered as it rings out */
		int64_t h = (a->rhold[k] >> 4) * RES_HOLD;

		if (h > r)
			r = h;
		a->rhold[k] = r;
		/* decision-directed Wiener gain (Ephraim & Malah 1984) on the
		 * signal-to-residual-echo ratio, Q12 */
		int32_t post = r > 0 ? ratio_q12(pe[k], r) : 1 << 24;
		int32_t gsq = MULT16_16_Q15(a->gain[k], a->gain[k]);
		int64_t prio = (((int64_t)gsq * a->post[k]) >> 15) * DD_ALPHA +
			       (int64_t)(post > 4096 ? post - 4096 : 0) *
				       (32768 - DD_ALPHA);

		prio >>= 15;
		g = (int32_t)((prio << 15) / (prio + 4096));
		if (g > 32767)
			g = 32767;
		a->post[k] = post;
		if (g < a->floor_q15)
			g = a->floor_q15;
		a->gain[k] = (int16_t)g;
		es[2 * k] = MULT16_32_Q15(a->gain[k], es[2 * k]);
		es[2 * k + 1] = MULT16_32_Q15(a->gain[k], es[2 * k + 1]);
	}
	scale_block(t, FFT_N, fft_inv(es, t));
	for (int n = 0; n < B; n++) {
		out[n] = a->ola[n] + MULT16_32_Q15(fft_sqrt_hann[n], t[n]);
		a->ola[n] = MULT16_32_Q15(fft_sqrt_hann[B + n], t[B + n]);
	}
}

static void block(struct aec *a, const int16_t *d, const int16_t *xin,
		  int16_t *out)
{
	int32_t t[FFT_N], s[2 * NB], y[B], e[B], o[B], es[2 * NB], ys[2 * NB];
	int64_t pe[NB], py[NB], ee = 0, xe = 0, de = 0, oe = 0;
	int active;

	/* the newest reference spectrum replaces the oldest in the ring */
	for (int n = 0; n < B; n++) {
		t[n] = a->xold[n];
		t[B + n] = xin[n];
		a->xold[n] = xin[n];
		xe += MULT16_16(xin[n], xin[n]);
	}
	spectrum(t, s);
	a->xpos = a->xpos + 1 == a->parts ? 0 : a->xpos + 1;
	for (int k = 0; k < NB; k++) {
		int32_t *x = a->x[a->xpos];
		int64_t or = x[2 * k], oi = x[2 * k + 1];
		int64_t nr = s[2 * k], ni = s[2 * k + 1];

		a->xpow[k] += nr * nr + ni * ni - or * or - oi * oi;
	}
	memcpy(a->x[a->xpos], s, sizeof(s));
	active = xe > ACTIVE_E;

	filter(a, ys, y);
	for (int n = 0; n < B; n++) {
		e[n] = clampe(d[n] - y[n]);
		ee += (int64_t)e[n] * e[n];
		de += MULT16_16(d[n], d[n]);
	}
	/* diverged (error well above the microphone for a while): restart */
	if (ee > 4 * de + B * 64) {
		if (++a->diverged >= 4) {
			memset(a->w, 0, sizeof(a->w[0]) * a->parts);
			a->adapted = 0;
			a->diverged = 0;
		}
	} else {
		a->diverged = 0;
	}
	/* Near-end speech adds to the microphone as much as to the error, so
	 * the error stays below the microphone; a wrong filter (the echo path
	 * changed) leaves an error as loud as the microphone or louder. */
	a->se += (ee - a->se) >> 2;
	a->sd += (de - a->sd) >> 2;
	analyse(a, e, y, active, a->se > a->sd, es, pe, py);
	if (active) {
		if (a->adapted < WARMUP * a->parts)
			a->adapted++;
		adapt(a, e, ys);
	}
	if (a->cfg.residual) {
		suppress(a, es, pe, py, o);
	} else {
		for (int n = 0; n < B; n++)
			o[n] = a->eprev[n];
	}
	for (int n = 0; n < B; n++) {
		out[n] = SATURATE16(o[n]);
		oe += (int64_t)out[n] * out[n];
		a->eprev[n] = e[n];
		a->yprev[n] = y[n];
	}
	if (active) {
		a->pmic += (de - a->pmic) >> 4;
		a->pout += (oe - a->pout) >> 4;
		if (a->pmic > 0) {
			int32_t l = a->pout > 0 ? level_log2_q8((uint64_t)a->pout)
						: -(1 << 8);
			/* 10 log10(v) = log2(v) x 3.0103 */
			int32_t db = (level_log2_q8((uint64_t)a->pmic) - l) * 771 >> 8;

			a->erle_q8 = db < 0 ? 0 : db;
		}
	}
	a->blocks++;
}

void aec_process(struct aec *a, const int16_t *mic, const int16_t *ref,
		 int16_t *out)
{
	int done = 0;

	memcpy(a->mic_in + a->in_n, mic, PARLEY_FRAME * sizeof(*mic));
	memcpy(a->ref_in + a->in_n, ref, PARLEY_FRAME * sizeof(*ref));
	a->in_n += PARLEY_FRAME;
	while (a->in_n - done >= B) {
		block(a, a->mic_in + done, a->ref_in + done, a->out_q + a->out_n);
		a->out_n += B;
		done += B;
	}
	a->in_n -= done;
	memmove(a->mic_in, a->mic_in + done, a->in_n * sizeof(*mic));
	memmove(a->ref_in, a->ref_in + done, a->in_n * sizeof(*ref));
	memcpy(out, a->out_q, PARLEY_FRAME * sizeof(*out));
	a->out_n -= PARLEY_FRAME;
	memmove(a->out_q, a->out_q + PARLEY_FRAME, a->out_n * sizeof(*out));
}
