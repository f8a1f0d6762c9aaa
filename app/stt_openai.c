// SPDX-License-Identifier: MIT
/*
 * Transcription over HTTP: the OpenAI-compatible /v1/audio/transcriptions
 * (stt_openai) and whisper.cpp's /inference (stt_whispercpp), which take
 * the same multipart form (the latter without a model part) and answer
 * {"text": ...}.  The WAV is built in a static buffer and streamed to curl
 * through curl_mime_data_cb, so nothing copies it; the reply body is kept
 * up to PARLEY_HTTP_BODY_MAX bytes, and a longer one is an error.  Errors
 * use the OpenAI error object {"error": {"message": ...}}; whisper.cpp's
 * server sends {"error": "..."} only with a 500, and its error handler
 * turns every other status of 400 and up into plain text: "Invalid
 * request" for a 400, a 404 "File Not Found (PATH)" for the rest
 * (examples/server/server.cpp, set_error_handler); the raw body is then
 * the message.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "lang.h"
#include "log.h"
#include "stt.h"

static size_t read_wav(char *buf, size_t size, size_t n, void *arg)
{
	struct stt_http *s = arg;
	size_t left = s->wav_len - s->wav_pos, want = size * n;

	if (want > left)
		want = left;
	memcpy(buf, s->wav + s->wav_pos, want);
	s->wav_pos += want;
	return want;
}

static int seek_wav(void *arg, curl_off_t off, int origin)
{
	struct stt_http *s = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > s->wav_len)
		return CURL_SEEKFUNC_FAIL;
	s->wav_pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct stt_http *s = &((struct stt *)ctx)->http;

	if (s->body_len + len > PARLEY_HTTP_BODY_MAX) {
		s->overflow = 1;
		return 1;
	}
	memcpy(s->body + s->body_len, data, len);
	s->body_len += len;
	s->body[s->body_len] = '\0';
	return 0;
}

enum peer_error stt_parse_reply(struct stt *s, long status, char *why,
				size_t whylen)
{
	cJSON *j, *t, *e;

	json_arena_reset();
	j = cJSON_ParseWithLength(s->http.body, s->http.body_len);
	if (status != 200) {
		e = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (cJSON_IsObject(e))
			e = cJSON_GetObjectItemCaseSensitive(e, "message");
		snprintf(why, whylen, "HTTP %ld: %.200s", status,
			 cJSON_IsString(e) ? e->valuestring : s->http.body);
		return PEER_HTTP;
	}
	if (!cJSON_IsObject(j)) {
		snprintf(why, whylen, "reply is not a JSON object");
		return PEER_PROTOCOL;
	}
	t = cJSON_GetObjectItemCaseSensitive(j, "text");
	if (!cJSON_IsString(t)) {
		snprintf(why, whylen, "reply has no \"text\"");
		return PEER_PROTOCOL;
	}
	if (strlen(t->valuestring) >= sizeof(s->text)) {
		snprintf(why, whylen, "transcript longer than %d bytes",
			 PARLEY_TRANSCRIPT_MAX - 1);
		return PEER_PROTOCOL;
	}
	if (!stt_set_text(s, t->valuestring)) {
		snprintf(why, whylen, "empty transcript");
		return PEER_EMPTY;
	}
	return PEER_OK;
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct stt *s = ctx;
	char why[320];
	enum peer_error e;

	if (s->http.overflow) {
		snprintf(why, sizeof(why), "reply longer than %d bytes",
			 PARLEY_HTTP_BODY_MAX);
		e = PEER_PROTOCOL;
	} else if (code == CURLE_COULDNT_CONNECT ||
		   code == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(why, sizeof(why), "%s: %s", s->http.url, err);
		e = PEER_UNREACHABLE;
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof(why), "%s: %s", s->http.url, err);
		e = PEER_TIMEOUT;
	} else if (code != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s", s->http.url, err);
		e = PEER_PROTOCOL;
	} else {
		e = stt_parse_reply(s, status, why, sizeof(why));
	}
	stt_done(s, e, e == PEER_OK ? s->text : why);
}

static const struct http_handlers handlers = { .on_data = on_data,
						.on_done = on_done };

/* Sends the utterance; whisper.cpp's /inference has no model part. */
static int transcribe(struct stt *s, const int16_t *pcm, size_t n,
		      int model_part)
{
	const struct parley_config *cfg = s->cfg;
	struct stt_http *h = &s->http;
	struct http_opts opts = {
		.connect_timeout_ms = cfg->connect_timeout_ms,
		.timeout_ms = cfg->stt_timeout_ms,
	};
	curl_mime *mime;
	curl_mimepart *part;
	size_t bytes;

	http_abort(&h->x);
	if (n > PARLEY_UTT_MAX_SAMPLES)
		return -EMSGSIZE;
	bytes = n * 2;
	wav_header(h->wav, PARLEY_RATE, 1, (uint32_t)bytes);
	for (size_t i = 0; i < n; i++) { /* little-endian on every host */
		h->wav[WAV_HEADER + 2 * i] = (uint8_t)pcm[i];
		h->wav[WAV_HEADER + 2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	h->wav_len = WAV_HEADER + bytes;
	h->wav_pos = 0;
	h->body_len = 0;
	h->body[0] = '\0';
	h->overflow = 0;
	s->text[0] = '\0';
	snprintf(h->url, sizeof(h->url), "%s", cfg->stt_url);

	mime = http_mime(&h->x);
	if (!mime)
		return -ENOMEM;
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "file");
	curl_mime_filename(part, "utterance.wav");
	curl_mime_type(part, "audio/wav");
	curl_mime_data_cb(part, (curl_off_t)h->wav_len, read_wav, seek_wav,
			  NULL, h);
	if (model_part) {
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "model");
		curl_mime_data(part, cfg->stt_model, CURL_ZERO_TERMINATED);
	}
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "response_format");
	curl_mime_data(part, "json", CURL_ZERO_TERMINATED);
	if (lang_stt_hint(cfg)[0]) {
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "language");
		curl_mime_data(part, lang_stt_hint(cfg), CURL_ZERO_TERMINATED);
	}
	return http_start(&h->x, h->url, NULL, 0, mime, &opts, &handlers, s);
}

static int finish_openai(struct stt *s, const int16_t *pcm, size_t n)
{
	return transcribe(s, pcm, n, 1);
}

static int finish_whispercpp(struct stt *s, const int16_t *pcm, size_t n)
{
	return transcribe(s, pcm, n, 0);
}

static void abort_http(struct stt *s)
{
	http_abort(&s->http.x);
}

/* ---- probes ---- */

/* OpenAI-compatible servers list their models at /v1/models (speaches,
 * LocalAI, vLLM): any JSON list there says the API is up. */
static void models_reply(struct probe *pr, int code, long status,
			 const char *err)
{
	probe_openai_models(pr, code, status, err, NULL);
}

static int probe_openai(struct probe *pr)
{
	char url[CONFIG_STR_MAX + 32];

	probe_url(pr->cfg->stt_url, "/v1/", "/v1/models", url, sizeof(url));
	return probe_get(pr, url, PROBE_TIMEOUT_MS, models_reply);
}

/* whisper.cpp's server answers GET /health with {"status":"ok"}, or 503
 * while the model loads (examples/server/server.cpp). */
static void health_reply(struct probe *pr, int code, long status,
			 const char *err)
{
	if (code)
		probe_finish(pr, 0, "%s: unreachable (%s) after %u ms", pr->url,
			     err, probe_rtt_ms(pr));
	else if (status == 404 && strstr(pr->body, "File Not Found"))
		/* its /health says 503 while a model loads, but the error
		 * handler makes that a 404 (see the top of this file) */
		probe_finish(pr, 0, "%s: HTTP 404 in %u ms; a whisper.cpp server answers so while it loads a model, or the path is wrong",
			     pr->url, probe_rtt_ms(pr));
	else
		probe_finish(pr, status == 200, "%s: HTTP %ld in %u ms%s",
			     pr->url, status, probe_rtt_ms(pr),
			     status == 200 ? "; whisper.cpp server ready" : "");
}

static int probe_whispercpp(struct probe *pr)
{
	char url[CONFIG_STR_MAX + 32];

	/* beside /inference: the server's --request-path prefixes both */
	probe_url(pr->cfg->stt_url, "/inference", "/health", url, sizeof(url));
	return probe_get(pr, url, PROBE_TIMEOUT_MS, health_reply);
}

static void describe_openai(const struct parley_config *cfg, char *buf,
			    size_t len)
{
	snprintf(buf, len, "openai %s model %s", cfg->stt_url, cfg->stt_model);
}

static void describe_whispercpp(const struct parley_config *cfg, char *buf,
				size_t len)
{
	snprintf(buf, len, "whispercpp %s", cfg->stt_url);
}

const struct stt_ops stt_openai = {
	.name = "openai",
	.scheme = "http://",
	.finish = finish_openai,
	.abort = abort_http,
	.probe = probe_openai,
	.describe = describe_openai,
};

const struct stt_ops stt_whispercpp = {
	.name = "whispercpp",
	.scheme = "http://",
	.finish = finish_whispercpp,
	.abort = abort_http,
	.probe = probe_whispercpp,
	.describe = describe_whispercpp,
};
