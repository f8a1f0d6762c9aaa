// SPDX-License-Identifier: MIT
/*
 * Transcription client for the OpenAI-compatible /v1/audio/transcriptions
 * and whisper.cpp's /inference, which take the same multipart form (the
 * latter without a model part) and answer {"text": ...}.  The WAV is built in a static
 * buffer and streamed to curl through curl_mime_data_cb, so nothing copies
 * it; the reply body is kept up to PARLEY_HTTP_BODY_MAX bytes, and a longer
 * one is an error.  Errors use the OpenAI error object
 * {"error": {"message": ...}}; whisper.cpp's server sends {"error": "..."}.
 */
#include "stt.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "log.h"

static size_t read_wav(char *buf, size_t size, size_t n, void *arg)
{
	struct stt *s = arg;
	size_t left = s->wav_len - s->wav_pos, want = size * n;

	if (want > left)
		want = left;
	memcpy(buf, s->wav + s->wav_pos, want);
	s->wav_pos += want;
	return want;
}

static int seek_wav(void *arg, curl_off_t off, int origin)
{
	struct stt *s = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > s->wav_len)
		return CURL_SEEKFUNC_FAIL;
	s->wav_pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct stt *s = ctx;

	if (s->body_len + len > PARLEY_HTTP_BODY_MAX) {
		s->overflow = 1;
		return 1;
	}
	memcpy(s->body + s->body_len, data, len);
	s->body_len += len;
	s->body[s->body_len] = '\0';
	return 0;
}

static void trim_into(char *out, size_t outlen, const char *in)
{
	size_t n;

	while (isspace((unsigned char)*in))
		in++;
	snprintf(out, outlen, "%s", in);
	n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

enum peer_error stt_parse_reply(struct stt *s, long status, char *why,
				size_t whylen)
{
	cJSON *j, *t, *e;

	json_arena_reset();
	j = cJSON_ParseWithLength(s->body, s->body_len);
	if (status != 200) {
		e = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (cJSON_IsObject(e))
			e = cJSON_GetObjectItemCaseSensitive(e, "message");
		snprintf(why, whylen, "HTTP %ld: %.200s", status,
			 cJSON_IsString(e) ? e->valuestring : s->body);
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
	trim_into(s->text, sizeof(s->text), t->valuestring);
	if (!s->text[0]) {
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

	if (s->overflow) {
		snprintf(why, sizeof(why), "reply longer than %d bytes",
			 PARLEY_HTTP_BODY_MAX);
		e = PEER_PROTOCOL;
	} else if (code == CURLE_COULDNT_CONNECT ||
		   code == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(why, sizeof(why), "%s: %s", s->url, err);
		e = PEER_UNREACHABLE;
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof(why), "%s: %s", s->url, err);
		e = PEER_TIMEOUT;
	} else if (code != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s", s->url, err);
		e = PEER_PROTOCOL;
	} else {
		e = stt_parse_reply(s, status, why, sizeof(why));
	}
	s->ev->on_done(s->ctx, e, e == PEER_OK ? s->text : why);
}

static const struct http_handlers handlers = { on_data, on_done };

int stt_transcribe(struct stt *s, const struct parley_config *cfg,
		   const int16_t *pcm, size_t n, const struct stt_events *ev,
		   void *ctx)
{
	struct http_opts opts = {
		.connect_timeout_ms = cfg->connect_timeout_ms,
		.timeout_ms = cfg->stt_timeout_ms,
	};
	curl_mime *mime;
	curl_mimepart *part;
	size_t bytes;

	stt_abort(s);
	if (n > PARLEY_UTT_MAX_SAMPLES)
		return -EMSGSIZE;
	bytes = n * 2;
	wav_header(s->wav, PARLEY_RATE, 1, (uint32_t)bytes);
	for (size_t i = 0; i < n; i++) { /* little-endian on every host */
		s->wav[WAV_HEADER + 2 * i] = (uint8_t)pcm[i];
		s->wav[WAV_HEADER + 2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	s->wav_len = WAV_HEADER + bytes;
	s->wav_pos = 0;
	s->body_len = 0;
	s->body[0] = '\0';
	s->overflow = 0;
	s->text[0] = '\0';
	s->ev = ev;
	s->ctx = ctx;
	snprintf(s->url, sizeof(s->url), "%s", cfg->stt_url);

	mime = http_mime(&s->x);
	if (!mime)
		return -ENOMEM;
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "file");
	curl_mime_filename(part, "utterance.wav");
	curl_mime_type(part, "audio/wav");
	curl_mime_data_cb(part, (curl_off_t)s->wav_len, read_wav, seek_wav,
			  NULL, s);
	if (strcmp(cfg->stt_backend, "whispercpp")) {
		/* whisper.cpp's /inference has no model part */
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "model");
		curl_mime_data(part, cfg->stt_model, CURL_ZERO_TERMINATED);
	}
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "response_format");
	curl_mime_data(part, "json", CURL_ZERO_TERMINATED);
	if (cfg->stt_language[0]) {
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "language");
		curl_mime_data(part, cfg->stt_language, CURL_ZERO_TERMINATED);
	}
	return http_start(&s->x, s->url, NULL, 0, mime, &opts, &handlers, s);
}

void stt_abort(struct stt *s)
{
	http_abort(&s->x);
}
