/* SPDX-License-Identifier: MIT */
/*
 * Endpointing: decides when an utterance is over from per-frame VAD results,
 * and where its speech starts and ends.
 */
#ifndef PARLEY_DSP_ENDPOINT_H
#define PARLEY_DSP_ENDPOINT_H

#include <stdint.h>

#include "vad.h"

enum endpoint_event {
	EP_CONTINUE = 0,
	EP_END_SILENCE, /* speech, then silence_frames of silence */
	EP_END_MAX, /* max_frames reached */
	EP_END_NO_SPEECH, /* no speech within no_speech_frames */
};

struct endpoint_config {
	int silence_frames; /* silence after speech that ends the utterance */
	int max_frames; /* longest utterance */
	int no_speech_frames; /* give up if speech has not started by then */
	int preroll_frames; /* kept before the first speech frame */
	int tail_frames; /* kept after the last speech frame */
};

struct endpoint {
	struct endpoint_config cfg;
	int32_t n; /* frames seen since endpoint_start */
	int started; /* speech has begun */
	int32_t first; /* first frame of speech; may be < 0 (pre-roll) */
	int32_t last; /* last raw speech frame, or -1 */
};

void endpoint_start(struct endpoint *ep, const struct endpoint_config *cfg);
/* Feeds one frame's VAD result; returns what, if anything, has ended. */
enum endpoint_event endpoint_feed(struct endpoint *ep,
				  const struct vad_result *r);
/*
 * The span to send, in frames since endpoint_start: [*begin, *end).  The
 * begin may be negative (pre-roll from before the start).  Returns 0, or
 * -1 if no speech was seen.
 */
int endpoint_span(const struct endpoint *ep, int32_t *begin, int32_t *end);

#endif
