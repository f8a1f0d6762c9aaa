/* SPDX-License-Identifier: MIT */
/*
 * Voice activity detector, version 2: per-band energy against an adaptive
 * noise spectrum, gated by voicing (normalised autocorrelation pitch
 * strength), with an onset count and a hangover.  See vad.c.
 */
#ifndef PARLEY_DSP_VAD_H
#define PARLEY_DSP_VAD_H

#include <stdint.h>

#include "sizes.h"

#define VAD_BANDS 6 /* 125-250-500-1000-2000-4000-8000 Hz */
#define VAD_FFT 256 /* analysis window, samples (16 ms) */
#define VAD_DEC 4 /* decimation for the pitch search: 4 kHz */
#define VAD_DEC_HIST 160 /* decimated history, samples (40 ms) */
#define VAD_LAG_MAX 64 /* longest pitch period searched, 4 kHz samples */
#define VAD_WINS 4 /* windows of the floors' lower bound */
/* longest lead-in an onset is dated back, frames */
#define VAD_LOOKBACK_MAX (PARLEY_LOOKBACK_MAX_MS / PARLEY_FRAME_MS)

struct vad_config {
	int threshold_db; /* band SNR over the noise spectrum for activity (dB) */
	int min_level_dbfs; /* never speech below this absolute level */
	int onset_frames; /* raw speech frames in a row to start speech */
	int hangover_frames; /* frames speech is held after the last raw frame */
	int voicing_q15; /* pitch strength of a voiced frame, Q15 */
	int voiced_frames; /* voiced pitch searches in a row (one every other
			    * frame) that confirm a voice */
	int revoice_frames; /* voiced searches in a row that keep a voice going */
	int voice_hold_frames; /* active frames stay raw this long after a voice */
	int release_db; /* band SNR that keeps speech going once started (dB) */
	int release_peak_db; /* and at most this under the speech's loudest
			      * band SNR so far (dB; 0: off) */
	int rise_noise_mdb; /* floors rise this fast outside speech, mdB/frame */
	int rise_speech_mdb; /* and this fast inside speech, mdB/frame */
	int pitch_memory_shift; /* background periodicity learnt at 2^-this */
	int floor_gap_db; /* floors stay within this of the 2 s minimum (0: off) */
	int lead_db; /* band SNR of a frame in the lead-in to an onset (dB) */
	int lookback_frames; /* longest lead-in counted, 0..VAD_LOOKBACK_MAX */
};

struct vad_result {
	int32_t level_q8; /* frame level, dBFS Q8 */
	int32_t floor_q8; /* noise floor, dBFS Q8 */
	int32_t snr_q8; /* weighted mean band SNR over the noise spectrum, dB Q8 */
	int32_t voicing_q15; /* pitch strength 0..32767 */
	int32_t lag; /* pitch period at 4 kHz, in samples (0: none found) */
	uint8_t raw; /* this frame alone looks like speech */
	uint8_t speech; /* smoothed decision: onset and hangover applied */
	uint8_t onset; /* speech was confirmed in this frame */
	int32_t onset_back; /* at an onset: speech began this many frames
			     * earlier (the raw run and its lead-in) */
};

struct vad {
	struct vad_config cfg;
	int32_t floor_q16; /* full-band noise floor, dBFS Q16 */
	int32_t band_floor_q16[VAD_BANDS]; /* band noise floors, dB Q16 */
	int16_t prev[VAD_FFT - 160]; /* tail of the previous frame */
	int16_t hann[VAD_FFT / 2 + 1]; /* Hann window's first half, Q15 */
	int32_t band[VAD_BANDS]; /* band levels of the last analysis, log2 Q8 */
	int32_t voice; /* pitch strength of the last search, Q15 */
	int vlag; /* its pitch lag, decimated samples */
	int phase; /* 0: this frame's analysis is the spectrum; 1: the pitch */
	int16_t dec[VAD_DEC_HIST]; /* decimated history, oldest first */
	int32_t pitch_bg[VAD_LAG_MAX + 1]; /* background correlation per lag, Q15 */
	int32_t win_min[VAD_BANDS][VAD_WINS + 1]; /* band minima, dB Q8; last: current */
	int win_n; /* frames into the current window */
	int frames; /* frames seen, saturating */
	int run; /* raw frames in a row */
	int lead; /* frames in a row above lead_db, this one included */
	int hang; /* hangover frames left */
	int vrun; /* voiced pitch searches in a row */
	int vhold; /* frames left in which active frames are raw */
	int lag; /* pitch lag of the last frame, decimated samples */
	int32_t peak_snr; /* loudest band SNR of this speech, dB Q8 */
	uint8_t speech;
};

/* Defaults tuned on real speech and noise (tests/data/README.md). */
void vad_config_default(struct vad_config *cfg);
void vad_init(struct vad *v, const struct vad_config *cfg);
/* The most frames an onset can date its speech back (onset_back) with cfg. */
int vad_onset_back_max(const struct vad_config *cfg);
/* Classifies one frame of n samples; n must be PARLEY_FRAME (160). */
void vad_process(struct vad *v, const int16_t *pcm, int n,
		 struct vad_result *out);

#endif
