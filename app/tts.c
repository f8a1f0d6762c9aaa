// SPDX-License-Identifier: MIT
/*
 * Text-to-speech (tts.h): the registry, the queue of sentences that remote
 * backends fetch one at a time, the feed into the synth worker, and the
 * local espeak backend.  Remote audio that finds the worker's ring full
 * waits (the backend pauses its transfer), so memory stays fixed however
 * long the sentence.
 */
#include "tts.h"

#include "lang.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "probe.h"

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

const struct tts_ops *const tts_backends[] = { &tts_espeak, &tts_openai,
						&tts_wyoming, NULL };

const struct tts_ops *tts_find(const char *name)
{
	for (int i = 0; tts_backends[i]; i++)
		if (!strcmp(tts_backends[i]->name, name))
			return tts_backends[i];
	return NULL;
}

void tts_init(struct tts *t, struct synth *s, const struct parley_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->synth = s;
	t->cfg = cfg;
	t->w.fd = -1;
	tts_select(t);
}

void tts_select(struct tts *t)
{
	const struct tts_ops *ops = tts_find(t->cfg->tts_backend);

	if (t->ops)
		tts_abort(t);
	/* the configuration allows only the names in the registry */
	t->ops = ops ? ops : &tts_espeak;
}

void tts_on_fallback(struct tts *t, tts_fallback_fn fn, void *ctx)
{
	t->on_fallback = fn;
	t->fallback_ctx = ctx;
}

/* The current sentence is over: ok, or failed with why. */
void tts_end_current(struct tts *t, int failed, const char *why)
{
	uint32_t id = t->current;

	if (!id)
		return;
	if (failed) {
		t->failures++;
		LOGW("tts", "%s%s", why,
		     t->started ? "; the rest of the sentence is lost" :
				  "; saying it with the local voice");
	}
	synth_remote_end(t->synth, id, failed);
	t->current = 0;
	loop_cancel(t->pause_timer);
	t->pause_timer = 0;
	loop_cancel(t->timer);
	t->timer = 0;
	/* the next sentence starts from the loop, not from inside the
	 * handler of the connection or transfer that just ended */
	if (!t->kick_timer)
		t->kick_timer = loop_timeout(0, kick, t);
	/* last, so that the listener sees tts already past this sentence */
	if (failed && t->on_fallback)
		t->on_fallback(t->fallback_ctx, id, !t->started, why);
}

/* Samples for the worker (synth_remote_bytes): all or nothing, so a
 * backend that is told to wait offers the same bytes again. */
int tts_feed(struct tts *t, const uint8_t *data, size_t len)
{
	return synth_remote_bytes(t->synth, data, len, &t->odd, &t->carry);
}

static void next(struct tts *t)
{
	while (!t->current && t->tail != t->head) {
		unsigned i = t->tail++ % PARLEY_SYNTH_QUEUE;
		int r;

		t->current = t->queue[i].id;
		t->started = 0;
		t->error[0] = '\0';
		r = t->ops->start(t, t->queue[i].text);
		if (r) {
			char why[300];

			snprintf(why, sizeof(why), "%s: %s",
				 t->error[0] ? t->error : "cannot start",
				 strerror(-r));
			tts_end_current(t, 1, why); /* next() runs again soon */
			return;
		}
	}
}

uint32_t tts_say(struct tts *t, const char *text)
{
	uint32_t id;

	if (!t->ops->start) /* the local voice: straight to the worker */
		return synth_say(t->synth, text);
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
	if (t->ops->abort)
		t->ops->abort(t);
	loop_cancel(t->pause_timer);
	loop_cancel(t->timer);
	loop_cancel(t->kick_timer);
	t->pause_timer = t->timer = t->kick_timer = 0;
	t->current = 0;
	t->tail = t->head;
}

/* ---- espeak: the local voice ---- */

static int probe_local(struct probe *pr)
{
	probe_finish(pr, 1, "espeak-ng voice %s (local)", lang_voice(pr->cfg));
	return 0;
}

static void describe_local(const struct parley_config *cfg, char *buf,
			   size_t len)
{
	snprintf(buf, len, "espeak-ng voice %s (local)", lang_voice(cfg));
}

const struct tts_ops tts_espeak = {
	.name = "espeak",
	.probe = probe_local,
	.describe = describe_local,
};
