// SPDX-License-Identifier: MIT
/*
 * Turns that go to Home Assistant's pipeline (satellite.h).  The states
 * are the turn's own (turn.h); here the microphone streams to Home
 * Assistant while the turn listens, and what its pipeline sends back
 * moves the turn on: the transcript (THINKING), the answer's text and
 * audio, which the synth worker resamples from the TTS's rate to the
 * device's as it does a remote voice's (SPEAKING), and, once all of it
 * has played, `played`.  Its errors and a lost connection are said with
 * the local voice, as every other error is.  Each of its events must come
 * within llm.first_token_timeout_ms of the one before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "lang.h"
#include "log.h"
#include "loop.h"
#include "turn_impl.h"

static void timed_out(void *ctx)
{
	struct turn *t = ctx;
	char why[120];

	t->ha_timer = 0;
	if (!t->ha)
		return;
	snprintf(why, sizeof(why), "Home Assistant's pipeline sent nothing for %d ms",
		 t->d.cfg->first_token_timeout_ms);
	turn_ha_over(t);
	turn_speak_error(t, phrase(t->d.cfg, PH_HA_TIMEOUT), why);
}

/* Its next event is due within llm.first_token_timeout_ms. */
static void expect(struct turn *t)
{
	loop_cancel(t->ha_timer);
	t->ha_timer = loop_timeout((uint64_t)t->d.cfg->first_token_timeout_ms,
				   timed_out, t);
}

int turn_ha_decide(struct turn *t)
{
	t->ha = 0;
	if (satellite_ready(t->d.sat)) {
		t->ha = 1;
		snprintf(t->rec.source, sizeof(t->rec.source), "ha");
		return 1;
	}
	if (!satellite_enabled(t->d.sat) ||
	    strcmp(t->d.cfg->satellite_away, "say"))
		return 0; /* parley's own backends answer */
	turn_speak_error(t, phrase(t->d.cfg, PH_HA_UNREACHABLE),
			 satellite_stage(t->d.sat) == SAT_PAUSED ?
				 "Home Assistant has paused the satellite" :
				 "Home Assistant is not connected");
	return -1;
}

void turn_ha_frame(struct turn *t, const struct cap_frame *f)
{
	int32_t b = 0;
	int r;

	if (t->d.sat->run) {
		satellite_audio(t->d.sat, f->pcm, PARLEY_FRAME);
		return;
	}
	/* a follow-up window asks Home Assistant only once speech starts */
	if (t->follow_up && !t->ep.started)
		return;
	if (t->ep.started) /* from the pre-roll before the speech on */
		b = t->ep.first - t->ep.cfg.preroll_frames + t->pre_frames;
	if (b < 0)
		b = 0;
	r = satellite_begin(t->d.sat, t->utt + (size_t)b * PARLEY_FRAME,
			    (size_t)(t->utt_frames - b) * PARLEY_FRAME);
	if (r) {
		t->ha = 0;
		turn_speak_error(t, phrase(t->d.cfg, PH_HA_LOST),
				 "Home Assistant went away before the turn began");
	}
}

void turn_ha_end_listening(struct turn *t, const char *why)
{
	LOGI("turn", "utterance ended (%s): Home Assistant's pipeline goes on",
	     why);
	satellite_audio_stop(t->d.sat);
	expect(t);
}

void turn_ha_over(struct turn *t)
{
	if (!t->ha)
		return;
	t->ha = 0;
	loop_cancel(t->ha_timer);
	t->ha_timer = 0;
	if (t->ha_play) {
		/* its audio ends here; a flush, if one follows, drops it */
		synth_remote_end(t->d.synth, t->ha_play, 0);
		t->ha_play = 0;
	}
	satellite_finish(t->d.sat);
}

/* ---- what Home Assistant's pipeline does ---- */

static void on_voice_stopped(void *ctx)
{
	struct turn *t = ctx;

	if (!t->ha || t->state != TS_LISTENING)
		return;
	LOGI("turn", "utterance ended: Home Assistant heard its end");
	turn_listening_over(t);
	expect(t);
}

static void on_transcript(void *ctx, const char *text)
{
	struct turn *t = ctx;

	if (!t->ha)
		return;
	if (t->state == TS_LISTENING) {
		LOGI("turn", "utterance ended: Home Assistant's transcript came");
		turn_listening_over(t);
	}
	turn_stage(t, ST_STT_DONE);
	snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
	LOGD("turn", "Home Assistant's transcript: %s", text);
	console_event("transcript %s", text);
	turn_set_state(t, TS_THINKING);
	turn_stage(t, ST_LLM_REQUEST);
	expect(t);
}

static void on_synthesize(void *ctx, const char *text)
{
	struct turn *t = ctx;

	if (!t->ha)
		return;
	snprintf(t->ha_text, sizeof(t->ha_text), "%s", text);
	snprintf(t->rec.answer, sizeof(t->rec.answer), "%s", text);
	t->answer_len = strlen(t->rec.answer);
	turn_stage(t, ST_FIRST_TOKEN);
	LOGD("turn", "Home Assistant's answer: %s", text);
	console_event("sentence %s", text);
	if (t->state == TS_TRANSCRIBING)
		turn_set_state(t, TS_THINKING);
	expect(t);
}

static int on_audio_start(void *ctx, unsigned rate)
{
	struct turn *t = ctx;
	uint32_t id;

	if (!t->ha)
		return -ECANCELED;
	/* if no audio comes after all, the worker says the text locally */
	id = synth_remote(t->d.synth, t->ha_text);
	if (!id)
		return -ENOSPC;
	if (synth_remote_start(t->d.synth, id, rate)) {
		synth_remote_end(t->d.synth, id, 1);
		return -ENOSPC;
	}
	t->jobs++;
	t->ha_play = id;
	t->ha_odd = 0;
	spoken_add(&t->said, id, t->ha_text, strlen(t->ha_text));
	t->sentences++;
	turn_stage(t, ST_FIRST_SENTENCE);
	LOGI("turn", "Home Assistant's answer plays at %u Hz", rate);
	if (t->state == TS_TRANSCRIBING)
		turn_set_state(t, TS_THINKING);
	expect(t);
	return 0;
}

static int on_audio(void *ctx, const uint8_t *pcm, size_t len)
{
	struct turn *t = ctx;

	if (!t->ha || !t->ha_play)
		return -ECANCELED;
	expect(t);
	return synth_remote_bytes(t->d.synth, pcm, len, &t->ha_odd,
				  &t->ha_carry);
}

static void on_audio_stop(void *ctx)
{
	struct turn *t = ctx;

	if (!t->ha || !t->ha_play)
		return;
	synth_remote_end(t->d.synth, t->ha_play, 0);
	t->ha_play = 0;
	t->stream_done = 1;
	loop_cancel(t->ha_timer); /* the rest is ours to play */
	t->ha_timer = 0;
	turn_maybe_finish(t);
}

static void on_error(void *ctx, const char *text)
{
	struct turn *t = ctx;
	char msg[PARLEY_SENTENCE_MAX];

	if (!t->ha)
		return;
	turn_ha_over(t);
	phrase_format(t->d.cfg, msg, sizeof(msg), PH_HA_ERROR, text);
	turn_speak_error(t, msg, text);
}

static void on_fail(void *ctx, enum sat_fail kind, const char *why)
{
	struct turn *t = ctx;

	if (!t->ha)
		return;
	turn_ha_over(t);
	if (kind == SAT_PAUSED_RUN) {
		turn_cancel(t); /* muted in Home Assistant: quietly */
		return;
	}
	turn_speak_error(t, phrase(t->d.cfg, kind == SAT_BAD ? PH_HA_BAD :
								 PH_HA_LOST),
			 why);
}

static const struct satellite_events events = {
	.voice_stopped = on_voice_stopped,
	.transcript = on_transcript,
	.synthesize = on_synthesize,
	.audio_start = on_audio_start,
	.audio = on_audio,
	.audio_stop = on_audio_stop,
	.error = on_error,
	.fail = on_fail,
};

void turn_ha_init(struct turn *t)
{
	if (t->d.sat)
		satellite_listen(t->d.sat, &events, t);
}
