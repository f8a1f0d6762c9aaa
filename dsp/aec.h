/* SPDX-License-Identifier: MIT */
/*
 * Fixed-point acoustic echo canceller with residual echo suppression.
 *
 * Linear stage: a partitioned-block frequency-domain NLMS filter (the
 * multidelay block frequency-domain filter, Soo & Pang 1990; partitioned
 * overlap-save as in Borrallo & Otero 1992) on the 256-point fixed-point FFT
 * of dsp/fft.h: 128-sample blocks, one partition per block, per-bin step
 * normalised by the reference power held in the filter.  Double talk: a
 * background filter adapts all the time; a foreground filter, whose output
 * is used, only takes the background's weights when the background has done
 * clearly better for a while, and the background is reset to the
 * foreground when it does clearly worse (the two-path scheme of Ochiai et
 * al. 1977, also used by speexdsp and WebRTC).
 *
 * Residual stage: a spectral gain per bin, 1 - leak * |Y|^2 / |E|^2, with
 * the leak (residual echo over estimated echo) tracked slowly upward and
 * quickly downward, and a floor; it runs on sqrt-Hann windowed blocks with
 * 50 % overlap-add.
 *
 * Frames are PARLEY_FRAME (160) samples; internally 128-sample blocks, so
 * the output lags the input by AEC_DELAY samples (16 ms).  All state lives
 * in the struct: no allocation.
 */
#ifndef PARLEY_DSP_AEC_H
#define PARLEY_DSP_AEC_H

#include <stdint.h>

#include "fft.h"
#include "sizes.h"

#define AEC_BLOCK (FFT_N / 2) /* 128 samples, 8 ms */
#define AEC_PARTS_MAX (PARLEY_AEC_TAIL_MAX_MS * (PARLEY_RATE / 1000) / AEC_BLOCK)
#define AEC_DELAY (2 * AEC_BLOCK) /* output lag in samples */

struct aec_config {
	int tail_ms; /* echo tail covered, PARLEY_AEC_TAIL_MIN_MS..MAX_MS */
	int residual; /* 1: residual echo suppression on */
	int step_q15; /* background NLMS step, Q15 */
	int res_floor_db; /* residual suppressor's lowest gain, dB (< 0) */
};

struct aec {
	struct aec_config cfg;
	int parts; /* partitions in use */
	int xpos; /* ring index of the newest reference spectrum */
	uint32_t blocks; /* blocks processed */
	int adapted; /* active blocks so far, up to 2 parts: fixed step before */
	/* 160-sample frames in, 128-sample blocks through */
	int16_t mic_in[AEC_BLOCK + PARLEY_FRAME];
	int16_t ref_in[AEC_BLOCK + PARLEY_FRAME];
	int in_n;
	int16_t out_q[AEC_DELAY + PARLEY_FRAME];
	int out_n;
	int16_t xold[AEC_BLOCK]; /* previous reference block */
	/* reference spectra, true DFT units, a ring of parts blocks */
	int32_t x[AEC_PARTS_MAX][2 * FFT_BINS];
	/* per-bin sum of |X|^2 over the ring, DFT units squared */
	int64_t xpow[FFT_BINS];
	/* weights, Q24 (AEC_WQ): background (adapting) and foreground */
	int32_t wb[AEC_PARTS_MAX][2 * FFT_BINS];
	int32_t wf[AEC_PARTS_MAX][2 * FFT_BINS];
	/* two-path decision: smoothed block error energies */
	int64_t sb, sf;
	int better, worse; /* blocks in a row background better / worse */
	/* residual suppressor */
	int32_t eprev[AEC_BLOCK]; /* previous foreground error block */
	int32_t yprev[AEC_BLOCK]; /* previous foreground echo estimate */
	int32_t ola[AEC_BLOCK]; /* overlap-add tail */
	int16_t gain[FFT_BINS]; /* smoothed gain, Q15 */
	int32_t leak_q16; /* residual echo / echo estimate, Q16 */
	int32_t eh[FFT_BINS], yh[FFT_BINS]; /* running mean powers >> PS */
	int64_t pey, pyy; /* smoothed covariance and variance */
	/* ERLE estimate over far-end activity */
	int64_t pmic, pout;
	int32_t erle_q8;
};

void aec_config_default(struct aec_config *cfg);
/* 0, or -EINVAL when a setting is out of range (tail, step, floor). */
int aec_init(struct aec *a, const struct aec_config *cfg);
/* One PARLEY_FRAME frame: mic in, ref = what was played (aligned), out. */
void aec_process(struct aec *a, const int16_t *mic, const int16_t *ref,
		 int16_t *out);
/* Echo return loss enhancement, smoothed over far-end activity, dB Q8. */
int32_t aec_erle_q8(const struct aec *a);

#endif
