/* SPDX-License-Identifier: MIT */
/*
 * Multi-channel microphones: one channel picked, or all mixed to mono.
 */
#ifndef PARLEY_DSP_MIX_H
#define PARLEY_DSP_MIX_H

#include <stdint.h>

/*
 * in holds frames interleaved frames of channels samples.  channel is the
 * one to keep, or -1 for the mean of all (rounded half away from zero).
 * out receives frames mono samples; it may alias in.
 */
void mix_to_mono(const int16_t *in, int frames, int channels, int channel,
		 int16_t *out);

#endif
