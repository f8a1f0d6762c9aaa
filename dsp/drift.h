/* SPDX-License-Identifier: MIT */
/*
 * Clock drift between the capture and the playback card.  Each period the
 * engine measures the playback delay (frames queued in the device); the
 * estimator low-passes it and a PI controller turns its distance from the
 * level seen after start-up into a rate correction, spent as single samples
 * inserted or dropped at quiet points of the played signal.
 */
#ifndef PARLEY_DSP_DRIFT_H
#define PARLEY_DSP_DRIFT_H

#include <stdint.h>

struct drift {
	int32_t period; /* playback frames per period */
	uint32_t warmup; /* periods before the target is taken */
	uint32_t n; /* periods seen */
	int64_t filt; /* low-passed delay, Q16 frames */
	int64_t target; /* Q16 frames */
	int64_t integ; /* integral term, Q24 frames per period */
	int64_t corr; /* correction, Q24 frames per period */
	int64_t limit; /* largest |corr| and |integ|, Q24 */
	int64_t acc; /* correction owed, Q24 frames */
	int64_t inserted, dropped; /* frames in all */
};

/* period frames per period; warmup periods before correcting. */
void drift_init(struct drift *d, int period, unsigned warmup);
/* Starts again (after an xrun or a reopen). */
void drift_reset(struct drift *d);
/*
 * One period's measured playback delay in frames.  Returns +1 if one frame
 * is to be inserted this period, -1 if one is to be dropped, else 0.
 */
int drift_update(struct drift *d, int32_t delay);
/* The estimated clock offset (the integral term), in ppm of the playback
 * rate; > 0 when the playback card runs fast. */
int32_t drift_ppm(const struct drift *d);
/*
 * Writes n + k samples to out (k = -1, 0 or +1): in with one sample dropped
 * or one inserted where the signal changes least.  out holds n + 1.
 */
int drift_stretch(const int16_t *in, int n, int k, int16_t *out);

#endif
