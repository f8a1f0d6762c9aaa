/* SPDX-License-Identifier: MIT */
/*
 * Voice activity detector, first version: frame energy against an adaptive
 * noise floor, with an onset count and a hangover.
 */
#ifndef PARLEY_DSP_VAD_H
#define PARLEY_DSP_VAD_H

#include <stdint.h>

struct vad_config {
	int threshold_db; /* speech when level > floor + this (dB) */
	int min_level_dbfs; /* never speech below this absolute level */
	int onset_frames; /* raw speech frames in a row to start speech */
	int hangover_frames; /* frames speech is held after the last raw frame */
};

struct vad_result {
	int32_t level_q8; /* frame level, dBFS Q8 */
	int32_t floor_q8; /* noise floor, dBFS Q8 */
	uint8_t raw; /* this frame alone is above the threshold */
	uint8_t speech; /* smoothed decision: onset and hangover applied */
	uint8_t onset; /* speech began in this frame */
};

struct vad {
	struct vad_config cfg;
	int32_t floor_q16; /* noise floor, dBFS Q16 */
	int frames; /* frames seen, saturating */
	int run; /* raw frames in a row */
	int hang; /* hangover frames left */
	uint8_t speech;
};

/* Defaults tuned on the pocketsphinx test recordings. */
void vad_config_default(struct vad_config *cfg);
void vad_init(struct vad *v, const struct vad_config *cfg);
/* Classifies one frame of n samples (n is normally PARLEY_FRAME). */
void vad_process(struct vad *v, const int16_t *pcm, int n,
		 struct vad_result *out);

#endif
