/* SPDX-License-Identifier: MIT */
/*
 * What an answer said: each sentence as it was queued for speech, and,
 * once its audio was made, how many samples it took.  From the count of
 * samples the device has played, spoken_played() gives the answer as far
 * as the user heard it: whole sentences, then the words of the one cut
 * short, in proportion to its samples played, marked SPOKEN_CUT.  The store
 * keeps that, not what was sent.
 */
#ifndef PARLEY_APP_SPOKEN_H
#define PARLEY_APP_SPOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/sizes.h"

/* Sentences tracked one by one; past this the oldest are merged. */
#define SPOKEN_PARTS 256
/* Ends a sentence that was cut while it played. */
#define SPOKEN_CUT "\u2026"

struct spoken {
	struct {
		uint32_t id; /* synth job */
		uint16_t off, len; /* in said */
		uint32_t samples; /* 0 until the job is done */
	} parts[SPOKEN_PARTS];
	int nparts;
	char said[PARLEY_ANSWER_MAX];
	size_t said_len;
	uint64_t play_base; /* the engine's played samples at the start */
};

/* A new answer starts; play_base is the engine's played samples now. */
void spoken_reset(struct spoken *s, uint64_t play_base);
/* Sentence s/len went to speech as synth job id. */
void spoken_add(struct spoken *s, uint32_t id, const char *text, size_t len);
/* Job id's audio is complete: samples long. */
void spoken_done(struct spoken *s, uint32_t id, uint32_t samples);
/*
 * The answer as far as it was played, given the engine's played samples
 * now; a sentence whose length is not known yet is estimated from the
 * others, or at 65 ms a byte at rate.
 */
void spoken_played(const struct spoken *s, uint64_t played_now,
		   unsigned rate, char *out, size_t len);

#endif
