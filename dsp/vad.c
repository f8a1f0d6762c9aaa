// SPDX-License-Identifier: MIT
/*
 * Energy VAD with an adaptive noise floor.
 *
 * The floor follows the frame level the way a minimum tracker does: it drops
 * quickly to any quieter frame (a quarter of the gap a frame) and rises
 * slowly, 3 dB/s while the frame is not speech and 0.2 dB/s while it is, so
 * steady noise is learned within seconds but a sentence cannot lift the
 * floor over itself.  The first 10 frames seed the floor with their minimum.
 *
 * A frame is raw speech when its level is threshold_db over the floor and
 * above min_level_dbfs.  onset_frames raw frames in a row start speech;
 * speech then lasts until hangover_frames pass with no raw frame.
 *
 * Signals: level and floor in dBFS, Q8 at the interface and Q16 inside.
 */
#include "vad.h"

#include "level.h"

#define SEED_FRAMES 10
#define RISE_NOISE_Q16 1966 /* 0.03 dB a frame = 3 dB/s */
#define RISE_SPEECH_Q16 131 /* 0.002 dB a frame = 0.2 dB/s */

void vad_config_default(struct vad_config *cfg)
{
	cfg->threshold_db = 9;
	cfg->min_level_dbfs = -55;
	cfg->onset_frames = 3;
	cfg->hangover_frames = 20;
}

void vad_init(struct vad *v, const struct vad_config *cfg)
{
	v->cfg = *cfg;
	v->floor_q16 = 0;
	v->frames = 0;
	v->run = 0;
	v->hang = 0;
	v->speech = 0;
}

static void track_floor(struct vad *v, int32_t level_q16)
{
	int32_t gap = level_q16 - v->floor_q16;

	if (v->frames < SEED_FRAMES) {
		if (v->frames == 0 || gap < 0)
			v->floor_q16 = level_q16;
		v->frames++;
		return;
	}
	if (gap < 0) {
		v->floor_q16 += gap / 4;
	} else {
		int32_t rise = v->speech ? RISE_SPEECH_Q16 : RISE_NOISE_Q16;

		v->floor_q16 += gap < rise ? gap : rise;
	}
}

void vad_process(struct vad *v, const int16_t *pcm, int n,
		 struct vad_result *out)
{
	int32_t level = level_dbfs_q8(pcm, n);
	int32_t thr;
	int raw;

	track_floor(v, level * 256);
	thr = v->floor_q16 / 256 + v->cfg.threshold_db * 256;
	raw = level > thr && level > v->cfg.min_level_dbfs * 256;

	out->onset = 0;
	v->run = raw ? v->run + 1 : 0;
	if (raw && v->speech) {
		v->hang = v->cfg.hangover_frames;
	} else if (raw && v->run >= v->cfg.onset_frames) {
		v->speech = 1;
		v->hang = v->cfg.hangover_frames;
		out->onset = 1;
	} else if (v->speech && !raw) {
		if (v->hang == 0)
			v->speech = 0;
		else
			v->hang--;
	}
	out->level_q8 = level;
	out->floor_q8 = v->floor_q16 / 256;
	out->raw = (uint8_t)raw;
	out->speech = v->speech;
}
