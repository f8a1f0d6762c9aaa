// SPDX-License-Identifier: MIT
/*
 * Remote TTS over Wyoming: synthesize, then audio-start, audio-chunk
 * events (fed to the synth worker as they arrive, reading paused while its
 * ring is full) and audio-stop.  A chunk larger than the client's window
 * comes in pieces (wyoming.h), each fed the same way.  An error event or a
 * close before audio-stop fails the sentence, which the worker then says
 * locally; the server's error text and code go into the reason.
 *
 * The voice is the server's to choose unless tts.remote_voice names one:
 * wyoming-piper uses its own --voice when the request has none, and
 * answers a name it cannot find with an error event (VoiceNotFoundError,
 * wyoming_piper/handler.py and download.py), so a name from another
 * backend's world (OpenAI's "alloy") must never be sent by default.
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

static int wy_event(struct wyoming *w, const struct wy_event *ev, void *ctx)
{
	struct tts *t = ctx;
	char why[320];

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
			tts_end_current(t, 1, "wyoming: audio is not 16-bit mono at 8-96 kHz");
			return 0;
		}
		t->started = 1;
		t->odd = 0;
		synth_remote_start(t->synth, t->current, (unsigned)rate->valueint);
	} else if (!strcmp(ev->type, "audio-chunk")) {
		int r;

		if (!t->started || !ev->payload_len)
			return 0;
		r = tts_feed(t, ev->payload, ev->payload_len);
		if (r == -EAGAIN)
			return 1; /* offer this piece again when there is room */
		if (r) {
			wyoming_close(&t->w);
			snprintf(why, sizeof(why),
				 "wyoming: a piece of %zu bytes cannot be played: %s",
				 ev->payload_len, strerror(-r));
			tts_end_current(t, 1, why);
		}
	} else if (!strcmp(ev->type, "audio-stop")) {
		wyoming_close(&t->w);
		tts_end_current(t, 0, NULL);
	} else if (!strcmp(ev->type, "error")) {
		char said[280];

		/* wyoming-piper sends the exception's text and its class name
		 * as the code, e.g. "alloy" and VoiceNotFoundError */
		wy_error_text(ev, said, sizeof(said));
		snprintf(why, sizeof(why), "wyoming: the server says: %s", said);
		wyoming_close(&t->w);
		tts_end_current(t, 1, why);
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
	tts_end_current(t, 1, msg);
}

static void wy_timeout(void *ctx)
{
	struct tts *t = ctx;

	t->timer = 0;
	wyoming_close(&t->w);
	tts_end_current(t, 1, "wyoming: no audio in time");
}

static int start_wyoming(struct tts *t, const char *text)
{
	char why[200];
	cJSON *root, *voice;
	int r;

	json_arena_reset();
	root = cJSON_CreateObject();
	if (!cJSON_AddStringToObject(root, "text", text))
		return -ENOMEM;
	/* no voice object at all unless one is set: the server's default */
	if (t->cfg->tts_remote_voice[0]) {
		voice = cJSON_AddObjectToObject(root, "voice");
		if (!voice || !cJSON_AddStringToObject(voice, "name",
						       t->cfg->tts_remote_voice))
			return -ENOMEM;
	}
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


static void abort_wyoming(struct tts *t)
{
	wyoming_close(&t->w);
	loop_cancel(t->timer);
	t->timer = 0;
}

/* describe -> info: the peer speaks Wyoming, and names its voices. */
static void info_reply(struct probe *pr, int code, long status,
		       const char *err)
{
	cJSON *prog = probe_info_program(pr, code, err, "tts",
					 "text-to-speech");
	cJSON *name = cJSON_GetObjectItemCaseSensitive(prog, "name");
	int voices = cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(prog, "voices"));

	(void)status;
	if (prog)
		probe_finish(pr, 1, "%s: Wyoming info in %u ms; tts %s, %d voice%s",
			     pr->url, probe_rtt_ms(pr),
			     cJSON_IsString(name) ? name->valuestring :
						    "(unnamed)",
			     voices, voices == 1 ? "" : "s");
}

static int probe_wy(struct probe *pr)
{
	return probe_wyoming(pr, pr->cfg->tts_url, PROBE_TIMEOUT_MS,
			     info_reply);
}

static void describe_wy(const struct parley_config *cfg, char *buf,
			size_t len)
{
	if (cfg->tts_remote_voice[0])
		snprintf(buf, len, "wyoming %s voice %s", cfg->tts_url,
			 cfg->tts_remote_voice);
	else
		snprintf(buf, len, "wyoming %s", cfg->tts_url);
}

const struct tts_ops tts_wyoming = {
	.name = "wyoming",
	.scheme = "tcp://",
	.start = start_wyoming,
	.abort = abort_wyoming,
	.probe = probe_wy,
	.describe = describe_wy,
};
