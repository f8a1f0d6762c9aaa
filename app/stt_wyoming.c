// SPDX-License-Identifier: MIT
/*
 * Wyoming STT client.  Audio goes out in 20 ms audio-chunk events as the
 * frames arrive, so the server can work while the user is still talking.
 * The server answers audio-stop with a transcript and closes
 * (wyoming-faster-whisper, dispatch_handler.py).  A server that runs its
 * own VAD (requires_external_vad false, wyoming/info.py) may answer before
 * audio-stop: the transcript is taken then, streaming stops, and on_done
 * runs at once, while the turn is still listening.  A streamed transcript
 * (wyoming/asr.py: transcript-start, transcript-chunk {text}*, the plain
 * transcript for older clients, transcript-stop) is joined from its
 * chunks, unless the plain transcript comes first: that one wins.  An
 * error event, a close before the transcript, or a broken frame is a
 * failure that names what happened.
 */
#include <cjson/cJSON.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "lang.h"
#include "log.h"
#include "stt.h"

#define CHUNK_SAMPLES 320 /* 20 ms */
#define AUDIO_FMT "{\"rate\": 16000, \"width\": 2, \"channels\": 1}"

static void done(struct stt *st, enum peer_error e, const char *what)
{
	struct stt_wy *s = &st->wy;

	wyoming_close(&s->w);
	s->open = 0;
	s->stopped = 0;
	stt_done(st, e, what);
}

static void fail_now(struct stt *st, enum peer_error e, const char *why)
{
	struct stt_wy *s = &st->wy;

	if (!s->failed) {
		s->failed = 1;
		s->err = e;
		snprintf(s->why, sizeof(s->why), "%s", why);
	}
	if (s->stopped)
		done(st, s->err, s->why);
	else
		wyoming_close(&s->w);
}

/* The transcript is in: the utterance is answered, audio-stop or not. */
static void answer(struct stt *st, const char *text)
{
	struct stt_wy *s = &st->wy;
	size_t n = stt_set_text(st, text);

	if (!s->stopped) {
		LOGI("stt", "wyoming: the server ended the utterance itself, after %zu samples",
		     s->samples_sent);
		s->answered = 1;
	}
	done(st, n ? PEER_OK : PEER_EMPTY, n ? st->text : "empty transcript");
}

/* A transcript-chunk's text, joined on; what does not fit is dropped, so
 * a runaway stream costs no memory (the final transcript, if it comes,
 * still wins). */
static void add_chunk(struct stt_wy *s, const char *text)
{
	size_t room = sizeof(s->chunks) - 1 - s->chunks_len;
	size_t n = strlen(text);

	if (n > room) {
		if (room) /* once, as it fills */
			LOGW("stt", "wyoming: streamed transcript longer than %zu bytes: cut",
			     sizeof(s->chunks) - 1);
		n = room;
	}
	memcpy(s->chunks + s->chunks_len, text, n);
	s->chunks_len += n;
	s->chunks[s->chunks_len] = '\0';
}

static int on_event(struct wyoming *w, const struct wy_event *ev, void *ctx)
{
	struct stt *st = ctx;
	struct stt_wy *s = &st->wy;
	cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	char why[300], said[280];

	(void)w;
	if (!strcmp(ev->type, "error")) {
		wy_error_text(ev, said, sizeof(said));
		snprintf(why, sizeof(why), "the server says: %s", said);
		fail_now(st, PEER_REMOTE, why);
	} else if (!strcmp(ev->type, "transcript")) {
		if (cJSON_IsString(text))
			answer(st, text->valuestring);
		else
			fail_now(st, PEER_PROTOCOL, "transcript without text");
	} else if (!strcmp(ev->type, "transcript-start")) {
		s->chunks_len = 0;
		s->chunks[0] = '\0';
	} else if (!strcmp(ev->type, "transcript-chunk")) {
		if (cJSON_IsString(text))
			add_chunk(s, text->valuestring);
	} else if (!strcmp(ev->type, "transcript-stop")) {
		answer(st, s->chunks);
	}
	return 0; /* anything else is not ours */
}

static void on_close(struct wyoming *w, int err, const char *why, void *ctx)
{
	struct stt *st = ctx;
	char msg[300];

	(void)w;
	snprintf(msg, sizeof(msg), "%s", err ? why : "closed before the transcript");
	fail_now(st, err == -ECONNREFUSED || err == -EHOSTUNREACH ||
				    err == -ETIMEDOUT ?
			    PEER_UNREACHABLE :
			    PEER_PROTOCOL,
		 msg);
}

static void send_audio(struct stt *st, const int16_t *pcm, size_t n)
{
	struct stt_wy *s = &st->wy;
	uint8_t le[CHUNK_SAMPLES * 2];

	while (n && !s->failed) {
		size_t k = n > CHUNK_SAMPLES ? CHUNK_SAMPLES : n;

		for (size_t i = 0; i < k; i++) {
			le[2 * i] = (uint8_t)pcm[i];
			le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
		}
		if (wyoming_send(&s->w, "audio-chunk", AUDIO_FMT, le, k * 2)) {
			fail_now(st, PEER_TIMEOUT,
				 "the server does not take the audio fast enough");
			return;
		}
		s->samples_sent += k;
		pcm += k;
		n -= k;
	}
}

static void wy_abort(struct stt *st)
{
	struct stt_wy *s = &st->wy;

	s->open = 0;
	s->stopped = 0;
	s->answered = 0;
	s->chunks_len = 0;
	s->chunks[0] = '\0';
	if (s->w.fd >= 0)
		wyoming_close(&s->w);
}

static int wy_begin(struct stt *st, const int16_t *pcm, size_t n)
{
	const struct parley_config *cfg = st->cfg;
	struct stt_wy *s = &st->wy;
	char data[128];
	int r;

	wy_abort(st);
	s->failed = 0;
	s->samples_sent = 0;
	st->text[0] = '\0';
	r = wyoming_connect(&s->w, cfg->stt_url, cfg->connect_timeout_ms,
			    on_event, on_close, st, s->why, sizeof(s->why));
	if (r) {
		s->failed = 1;
		s->err = PEER_UNREACHABLE;
		LOGW("stt", "wyoming: %s", s->why);
		return r;
	}
	s->open = 1;
	if (lang_stt_hint(cfg)[0])
		snprintf(data, sizeof(data), "{\"language\": \"%.16s\"}",
			 lang_stt_hint(cfg));
	else
		snprintf(data, sizeof(data), "{}");
	wyoming_send(&s->w, "transcribe", data, NULL, 0);
	wyoming_send(&s->w, "audio-start", AUDIO_FMT, NULL, 0);
	send_audio(st, pcm, n);
	return 0;
}

static void wy_audio(struct stt *st, const int16_t *pcm, size_t n)
{
	struct stt_wy *s = &st->wy;

	if (s->open && !s->failed && !s->stopped)
		send_audio(st, pcm, n);
}

/* The audio went out as it was heard: only the stop is left to send (if
 * nothing was streamed yet, the whole utterance goes now). */
static int wy_finish(struct stt *st, const int16_t *pcm, size_t n)
{
	struct stt_wy *s = &st->wy;

	/* the server answered before the end of speech, and on_done ran;
	 * the turn has moved on, so this is a caller's slip */
	if (s->answered)
		return -EALREADY;
	if (!s->open && !s->failed)
		wy_begin(st, pcm, n);
	s->stopped = 1;
	if (s->failed || !s->open) {
		done(st, s->failed ? s->err : PEER_PROTOCOL,
		     s->failed ? s->why : "no audio was streamed");
		return 0;
	}
	if (wyoming_send(&s->w, "audio-stop", "{}", NULL, 0))
		fail_now(st, PEER_TIMEOUT, "cannot send audio-stop");
	else
		LOGD("stt", "wyoming: %zu samples streamed", s->samples_sent);
	return 0;
}

/* describe -> info: the peer speaks Wyoming, and says what it runs. */
static void info_reply(struct probe *pr, int code, long status,
		       const char *err)
{
	cJSON *prog = probe_info_program(pr, code, err, "asr",
					 "speech-to-text (asr)");
	cJSON *name = cJSON_GetObjectItemCaseSensitive(prog, "name");

	(void)status;
	if (prog)
		probe_finish(pr, 1, "%s: Wyoming info in %u ms; asr %s",
			     pr->url, probe_rtt_ms(pr),
			     cJSON_IsString(name) ? name->valuestring :
						    "(unnamed)");
}

static int wy_probe(struct probe *pr)
{
	return probe_wyoming(pr, pr->cfg->stt_url, PROBE_TIMEOUT_MS,
			     info_reply);
}

static void wy_describe(const struct parley_config *cfg, char *buf,
			size_t len)
{
	snprintf(buf, len, "wyoming %s", cfg->stt_url);
}

const struct stt_ops stt_wyoming = {
	.name = "wyoming",
	.scheme = "tcp://",
	.begin = wy_begin,
	.audio = wy_audio,
	.finish = wy_finish,
	.abort = wy_abort,
	.probe = wy_probe,
	.describe = wy_describe,
};
