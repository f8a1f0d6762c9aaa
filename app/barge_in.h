/* SPDX-License-Identifier: MIT */
/*
 * Voice barge-in, as a detector: speech over an answer, with the echo
 * canceller taking the answer itself out of the microphone, interrupts it
 * as a press would.  It needs need frames of speech over the answer's
 * residue, counted as a score (double talk comes and goes with the
 * answer's own syllables, so a frame of doubt costs one, not all), so a
 * cough or a residue of the answer's onset does not stop it.
 *
 * Pure: frames in, a decision out; the turn (turn.c) decides when it
 * listens and what a detection does.
 */
#ifndef PARLEY_APP_BARGE_IN_H
#define PARLEY_APP_BARGE_IN_H

#include <stdint.h>

#define BARGE_IN_ERLE_Q8 (12 * 256) /* the canceller is working: 12 dB */
#define BARGE_IN_MARGIN_Q8 (10 * 256) /* output this far above the residue */

struct barge_in {
	int run; /* score of speech over the answer, in frames */
	uint64_t over_bits; /* frames over the residue, newest in bit 0 */
	uint64_t first; /* frame where that speech began */
	int32_t erle_hold; /* the canceller's recent best ERLE, dB Q8 */
};

/* One processed frame, as the detector sees it. */
struct barge_in_frame {
	uint64_t index; /* frames seen, this one included */
	int32_t erle_q8; /* the canceller's ERLE estimate now */
	int32_t level_q8; /* the chain's output level (dBFS Q8) */
	int32_t mic_in_q8; /* the microphone before the chain (dBFS Q8) */
	int speech; /* the VAD's decision */
	int onset; /* the VAD confirmed a voice on this frame ... */
	int onset_back; /* ... that began this many frames before */
};

/* Forgets everything (the answer ended, or listening stopped). */
void barge_in_reset(struct barge_in *b);
/*
 * Feeds one frame heard while an answer plays.  Returns 1 when need
 * frames of speech have stood over the answer's residue; b->first is
 * then the frame where that speech began.
 */
int barge_in_feed(struct barge_in *b, const struct barge_in_frame *f,
		  int need);

#endif
