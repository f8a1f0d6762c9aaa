// SPDX-License-Identifier: MIT
/*
 * Remote TTS.  The WAV reply is read as it streams: the header is walked
 * chunk by chunk (up to "data"; PCM, 16-bit, mono, any rate), then the
 * samples go to the synth worker's remote ring.  When the ring is full the
 * transfer is paused and resumed shortly, so memory stays fixed however
 * long the sentence.  Wyoming's audio-chunk events are fed the same way,
 * with reading paused while the ring is full.
 */
#include "tts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"

static void next(struct tts *t);

static void kick(void *ctx)
{
	struct tts *t = ctx;

	t->kick_timer = 0;
	next(t);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

int tts_wav_header(const uint8_t *buf, size_t len, unsigned *rate,
		   size_t *data_at, char *why, size_t whylen)
{
	size_t pos = 12;
	int have_fmt = 0;

	if (len < 12)
		return 1;
	if (memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		snprintf(why, whylen, "the reply is not a WAV file");
		return -1;
	}
	while (pos + 8 <= len) {
		uint32_t size = le32(buf + pos + 4);

		if (!memcmp(buf + pos, "data", 4)) {
			if (!have_fmt) {
				snprintf(why, whylen, "WAV data before its format");
				return -1;
			}
			*data_at = pos + 8;
			return 0;
		}
		if (!memcmp(buf + pos, "fmt ", 4)) {
			if (size < 16 || size > 64) {
				snprintf(why, whylen, "WAV format chunk of %u bytes", size);
				return -1;
			}
			if (pos + 8 + size > len)
				return 1;
			unsigned fmt = le16(buf + pos + 8), ch = le16(buf + pos + 10);
			unsigned bits = le16(buf + pos + 22);

			*rate = le32(buf + pos + 12);
			if (fmt != 1 || ch != 1 || bits != 16 || *rate < 8000 ||
			    *rate > 96000) {
				snprintf(why, whylen,
					 "WAV is format %u, %u channels, %u bits at %u Hz; want 16-bit mono PCM at 8-96 kHz",
					 fmt, ch, bits, *rate);
				return -1;
			}
			have_fmt = 1;
		}
		if (size > TTS_WAV_HEADER_MAX) {
			snprintf(why, whylen, "WAV chunk of %u bytes before the data", size);
			return -1;
		}
		pos += 8 + size + (size & 1);
	}
	if (len >= TTS_WAV_HEADER_MAX) {
		snprintf(why, whylen, "WAV header longer than %d bytes",
			 TTS_WAV_HEADER_MAX);
		return -1;
	}
	return 1;
}

void tts_init(struct tts *t, struct synth *s, const struct parley_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->synth = s;
	t->cfg = cfg;
	t->w.fd = -1;
}

/* The current sentence is over: ok, or failed with why. */
static void end_current(struct tts *t, int failed, const char *why)
{
	if (!t->current)
		return;
	if (failed) {
		t->failures++;
		LOGW("tts", "%s%s", why,
		     t->started ? "" : "; saying it with the local voice");
	}
	synth_remote_end(t->synth, t->current, failed);
	t->current = 0;
	loop_cancel(t->pause_timer);
	t->pause_timer = 0;
	loop_cancel(t->timer);
	t->timer = 0;
	/* the next sentence starts from the loop, not from inside the
	 * handler of the connection or transfer that just ended */
	if (!t->kick_timer)
		t->kick_timer = loop_timeout(0, kick, t);
}

/* Samples for the worker; -EAGAIN when it has no room yet. */
static int feed(struct tts *t, const uint8_t *data, size_t len)
{
	int16_t pcm[8192];
	size_t n = 0, i = 0;

	if (len + (size_t)t->odd > sizeof(pcm))
		return -EMSGSIZE;
	if (ring_space(&t->synth->remote) < (len + (size_t)t->odd) / 2)
		return -EAGAIN;
	if (t->odd && len) {
		pcm[n++] = (int16_t)(t->carry | data[0] << 8);
		i = 1;
		t->odd = 0;
	}
	for (; i + 1 < len; i += 2)
		pcm[n++] = (int16_t)(data[i] | data[i + 1] << 8);
	if (i < len) {
		t->carry = data[i];
		t->odd = 1;
	}
	return synth_remote_push(t->synth, pcm, (uint32_t)n);
}

/* ---- OpenAI-compatible /v1/audio/speech ---- */

static void resume(void *ctx)
{
	struct tts *t = ctx;

	t->pause_timer = 0;
	if (t->x.easy)
		curl_easy_pause(t->x.easy, CURLPAUSE_CONT);
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct tts *t = ctx;
	long status = 0;
	unsigned rate;
	size_t at;
	int r;

	curl_easy_getinfo(t->x.easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		size_t room = sizeof(t->error) - 1 - strlen(t->error);

		strncat(t->error, data, len < room ? len : room);
		return 0;
	}
	if (!t->in_data) {
		size_t take = len < sizeof(t->hdr) - t->hdr_len ?
				      len :
				      sizeof(t->hdr) - t->hdr_len;

		memcpy(t->hdr + t->hdr_len, data, take);
		t->hdr_len += take;
		r = tts_wav_header(t->hdr, t->hdr_len, &rate, &at, t->error,
				   sizeof(t->error));
		if (r < 0)
			return 1; /* abort: the error says why */
		if (r > 0)
			return take == len ? 0 : 1;
		t->in_data = 1;
		t->started = 1;
		synth_remote_start(t->synth, t->current, rate);
		/* the header bytes after "data" are samples */
		size_t before = t->hdr_len - take; /* header bytes from earlier */

		data += at - before;
		len -= at - before;
		t->error[0] = '\0';
	}
	r = feed(t, (const uint8_t *)data, len);
	if (r == -EAGAIN) {
		/* the worker is behind: pause, and look again soon */
		if (!t->pause_timer)
			t->pause_timer = loop_timeout(5, resume, t);
		return CURL_WRITEFUNC_PAUSE;
	}
	return r ? 1 : 0;
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct tts *t = ctx;
	char why[600];

	if (code == CURLE_OK && status == 200 && t->in_data) {
		end_current(t, 0, NULL);
		return;
	}
	if (code == CURLE_WRITE_ERROR && t->error[0])
		snprintf(why, sizeof(why), "%s: %s", t->url, t->error);
	else if (code != CURLE_OK)
		snprintf(why, sizeof(why), "%s: %s", t->url, err);
	else if (status != 200)
		snprintf(why, sizeof(why), "%s: HTTP %ld: %.200s", t->url,
			 status, t->error);
	else
		snprintf(why, sizeof(why), "%s: the reply ended inside the WAV header",
			 t->url);
	end_current(t, 1, why);
}

static const struct http_handlers handlers = { on_data, on_done };

static int start_http(struct tts *t, const char *text)
{
	struct http_opts o = { .connect_timeout_ms = t->cfg->connect_timeout_ms,
			       .timeout_ms = t->cfg->tts_timeout_ms,
			       .content_type = "application/json" };
	cJSON *root;

	json_arena_reset();
	root = cJSON_CreateObject();
	if (!root)
		return -ENOMEM;
	cJSON_AddStringToObject(root, "model", t->cfg->tts_model);
	cJSON_AddStringToObject(root, "input", text);
	cJSON_AddStringToObject(root, "voice", t->cfg->tts_remote_voice);
	cJSON_AddStringToObject(root, "response_format", "wav");
	if (!cJSON_PrintPreallocated(root, t->req, sizeof(t->req), 0))
		return -EMSGSIZE;
	json_arena_reset();
	snprintf(t->url, sizeof(t->url), "%s", t->cfg->tts_url);
	t->hdr_len = 0;
	t->in_data = 0;
	t->odd = 0;
	t->error[0] = '\0';
	return http_start(&t->x, t->url, t->req, strlen(t->req), NULL, &o,
			  &handlers, t);
}

/* ---- Wyoming synthesize ---- */

static int wy_event(struct wyoming *w, const struct wy_event *ev, void *ctx)
{
	struct tts *t = ctx;
	char why[300];

	(void)w;
	if (!strcmp(ev->type, "audio-start")) {
		cJSON *rate = cJSON_GetObjectItemCaseSensitive(ev->data, "rate");
		cJSON *width = cJSON_GetObjectItemCaseSensitive(ev->data, "width");
		cJSON *ch = cJSON_GetObjectItemCaseSensitive(ev->data, "channels");

		if (!cJSON_IsNumber(rate) || !cJSON_IsNumber(width) ||
		    !cJSON_IsNumber(ch) || width->valueint != 2 ||
		    ch->valueint != 1 || rate->valueint < 8000 ||
		    rate->valueint > 96000) {
			wyoming_close(&t->w);
			end_current(t, 1, "wyoming: audio is not 16-bit mono at 8-96 kHz");
			return 0;
		}
		t->started = 1;
		t->odd = 0;
		synth_remote_start(t->synth, t->current, (unsigned)rate->valueint);
	} else if (!strcmp(ev->type, "audio-chunk")) {
		if (!t->started)
			return 0;
		if (feed(t, ev->payload, ev->payload_len) == -EAGAIN)
			return 1; /* offer it again when there is room */
	} else if (!strcmp(ev->type, "audio-stop")) {
		wyoming_close(&t->w);
		end_current(t, 0, NULL);
	} else if (!strcmp(ev->type, "error")) {
		cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");

		snprintf(why, sizeof(why), "wyoming: the server says: %.200s",
			 cJSON_IsString(text) ? text->valuestring : "?");
		wyoming_close(&t->w);
		end_current(t, 1, why);
	}
	return 0;
}

static void wy_close(struct wyoming *w, int err, const char *why, void *ctx)
{
	struct tts *t = ctx;
	char msg[300];

	(void)w;
	snprintf(msg, sizeof(msg), "wyoming: %s", err ? why :
						   "closed before audio-stop");
	end_current(t, 1, msg);
}

static void wy_timeout(void *ctx)
{
	struct tts *t = ctx;

	t->timer = 0;
	wyoming_close(&t->w);
	end_current(t, 1, "wyoming: no audio in time");
}

static int start_wyoming(struct tts *t, const char *text)
{
	char why[200];
	cJSON *root, *voice;
	int r;

	json_arena_reset();
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "text", text);
	voice = cJSON_AddObjectToObject(root, "voice");
	if (!voice)
		return -ENOMEM;
	if (t->cfg->tts_remote_voice[0])
		cJSON_AddStringToObject(voice, "name", t->cfg->tts_remote_voice);
	if (!cJSON_PrintPreallocated(root, t->req, sizeof(t->req), 0))
		return -EMSGSIZE;
	json_arena_reset();
	r = wyoming_connect(&t->w, t->cfg->tts_url, t->cfg->connect_timeout_ms,
			    wy_event, wy_close, t, why, sizeof(why));
	if (r) {
		snprintf(t->error, sizeof(t->error), "wyoming: %s", why);
		return r;
	}
	t->timer = loop_timeout((uint64_t)t->cfg->tts_timeout_ms, wy_timeout, t);
	return wyoming_send(&t->w, "synthesize", t->req, NULL, 0);
}

static void next(struct tts *t)
{
	while (!t->current && t->tail != t->head) {
		unsigned i = t->tail++ % PARLEY_SYNTH_QUEUE;
		int r;

		t->current = t->queue[i].id;
		t->started = 0;
		t->error[0] = '\0';
		if (!strcmp(t->cfg->tts_backend, "wyoming"))
			r = start_wyoming(t, t->queue[i].text);
		else
			r = start_http(t, t->queue[i].text);
		if (r) {
			char why[300];

			snprintf(why, sizeof(why), "%s: %s",
				 t->error[0] ? t->error : "cannot start",
				 strerror(-r));
			end_current(t, 1, why); /* next() runs again soon */
			return;
		}
	}
}

uint32_t tts_say(struct tts *t, const char *text)
{
	uint32_t id;

	if (t->head - t->tail >= PARLEY_SYNTH_QUEUE)
		return 0;
	id = synth_remote(t->synth, text);
	if (!id)
		return 0;
	t->queue[t->head % PARLEY_SYNTH_QUEUE].id = id;
	snprintf(t->queue[t->head % PARLEY_SYNTH_QUEUE].text,
		 sizeof(t->queue[0].text), "%s", text);
	t->head++;
	/* not now: this may run inside another transfer's callback, where
	 * curl takes no new transfers */
	if (!t->current && !t->kick_timer)
		t->kick_timer = loop_timeout(0, kick, t);
	return id;
}

void tts_abort(struct tts *t)
{
	http_abort(&t->x);
	wyoming_close(&t->w);
	loop_cancel(t->pause_timer);
	loop_cancel(t->timer);
	loop_cancel(t->kick_timer);
	t->pause_timer = t->timer = t->kick_timer = 0;
	t->current = 0;
	t->tail = t->head;
}
