/* SPDX-License-Identifier: MIT */
/*
 * Text-to-speech for answers: one interface, a backend per protocol,
 * chosen once by name (tts.backend) at start-up and at reload.
 *
 *   backend  file            what
 *   espeak   tts.c           local espeak-ng in the synth worker
 *   openai   tts_openai.c    POST /v1/audio/speech, a WAV back (its rate
 *                            read from the header)
 *   wyoming  tts_wyoming.c   synthesize; audio chunks played as they come
 *
 * Remote sentences are fetched one at a time, in order, while earlier ones
 * play; the audio streams into the synth worker, which resamples it to the
 * device rate.  If a server fails before any audio, the worker says that
 * sentence with espeak-ng instead; whoever set tts_on_fallback is told of
 * every failed sentence, with the server's own words.  Local notices and errors never come
 * here: they go to the synth worker directly, and work with no host.
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

struct tts;
struct probe;

/*
 * A remote sentence failed (tts_on_fallback).  id is its synth job id (as
 * tts_say returned it); local is 1 when the worker says it with the local
 * voice instead (no audio had come), 0 when its audio stops where the
 * server failed; why names the backend and what went wrong, with the
 * server's error text and code when it sent them.  Runs on the control
 * loop, inside the backend's handler: record it, do not call into tts.
 */
typedef void (*tts_fallback_fn)(void *ctx, uint32_t id, int local,
				const char *why);

struct tts_ops {
	/** @name: the tts.backend value */
	const char *name;
	/** @scheme: what tts.url must start with ("http://" takes https);
	 * NULL: the backend has no URL */
	const char *scheme;
	/**
	 * @start: optional: starts fetching the audio of the current
	 * sentence (t->current); 0 or -errno with t->error filled.  NULL:
	 * the backend is the local voice, and sentences go straight to the
	 * synth worker.
	 */
	int (*start)(struct tts *t, const char *text);
	/** @abort: optional: drops the fetch in flight */
	void (*abort)(struct tts *t);
	/** @probe: checks the peer with its own protocol (probe.h) */
	int (*probe)(struct probe *pr);
	/** @describe: one line for status */
	void (*describe)(const struct parley_config *cfg, char *buf,
			 size_t len);
};

extern const struct tts_ops tts_espeak, tts_openai, tts_wyoming;
/* NULL-terminated, for -V and the configuration. */
extern const struct tts_ops *const tts_backends[];
const struct tts_ops *tts_find(const char *name);

struct tts {
	const struct tts_ops *ops;
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
	size_t hdr_skip; /* header bytes at the start of the piece in hand */
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
	tts_fallback_fn on_fallback;
	void *fallback_ctx;
};

void tts_init(struct tts *t, struct synth *s, const struct parley_config *cfg);
/* Who is told of failed remote sentences (NULL: nobody); kept across
 * tts_select. */
void tts_on_fallback(struct tts *t, tts_fallback_fn fn, void *ctx);
/* Chooses the backend again (reload, set); what is queued is dropped. */
void tts_select(struct tts *t);
/* Queues an answer's sentence; returns its synth job id, or 0 if the
 * queue is full. */
uint32_t tts_say(struct tts *t, const char *text);
/* Drops everything (barge-in). */
void tts_abort(struct tts *t);
/* For backends: samples for the worker, any number of bytes, all or
 * nothing (-EAGAIN when it has no room for all of them yet; -EMSGSIZE if
 * they could never fit), and the end of the current sentence (failed:
 * why). */
int tts_feed(struct tts *t, const uint8_t *data, size_t len);
void tts_end_current(struct tts *t, int failed, const char *why);
/* Parses a WAV header; 0 and rate filled, 1 if more bytes are needed, or
 * -1 with why (exposed for tests). */
int tts_wav_header(const uint8_t *buf, size_t len, unsigned *rate,
		   size_t *data_at, char *why, size_t whylen);

#endif
