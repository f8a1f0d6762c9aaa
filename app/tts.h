/* SPDX-License-Identifier: MIT */
/*
 * Remote text-to-speech: the OpenAI-compatible POST /v1/audio/speech (a WAV
 * back, its rate read from the header) or Wyoming's synthesize (audio
 * chunks played as they arrive).  Sentences are fetched one at a time, in
 * order, while earlier ones play; the audio streams into the synth worker,
 * which resamples it to the device rate.  If a server fails before any
 * audio, the worker says that sentence with espeak-ng instead.
 */
#ifndef PARLEY_APP_TTS_H
#define PARLEY_APP_TTS_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "synth.h"
#include "wyoming.h"

#define TTS_WAV_HEADER_MAX 4096

struct tts {
	struct synth *synth;
	const struct parley_config *cfg;
	struct {
		uint32_t id;
		char text[PARLEY_SENTENCE_MAX];
	} queue[PARLEY_SYNTH_QUEUE];
	unsigned head, tail; /* queue: control thread only */
	uint32_t current; /* job being fetched, 0 if none */
	int started; /* its audio has begun */
	/* HTTP */
	struct http_xfer x;
	char url[CONFIG_STR_MAX];
	char req[PARLEY_SENTENCE_MAX * 2 + 512];
	uint8_t hdr[TTS_WAV_HEADER_MAX];
	size_t hdr_len;
	int in_data; /* past the WAV header */
	int odd; /* a byte of a sample carried over */
	uint8_t carry;
	int pause_timer;
	int kick_timer; /* starts the next sentence from the loop */
	char error[256];
	/* Wyoming */
	struct wyoming w;
	int timer;
	unsigned failures; /* sentences that fell back to espeak */
};

void tts_init(struct tts *t, struct synth *s, const struct parley_config *cfg);
/* Queues a sentence; returns its synth job id, or 0 if the queue is full. */
uint32_t tts_say(struct tts *t, const char *text);
/* Drops everything (barge-in). */
void tts_abort(struct tts *t);
/* Parses a WAV header; 0 and rate filled, 1 if more bytes are needed, or
 * -1 with why (exposed for tests). */
int tts_wav_header(const uint8_t *buf, size_t len, unsigned *rate,
		   size_t *data_at, char *why, size_t whylen);

#endif
