// SPDX-License-Identifier: MIT
/*
 * Fixed-point echo canceller: see aec.h for the algorithms.
 *
 * Signals and Q formats:
 *   mic d, reference x, outputs        int16 samples (Q15 of full scale)
 *   errors e, echo estimates y          int32 samples (same scale, unclipped)
 *   spectra X, E, Y                     int32, true DFT units (no 1/N)
 *   reference power xpow                int64, DFT units squared
 *   weights wb, wf                      int32, Q24 (AEC_WQ)
 *   NLMS step s                         int32, Q(AEC_WQ + AEC_GQ) per DFT unit
 *   suppression gains                   Q15
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
#define SAT_E (1 << 22) /* errors are clamped to +-2^22 */
#ifndef PS
#define PS 12 /* leak regression: powers >> PS ... */
#endif
#ifndef PMAX
#define PMAX (1 << 26) /* ... clamped to this */
#endif
#ifndef LEAK_MODE
#define LEAK_MODE 1 /* 0: regression, 1: tracked ratio */
#endif
#ifndef LEAK_UP_SHIFT
#define LEAK_UP_SHIFT 4 /* leak rises over 16 blocks */
#endif
#ifndef STEP_LEAK
#define STEP_LEAK 1
#endif
#ifndef MEAN_SHIFT
#define MEAN_SHIFT 6 /* running mean powers: 64 blocks */
#endif
#ifndef COV_SHIFT
#define COV_SHIFT 4 /* covariance smoothing: 16 blocks */
#endif
#ifndef LEAK_MIN
#define LEAK_MIN 33 /* -33 dB */
#endif
#ifndef RES_OVER_SHIFT
#define RES_OVER_SHIFT 1 /* residual echo taken as 2x leak x estimate */
#endif
#ifndef STEP_Y_SHIFT
#define STEP_Y_SHIFT 1 /* bg echo spectrum (256) vs error (128 of 256) */
#endif

void aec_config_default(struct aec_config *cfg)
{
	cfg->tail_ms = 256;
	cfg->residual = 1;
	cfg->step_q15 = 32767; /* 1.0 */
	cfg->res_floor_db = -30;
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
	for (int k = 0; k < NB; k++)
		a->gain[k] = 32767;
	a->leak_q16 = 65536;
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

/* Forward FFT into true DFT units. */
static void spectrum(const int32_t *t, int32_t *s)
{
	int e = fft_fwd(t, s);

	for (int i = 0; i < 2 * NB; i++)
		s[i] = fft_scale(s[i], e);
}

/* Keeps the first half of a weight partition's impulse response. */
static void constrain(int32_t *w)
{
	int32_t t[FFT_N], s[2 * NB];
	int e1 = fft_inv(w, t), e2;

	for (int n = B; n < FFT_N; n++)
		t[n] = 0;
	e2 = fft_fwd(t, s);
	for (int i = 0; i < 2 * NB; i++)
		w[i] = fft_scale(s[i], e1 + e2);
}

/* Echo estimates of both filters for the newest block (time domain). */
static void filter(struct aec *a, int32_t *yb, int32_t *yf, int32_t *ybs)
{
	int64_t ab[2 * NB], af[2 * NB];
	int32_t s[2 * NB], t[FFT_N];
	int e;

	memset(ab, 0, sizeof(ab));
	memset(af, 0, sizeof(af));
	for (int p = 0; p < a->parts; p++) {
		int xi = a->xpos - p < 0 ? a->xpos - p + a->parts : a->xpos - p;
		const int32_t *x = a->x[xi], *wb = a->wb[p], *wf = a->wf[p];

		for (int i = 0; i < 2 * NB; i += 2) {
			int64_t xr = x[i], xim = x[i + 1];

			ab[i] += xr * wb[i] - xim * wb[i + 1];
			ab[i + 1] += xr * wb[i + 1] + xim * wb[i];
			af[i] += xr * wf[i] - xim * wf[i + 1];
			af[i + 1] += xr * wf[i + 1] + xim * wf[i];
		}
	}
	for (int i = 0; i < 2 * NB; i++)
		ybs[i] = sat32(PSHR64(ab[i], AEC_WQ));
	e = fft_inv(ybs, t);
	for (int n = 0; n < B; n++)
		yb[n] = fft_scale(t[B + n], e);
	for (int i = 0; i < 2 * NB; i++)
		s[i] = sat32(PSHR64(af[i], AEC_WQ));
	e = fft_inv(s, t);
	for (int n = 0; n < B; n++)
		yf[n] = fft_scale(t[B + n], e);
}

/* One NLMS step of the background filter from its error block. */
static void adapt(struct aec *a, const int32_t *eb, const int32_t *ybs)
{
	int32_t t[FFT_N], es[2 * NB], st[2 * NB];
	int64_t delta = (int64_t)a->parts << 20;

	for (int n = 0; n < B; n++) {
		t[n] = 0;
		t[B + n] = eb[n];
	}
	spectrum(t, es);
	/* per-bin step: s = mu E / (sum |X|^2 + delta), Q(WQ + GQ) */
	for (int k = 0; k < NB; k++) {
		int64_t p = a->xpow[k] + delta;
		int sh = 63 - __builtin_clzll((uint64_t)p) - 30;
		int64_t pm = sh >= 0 ? p >> sh : p << -sh; /* [2^30, 2^31) */
		int64_t inv = ((int64_t)1 << 61) / pm;
		/* optimal step (Valin 2007): the residual echo's share of the
		 * error, leak |Y|^2 / |E|^2, capped at the configured step;
		 * small in double talk, large while converging */
		int64_t yr = ybs[2 * k], yi = ybs[2 * k + 1];
		int64_t er = es[2 * k], ei = es[2 * k + 1];
		int64_t ry = shl64(((yr * yr + yi * yi) >> 16) *
					   (STEP_LEAK ? a->leak_q16 : 65536),
				   STEP_Y_SHIFT);
		int32_t mu = a->adapted < 2 * a->parts ? a->cfg.step_q15 :
			MULT16_16_Q15(a->cfg.step_q15,
				      ratio_q15(ry, er * er + ei * ei));

		for (int c = 0; c < 2; c++) {
			int64_t tt = ((int64_t)es[2 * k + c] * mu) >> 15;

			/* tt * inv = mu E 2^(61 + sh) / p */
			st[2 * k + c] = sat32(shl64(tt * inv,
						    AEC_WQ + AEC_GQ - 61 - sh));
		}
	}
	for (int p = 0; p < a->parts; p++) {
		int xi = a->xpos - p < 0 ? a->xpos - p + a->parts : a->xpos - p;
		const int32_t *x = a->x[xi];
		int32_t *w = a->wb[p];

		for (int i = 0; i < 2 * NB; i += 2) {
			int64_t xr = x[i], xim = x[i + 1];
			/* conj(X) * s */
			int64_t gr = xr * st[i] + xim * st[i + 1];
			int64_t gi = xr * st[i + 1] - xim * st[i];

			w[i] = sat32((int64_t)w[i] + PSHR64(gr, AEC_GQ));
			w[i + 1] = sat32((int64_t)w[i + 1] + PSHR64(gi, AEC_GQ));
		}
	}
	/* one partition a block gets its gradient constraint (alternately
	 * updated MDF); the others run unconstrained in between */
	constrain(a->wb[a->blocks % a->parts]);
}

/* Foreground/background decision on this block's error energies. */
static void two_path(struct aec *a, int64_t eb, int64_t ef)
{
	a->sb += (eb - a->sb) >> 2;
	a->sf += (ef - a->sf) >> 2;
	if (a->sb < a->sf - (a->sf >> 3)) {
		a->worse = 0;
		if (++a->better >= 3) {
			memcpy(a->wf, a->wb, sizeof(a->wf[0]) * a->parts);
			a->sf = a->sb;
			a->better = 0;
		}
	} else if (a->sb > 2 * a->sf + B * 4) {
		a->better = 0;
		if (++a->worse >= 3) {
			memcpy(a->wb, a->wf, sizeof(a->wb[0]) * a->parts);
			a->sb = a->sf;
			a->worse = 0;
		}
	} else {
		a->better = 0;
		a->worse = 0;
	}
}

/* Lowest suppressor gain in Q15 from the floor in dB (integer steps). */
static int32_t floor_q15(int db)
{
	int32_t g = 32767;

	for (int i = 0; i < -db; i++)
		g = MULT16_16_P15(g, 29205); /* 10^(-1/20) */
	return g;
}

/*
 * Spectra of the foreground's error and echo estimate over the previous and
 * this block (sqrt-Hann windowed), and the leak: how much of the echo
 * estimate's power is left in the error.  The leak is the regression of
 * the error power on the echo estimate power, both as deviations from their
 * per-bin running means, so near-end speech (uncorrelated with the echo
 * estimate) barely moves it, while an echo path change (residual echo
 * follows the far end) raises it at once (Valin 2007, "On adjusting the
 * learning rate in frequency domain echo cancellation with double-talk").
 */
static void analyse(struct aec *a, const int32_t *ef, const int32_t *yf,
		    int active, int32_t *es, int64_t *pe, int64_t *py)
{
	int32_t t[FFT_N], ys[2 * NB];
	int64_t sey = 0, syy = 0;

	for (int n = 0; n < B; n++) {
		t[n] = (int32_t)(((int64_t)a->eprev[n] * fft_sqrt_hann[n]) >> 15);
		t[B + n] = (int32_t)(((int64_t)ef[n] * fft_sqrt_hann[B + n]) >> 15);
	}
	spectrum(t, es);
	for (int n = 0; n < B; n++) {
		t[n] = (int32_t)(((int64_t)a->yprev[n] * fft_sqrt_hann[n]) >> 15);
		t[B + n] = (int32_t)(((int64_t)yf[n] * fft_sqrt_hann[B + n]) >> 15);
	}
	spectrum(t, ys);
	for (int k = 0; k < NB; k++) {
		int64_t er = es[2 * k], ei = es[2 * k + 1];
		int64_t yr = ys[2 * k], yi = ys[2 * k + 1];

		pe[k] = er * er + ei * ei;
		py[k] = yr * yr + yi * yi;
	}
	if (!active)
		return;
#if LEAK_MODE == 0
	for (int k = 0; k < NB; k++) {
		int32_t e = (int32_t)(pe[k] >> PS > PMAX ? PMAX : pe[k] >> PS);
		int32_t y = (int32_t)(py[k] >> PS > PMAX ? PMAX : py[k] >> PS);
		int64_t de = e - a->eh[k], dy = y - a->yh[k];

		sey += de * dy;
		syy += dy * dy;
		a->eh[k] += (e - a->eh[k]) >> MEAN_SHIFT;
		a->yh[k] += (y - a->yh[k]) >> MEAN_SHIFT;
	}
	a->pey += (sey - a->pey) >> COV_SHIFT;
	a->pyy += (syy - a->pyy) >> COV_SHIFT;
	if (a->pyy > 0) {
		int32_t l = a->pey <= 0 ? 0 : ratio_q16(a->pey, a->pyy);

		a->leak_q16 = l < LEAK_MIN ? LEAK_MIN : l > 65536 ? 65536 : l;
	}
#else
	for (int k = 0; k < NB; k++) {
		sey += pe[k] >> 8;
		syy += py[k] >> 8;
	}
	if (syy > 0) {
		int32_t r = ratio_q16(sey, syy);

		if (r < a->leak_q16)
			a->leak_q16 -= (a->leak_q16 - r) >> 2;
		else
			a->leak_q16 += (r - a->leak_q16) >> LEAK_UP_SHIFT;
		if (a->leak_q16 < LEAK_MIN)
			a->leak_q16 = LEAK_MIN;
		if (a->leak_q16 > 65536)
			a->leak_q16 = 65536;
	}
#endif
}

/* Residual echo suppression on the analysed spectra; writes the previous
 * block's samples to out. */
static void suppress(struct aec *a, int32_t *es, const int64_t *pe,
		     const int64_t *py, int32_t *out)
{
	int32_t t[FFT_N];
	int32_t fl = floor_q15(a->cfg.res_floor_db);
	int e;

	for (int k = 0; k < NB; k++) {
		/* residual echo estimate, RES_OVER_SHIFT over the leak */
		int64_t r = shl64((py[k] >> 16) * a->leak_q16, RES_OVER_SHIFT);
		int32_t g = 32767 - ratio_q15(r, pe[k]);

		if (g < fl)
			g = fl;
		a->gain[k] = (int16_t)((a->gain[k] + g) >> 1);
		es[2 * k] = MULT16_32_Q15(a->gain[k], es[2 * k]);
		es[2 * k + 1] = MULT16_32_Q15(a->gain[k], es[2 * k + 1]);
	}
	e = fft_inv(es, t);
	for (int n = 0; n < B; n++) {
		int32_t v0 = fft_scale(t[n], e), v1 = fft_scale(t[B + n], e);

		out[n] = a->ola[n] + MULT16_32_Q15(fft_sqrt_hann[n], v0);
		a->ola[n] = MULT16_32_Q15(fft_sqrt_hann[B + n], v1);
	}
}

static void block(struct aec *a, const int16_t *d, const int16_t *xin,
		  int16_t *out)
{
	int32_t t[FFT_N], s[2 * NB], yb[B], yf[B], eb[B], ef[B], o[B];
	int32_t es[2 * NB], ybs[2 * NB];
	int64_t pe[NB], py[NB];
	int64_t ebe = 0, efe = 0, xe = 0, de = 0, oe = 0;
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
		x[2 * k] = s[2 * k];
		x[2 * k + 1] = s[2 * k + 1];
	}
	active = xe > ACTIVE_E;

	filter(a, yb, yf, ybs);
	for (int n = 0; n < B; n++) {
		eb[n] = clampe(d[n] - yb[n]);
		ef[n] = clampe(d[n] - yf[n]);
		ebe += (int64_t)eb[n] * eb[n];
		efe += (int64_t)ef[n] * ef[n];
		de += MULT16_16(d[n], d[n]);
	}
	analyse(a, ef, yf, active, es, pe, py);
	if (active) {
		if (a->adapted < 2 * a->parts)
			a->adapted++;
		adapt(a, eb, ybs);
		two_path(a, ebe, efe);
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
		a->eprev[n] = ef[n];
		a->yprev[n] = yf[n];
	}
	if (active) {
		a->pmic += (de - a->pmic) >> 4;
		a->pout += (oe - a->pout) >> 4;
		if (a->pmic > 0) {
			int32_t l = a->pout > 0 ? level_log2_q8((uint64_t)a->pout)
						: -(1 << 8);
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
