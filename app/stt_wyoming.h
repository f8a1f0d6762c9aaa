/* SPDX-License-Identifier: MIT */
/*
 * Speech-to-text over Wyoming (wyoming-faster-whisper and the like): one
 * TCP connection per utterance; transcribe, audio-start, audio-chunk while
 * the user is still speaking, audio-stop, then the transcript.
 */
#ifndef PARLEY_APP_STT_WYOMING_H
#define PARLEY_APP_STT_WYOMING_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "stt.h"
#include "wyoming.h"

struct stt_wy {
	struct wyoming w;
	int open; /* streaming has begun */
	int stopped; /* audio-stop sent: waiting for the transcript */
	int failed;
	enum peer_error err;
	char why[256];
	size_t samples_sent;
	char text[PARLEY_TRANSCRIPT_MAX];
	const struct stt_events *ev;
	void *ctx;
};

void stt_wy_init(struct stt_wy *s);
/* Connects and starts the stream with the audio so far. */
int stt_wy_begin(struct stt_wy *s, const struct parley_config *cfg,
		 const int16_t *pcm, size_t n);
/* More audio, as it is heard. */
void stt_wy_audio(struct stt_wy *s, const int16_t *pcm, size_t n);
/* Ends the audio; ev->on_done follows with the transcript or the error. */
void stt_wy_finish(struct stt_wy *s, const struct stt_events *ev, void *ctx);
void stt_wy_abort(struct stt_wy *s);

#endif
