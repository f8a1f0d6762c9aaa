/* SPDX-License-Identifier: MIT */
/*
 * Speech-to-text: one interface, a backend per protocol, chosen once by
 * name (stt.backend) at start-up and at reload, never at the point of use.
 *
 *   backend     file            protocol
 *   openai      stt_openai.c    POST /v1/audio/transcriptions, multipart WAV
 *   whispercpp  stt_openai.c    POST /inference, the same form without model
 *   wyoming     stt_wyoming.c   transcribe + audio events while the user
 *                               speaks, then the transcript
 *
 * The turn calls stt_begin and stt_audio while the user speaks (a backend
 * that takes the utterance whole ignores them), then stt_finish with the
 * whole utterance; the answer comes back through stt_events.on_done.
 */
#ifndef PARLEY_APP_STT_H
#define PARLEY_APP_STT_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "llm.h"
#include "probe.h"
#include "wav.h"
#include "wyoming.h"

struct stt;

struct stt_events {
	/* text is the trimmed transcript when e is PEER_OK, else why. */
	void (*on_done)(void *ctx, enum peer_error e, const char *text);
};

struct stt_ops {
	/** @name: the stt.backend value */
	const char *name;
	/** @scheme: what stt.url must start with ("http://" takes https) */
	const char *scheme;
	/**
	 * @begin: optional: speech began; pcm/n is the audio so far (from
	 * the pre-roll), sent while the user goes on speaking.  NULL: the
	 * backend takes the utterance whole in @finish.  0 or -errno.
	 */
	int (*begin)(struct stt *s, const int16_t *pcm, size_t n);
	/** @audio: with @begin: the next frames as they are heard */
	void (*audio)(struct stt *s, const int16_t *pcm, size_t n);
	/**
	 * @finish: the utterance is complete, pcm/n all of it; the
	 * transcript or the error follows through on_done.  0 or -errno
	 * when it cannot even start (on_done then does not run).
	 */
	int (*finish)(struct stt *s, const int16_t *pcm, size_t n);
	/** @abort: drops whatever is going on; no event follows */
	void (*abort)(struct stt *s);
	/** @probe: checks the peer with its own protocol (probe.h) */
	int (*probe)(struct probe *pr);
	/** @describe: one line for status, e.g. "wyoming tcp://host:10300" */
	void (*describe)(const struct parley_config *cfg, char *buf,
			 size_t len);
};

/* The HTTP backends' state (stt_openai.c). */
struct stt_http {
	struct http_xfer x;
	uint8_t wav[WAV_HEADER + PARLEY_UTT_MAX_SAMPLES * 2];
	size_t wav_len, wav_pos;
	char body[PARLEY_HTTP_BODY_MAX + 1];
	size_t body_len;
	int overflow;
	char url[CONFIG_STR_MAX];
};

/* The Wyoming backend's state (stt_wyoming.c). */
struct stt_wy {
	struct wyoming w;
	int open; /* streaming has begun */
	int stopped; /* audio-stop sent: waiting for the transcript */
	int failed;
	int answered; /* on_done ran before audio-stop went out */
	enum peer_error err;
	char why[256];
	size_t samples_sent;
	/* a streamed transcript: transcript-chunk texts, joined */
	char chunks[PARLEY_TRANSCRIPT_MAX];
	size_t chunks_len;
};

struct stt {
	const struct stt_ops *ops;
	const struct parley_config *cfg;
	const struct stt_events *ev;
	void *ctx;
	int streaming; /* begin went out for this utterance */
	char text[PARLEY_TRANSCRIPT_MAX];
	struct stt_http http;
	struct stt_wy wy;
};

extern const struct stt_ops stt_openai, stt_whispercpp, stt_wyoming;
/* NULL-terminated, for -V and the configuration. */
extern const struct stt_ops *const stt_backends[];
const struct stt_ops *stt_find(const char *name);

/* Sets s up with the backend cfg->stt_backend names. */
void stt_init(struct stt *s, const struct parley_config *cfg);
/* Who gets the transcripts. */
void stt_listen(struct stt *s, const struct stt_events *ev, void *ctx);
/* Chooses the backend again (reload, set); what is running is dropped. */
void stt_select(struct stt *s);
/* Speech began: pcm/n so far.  Does nothing for a batch backend. */
void stt_begin(struct stt *s, const int16_t *pcm, size_t n);
void stt_audio(struct stt *s, const int16_t *pcm, size_t n);
/* The utterance is complete.  0, or -errno if it cannot start. */
int stt_finish(struct stt *s, const int16_t *pcm, size_t n);
void stt_abort(struct stt *s);
/* Ends the request: passes the answer to the listener, once. */
void stt_done(struct stt *s, enum peer_error e, const char *text);
/* Trims text into s->text; returns its length. */
size_t stt_set_text(struct stt *s, const char *text);
/*
 * A transcript that means nobody spoke: it matches an entry of list
 * ('|'-separated; case, spacing and punctuation ignored, sound
 * annotations around it too), or it is annotations alone ("[Music]
 * (applause)").  Returns 1 and says why in why, else 0.
 */
int stt_no_speech(const char *list, const char *text, char *why,
		  size_t whylen);
/* Parses an HTTP backend's reply body (exposed for tests); fills s->text. */
enum peer_error stt_parse_reply(struct stt *s, long status, char *why,
				size_t whylen);

#endif
