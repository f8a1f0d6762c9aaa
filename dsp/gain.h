/* SPDX-License-Identifier: MIT */
/*
 * Software volume: a Q15 gain that cannot clip.  The gain is at most 1.0
 * (32768 in Q15, held in 32 bits), so |out| <= |in| for every sample.
 * Volume in percent follows a perceptual (logarithmic) curve: 100 % is
 * 0 dB, each percent below is 0.5 dB quieter (1 % = -49.5 dB), 0 % is mute.
 */
#ifndef PARLEY_DSP_GAIN_H
#define PARLEY_DSP_GAIN_H

#include <stdint.h>

#define GAIN_UNITY 32768 /* 1.0 in Q15 */

/* Q15 gain for a volume of percent (clamped to 0..100). */
int32_t gain_from_percent(int percent);
/* pcm[i] = round(pcm[i] * g), g a Q15 gain in 0..GAIN_UNITY. */
void gain_apply(int16_t *pcm, int n, int32_t g);
/*
 * As gain_apply, the gain moving linearly from g0 (first sample) towards g1
 * (reached after the last sample), so a volume change makes no step.
 */
void gain_apply_ramp(int16_t *pcm, int n, int32_t g0, int32_t g1);

#endif
