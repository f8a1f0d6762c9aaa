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
static void filter(struct aec *a, int32_t *yb, int32_t *yf)
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
		s[i] = sat32(PSHR64(ab[i], AEC_WQ));
	e = fft_inv(s, t);
	for (int n = 0; n < B; n++)
		yb[n] = fft_scale(t[B + n], e);
	for (int i = 0; i < 2 * NB; i++)
		s[i] = sat32(PSHR64(af[i], AEC_WQ));
	e = fft_inv(s, t);
	for (int n = 0; n < B; n++)
		yf[n] = fft_scale(t[B + n], e);
}

/* One NLMS step of the background filter from its error block. */
static void adapt(struct aec *a, const int32_t *eb)
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

		for (int c = 0; c < 2; c++) {
			int64_t tt = ((int64_t)es[2 * k + c] * a->cfg.step_q15) >> 15;

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

/* Residual echo suppression over the previous and this error block;
 * writes the previous block's samples to out. */
static void residual(struct aec *a, const int32_t *ef, const int32_t *yf,
		     int active, int32_t *out)
{
	int32_t t[FFT_N], es[2 * NB], ys[2 * NB];
	int64_t pe[NB], py[NB], spe = 0, spy = 0;
	int32_t fl = floor_q15(a->cfg.res_floor_db);
	int e;

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
		spe += pe[k] >> 8;
		spy += py[k] >> 8;
	}
	if (active && spy > 0) {
		int32_t r = ratio_q16(spe, spy);

		if (r < a->leak_q16)
			a->leak_q16 -= (a->leak_q16 - r) >> 2;
		else
			a->leak_q16 += (r - a->leak_q16) >> 8;
		if (a->leak_q16 < 66)
			a->leak_q16 = 66;
		if (a->leak_q16 > 65536)
			a->leak_q16 = 65536;
	}
	for (int k = 0; k < NB; k++) {
		/* residual echo estimate, 6 dB over the tracked leak */
		int64_t r = shl64((py[k] >> 16) * a->leak_q16, 2);
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

	filter(a, yb, yf);
	for (int n = 0; n < B; n++) {
		eb[n] = clampe(d[n] - yb[n]);
		ef[n] = clampe(d[n] - yf[n]);
		ebe += (int64_t)eb[n] * eb[n];
		efe += (int64_t)ef[n] * ef[n];
		de += MULT16_16(d[n], d[n]);
	}
	if (active) {
		adapt(a, eb);
		two_path(a, ebe, efe);
	}
	if (a->cfg.residual) {
		residual(a, ef, yf, active, o);
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
