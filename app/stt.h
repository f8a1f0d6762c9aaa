/* SPDX-License-Identifier: MIT */
/*
 * Speech-to-text over the OpenAI-compatible POST /v1/audio/transcriptions:
 * the utterance goes up as a 16 kHz mono 16-bit WAV in a multipart form,
 * and {"text": "..."} comes back.
 */
#ifndef PARLEY_APP_STT_H
#define PARLEY_APP_STT_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "llm.h"
#include "wav.h"

struct stt_events {
	/* text is the trimmed transcript when e is PEER_OK. */
	void (*on_done)(void *ctx, enum peer_error e, const char *text);
};

struct stt {
	struct http_xfer x;
	uint8_t wav[WAV_HEADER + PARLEY_UTT_MAX_SAMPLES * 2];
	size_t wav_len, wav_pos;
	char body[PARLEY_HTTP_BODY_MAX + 1];
	size_t body_len;
	int overflow;
	char url[CONFIG_STR_MAX];
	char text[PARLEY_TRANSCRIPT_MAX];
	const struct stt_events *ev;
	void *ctx;
};

/* Sends n samples at 16 kHz.  0, or -errno if it cannot start. */
int stt_transcribe(struct stt *s, const struct parley_config *cfg,
		   const int16_t *pcm, size_t n, const struct stt_events *ev,
		   void *ctx);
void stt_abort(struct stt *s);
/* Parses a reply body (exposed for tests); fills s->text. */
enum peer_error stt_parse_reply(struct stt *s, long status, char *why,
				size_t whylen);

#endif
