// SPDX-License-Identifier: MIT
/*
 * Wyoming STT client.  Audio goes out in 20 ms audio-chunk events as the
 * frames arrive, so the server can work while the user is still talking.
 * The server answers audio-stop with a transcript and closes.  An error
 * event, a close before the transcript, or a broken frame is a failure
 * that names what happened.
 */
#include "stt_wyoming.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define CHUNK_SAMPLES 320 /* 20 ms */
#define AUDIO_FMT "{\"rate\": 16000, \"width\": 2, \"channels\": 1}"

static void done(struct stt_wy *s, enum peer_error e, const char *what)
{
	const struct stt_events *ev = s->ev;

	s->ev = NULL;
	wyoming_close(&s->w);
	s->open = 0;
	if (ev)
		ev->on_done(s->ctx, e, what);
}

static void fail_now(struct stt_wy *s, enum peer_error e, const char *why)
{
	if (!s->failed) {
		s->failed = 1;
		s->err = e;
		snprintf(s->why, sizeof(s->why), "%s", why);
	}
	if (s->stopped)
		done(s, s->err, s->why);
	else
		wyoming_close(&s->w);
}

static int on_event(struct wyoming *w, const struct wy_event *ev, void *ctx)
{
	struct stt_wy *s = ctx;
	cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	char why[300];
	const char *p;
	size_t n;

	(void)w;
	if (!strcmp(ev->type, "error")) {
		snprintf(why, sizeof(why), "the server says: %.200s",
			 cJSON_IsString(text) ? text->valuestring : "?");
		fail_now(s, PEER_REMOTE, why);
		return 0;
	}
	if (strcmp(ev->type, "transcript"))
		return 0; /* transcript-start/-chunk and others: the final one counts */
	if (!cJSON_IsString(text)) {
		fail_now(s, PEER_PROTOCOL, "transcript without text");
		return 0;
	}
	for (p = text->valuestring; isspace((unsigned char)*p); p++)
		;
	snprintf(s->text, sizeof(s->text), "%s", p);
	n = strlen(s->text);
	while (n && isspace((unsigned char)s->text[n - 1]))
		s->text[--n] = '\0';
	if (s->stopped)
		done(s, n ? PEER_OK : PEER_EMPTY, n ? s->text : "empty transcript");
	return 0;
}

static void on_close(struct wyoming *w, int err, const char *why, void *ctx)
{
	struct stt_wy *s = ctx;
	char msg[300];

	(void)w;
	snprintf(msg, sizeof(msg), "%s", err ? why : "closed before the transcript");
	fail_now(s, err == -ECONNREFUSED || err == -EHOSTUNREACH ||
				    err == -ETIMEDOUT ?
			    PEER_UNREACHABLE :
			    PEER_PROTOCOL,
		 msg);
}

static void send_audio(struct stt_wy *s, const int16_t *pcm, size_t n)
{
	uint8_t le[CHUNK_SAMPLES * 2];

	while (n && !s->failed) {
		size_t k = n > CHUNK_SAMPLES ? CHUNK_SAMPLES : n;

		for (size_t i = 0; i < k; i++) {
			le[2 * i] = (uint8_t)pcm[i];
			le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
		}
		if (wyoming_send(&s->w, "audio-chunk", AUDIO_FMT, le, k * 2)) {
			fail_now(s, PEER_TIMEOUT,
				 "the server does not take the audio fast enough");
			return;
		}
		s->samples_sent += k;
		pcm += k;
		n -= k;
	}
}

int stt_wy_begin(struct stt_wy *s, const struct parley_config *cfg,
		 const int16_t *pcm, size_t n)
{
	char data[128];
	int r;

	stt_wy_abort(s);
	s->failed = 0;
	s->stopped = 0;
	s->samples_sent = 0;
	s->text[0] = '\0';
	s->ev = NULL;
	r = wyoming_connect(&s->w, cfg->stt_url, cfg->connect_timeout_ms,
			    on_event, on_close, s, s->why, sizeof(s->why));
	if (r) {
		s->failed = 1;
		s->err = PEER_UNREACHABLE;
		return r;
	}
	s->open = 1;
	if (cfg->stt_language[0])
		snprintf(data, sizeof(data), "{\"language\": \"%.16s\"}",
			 cfg->stt_language);
	else
		snprintf(data, sizeof(data), "{}");
	wyoming_send(&s->w, "transcribe", data, NULL, 0);
	wyoming_send(&s->w, "audio-start", AUDIO_FMT, NULL, 0);
	send_audio(s, pcm, n);
	return 0;
}

void stt_wy_audio(struct stt_wy *s, const int16_t *pcm, size_t n)
{
	if (s->open && !s->failed && !s->stopped)
		send_audio(s, pcm, n);
}

void stt_wy_finish(struct stt_wy *s, const struct stt_events *ev, void *ctx)
{
	s->ev = ev;
	s->ctx = ctx;
	s->stopped = 1;
	if (s->failed || !s->open) {
		done(s, s->failed ? s->err : PEER_PROTOCOL,
		     s->failed ? s->why : "no audio was streamed");
		return;
	}
	if (wyoming_send(&s->w, "audio-stop", "{}", NULL, 0))
		fail_now(s, PEER_TIMEOUT, "cannot send audio-stop");
	else
		LOGD("stt", "wyoming: %zu samples streamed", s->samples_sent);
}

void stt_wy_abort(struct stt_wy *s)
{
	s->ev = NULL;
	s->open = 0;
	if (s->w.fd >= 0)
		wyoming_close(&s->w);
}

void stt_wy_init(struct stt_wy *s)
{
	s->w.fd = -1;
	s->open = 0;
}
