// SPDX-License-Identifier: MIT
/*
 * Remote TTS over the OpenAI-compatible POST /v1/audio/speech.  The WAV
 * reply is read as it streams: the header is walked chunk by chunk (up to
 * "data"; PCM, 16-bit, mono, any rate), then the samples go to the synth
 * worker's remote ring.  When the ring is full the transfer is paused and
 * resumed shortly.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "tts.h"

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
		/* the bytes of this piece after the header are samples */
		t->hdr_skip = at - (t->hdr_len - take);
		t->error[0] = '\0';
	}
	/* a piece that ended the header and was paused comes again whole:
	 * its header bytes are skipped each time, until it is taken */
	data += t->hdr_skip;
	len -= t->hdr_skip;
	r = tts_feed(t, (const uint8_t *)data, len);
	if (r == -EAGAIN) {
		/* the worker is behind: pause, and look again soon */
		if (!t->pause_timer)
			t->pause_timer = loop_timeout(5, resume, t);
		return CURL_WRITEFUNC_PAUSE;
	}
	t->hdr_skip = 0;
	return r ? 1 : 0;
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct tts *t = ctx;
	char why[600];

	if (code == CURLE_OK && status == 200 && t->in_data) {
		tts_end_current(t, 0, NULL);
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
	tts_end_current(t, 1, why);
}

static const struct http_handlers handlers = { .on_data = on_data,
						.on_done = on_done };

/* The voice: the setting, or OpenAI's own first voice ("voice" is
 * required by /v1/audio/speech). */
static const char *voice(const struct parley_config *cfg)
{
	return cfg->tts_remote_voice[0] ? cfg->tts_remote_voice : "alloy";
}

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
	cJSON_AddStringToObject(root, "voice", voice(t->cfg));
	cJSON_AddStringToObject(root, "response_format", "wav");
	if (!cJSON_PrintPreallocated(root, t->req, sizeof(t->req), 0))
		return -EMSGSIZE;
	json_arena_reset();
	snprintf(t->url, sizeof(t->url), "%s", t->cfg->tts_url);
	t->hdr_len = 0;
	t->hdr_skip = 0;
	t->in_data = 0;
	t->odd = 0;
	t->error[0] = '\0';
	return http_start(&t->x, t->url, t->req, strlen(t->req), NULL, &o,
			  &handlers, t);
}


static void abort_http(struct tts *t)
{
	http_abort(&t->x);
}

/* OpenAI-compatible servers list their models at /v1/models. */
static void models_reply(struct probe *pr, int code, long status,
			 const char *err)
{
	probe_openai_models(pr, code, status, err, NULL);
}

static int probe_http(struct probe *pr)
{
	char url[CONFIG_STR_MAX + 32];

	probe_url(pr->cfg->tts_url, "/v1/", "/v1/models", url, sizeof(url));
	return probe_get(pr, url, PROBE_TIMEOUT_MS, models_reply);
}

static void describe_http(const struct parley_config *cfg, char *buf,
			  size_t len)
{
	snprintf(buf, len, "openai %s model %s voice %s", cfg->tts_url,
		 cfg->tts_model, voice(cfg));
}

const struct tts_ops tts_openai = {
	.name = "openai",
	.scheme = "http://",
	.start = start_http,
	.abort = abort_http,
	.probe = probe_http,
	.describe = describe_http,
};
