// SPDX-License-Identifier: MIT
/*
 * Channel pick or mix to mono.  Samples are Q15.  The mix is the mean of
 * the channels: a 32-bit sum (8 channels of 16 bits cannot overflow it)
 * divided by the channel count, rounded half away from zero, so it never
 * clips.  Writing out[i] only after in[i * channels ...] has been read lets
 * out alias in.
 */
#include "mix.h"

void mix_to_mono(const int16_t *in, int frames, int channels, int channel,
		 int16_t *out)
{
	if (channels <= 1) {
		for (int i = 0; i < frames; i++)
			out[i] = in[i];
		return;
	}
	if (channel >= 0) {
		for (int i = 0; i < frames; i++)
			out[i] = in[i * channels + channel];
		return;
	}
	for (int i = 0; i < frames; i++) {
		int32_t s = 0;

		for (int c = 0; c < channels; c++)
			s += in[i * channels + c];
		s = s >= 0 ? (s + channels / 2) / channels :
			     -((-s + channels / 2) / channels);
		out[i] = (int16_t)s;
	}
}
