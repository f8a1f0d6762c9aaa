/* SPDX-License-Identifier: MIT */
/*
 * Fixed-point acoustic echo canceller with residual echo suppression.
 *
 * Linear stage: a partitioned-block frequency-domain NLMS filter (the
 * multidelay block frequency-domain filter, Soo & Pang 1990; partitioned
 * overlap-save as in Borrallo & Otero 1992) on the 256-point fixed-point FFT
 * of dsp/fft.h: 128-sample blocks, one partition per block, the gradient
 * constraint applied to two partitions a block in turn.  The step of each
 * bin is normalised by the reference power the filter holds, and scaled by
 * the estimated share of residual echo in that bin's error (Valin 2007, "On
 * adjusting the learning rate in frequency domain echo cancellation with
 * double-talk"): 0.7 x the bin's own leak |Y|^2 / |E|^2 (capped at 0.5)
 * plus 0.3 x the same ratio over the whole block, so bins the far end has
 * seldom excited still learn.  Near-end speech raises |E| and so slows
 * adaptation.  The leak (residual echo power over echo estimate power)
 * follows the measured ratio down at once and up only slowly, unless the
 * error grows louder than the microphone, which near-end speech cannot
 * cause but a change of the echo path does; then it rises within a few
 * blocks.  A filter whose error stays far above the microphone is
 * restarted.
 *
 * Residual stage: a decision-directed Wiener gain per bin (Ephraim & Malah
 * 1984) on the ratio of the error's power to the residual echo estimate,
 * the larger of k leak' |Y|^2 (k = 16 while only echo is heard, 2 when the
 * error says the near end talks: the error's power is over 8 x leak' times
 * the estimate's, or was so in the last 320 ms).  leak' is the regression
 * of the error's power spectrum on the estimate's across one block's bins
 * (their covariance over the estimate's variance, as speexdsp estimates
 * its leak), followed over ~8 blocks, each block weighted by the
 * estimate's share of the error plus estimate: residual echo has the
 * estimate's spectral shape and near-end speech does not, so the talker
 * hardly lifts leak' and stays heard as talking for as long as it talks.
 * An estimate from the powers' plain ratio rose with the talker within
 * ~16 blocks and then suppressed it: up to 8 dB of the near-end voice lost
 * with the echo 6 dB louder (tools/aec_bench.py --dt).
 * And 8 x the error's coherence with the far end x |E|^2, held per bin
 * with a decay of 2.5 dB a block (so the ringing out of a loud syllable
 * stays covered, like speexdsp's decaying echo estimate), with a floor, on
 * sqrt-Hann windowed blocks with 50 % overlap-add.
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
#define AEC_PARTS_MAX \
	(PARLEY_AEC_TAIL_MAX_MS * (PARLEY_RATE / 1000) / AEC_BLOCK)
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
	int32_t w[AEC_PARTS_MAX][2 * FFT_BINS]; /* weights, Q24 */
	int adapted; /* active blocks so far (full step while few) */
	int diverged; /* blocks in a row with the error far above the mic */
	int64_t se, sd; /* smoothed block energies of error and microphone */
	int peak; /* partition with the most weight energy */
	int64_t sxe[FFT_BINS][2], sxx[FFT_BINS], see[FFT_BINS]; /* smoothed */
	int16_t coh[FFT_BINS]; /* error / far end coherence, Q15 */
	/* residual suppressor */
	int32_t eprev[AEC_BLOCK]; /* previous error block */
	int32_t yprev[AEC_BLOCK]; /* previous echo estimate block */
	int32_t ola[AEC_BLOCK]; /* overlap-add tail */
	int16_t gain[FFT_BINS]; /* last gain, Q15 */
	int32_t post[FFT_BINS]; /* last signal-to-residual-echo ratio, Q12 */
	int64_t rhold[FFT_BINS]; /* residual echo estimate, held */
	int32_t leak_q16; /* residual echo / echo estimate, Q16, for the step */
	/* the leak from the spectra's covariance, for the suppressor and
	 * the double-talk decision: near-end speech hardly lifts it */
	int32_t corr_leak_q16;
	int32_t floor_q15; /* lowest gain */
	int talk_hold; /* blocks the near end still counts as talking (0: not) */
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
