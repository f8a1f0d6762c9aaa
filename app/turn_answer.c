// SPDX-License-Identifier: MIT
/*
 * The turn's answer: the question goes to the language model (the
 * request is built in request.c), the streamed text is cut into sentences
 * and queued for speech as it comes, tool calls are run and their results
 * sent back, and when the model is out of reach the offline grammar may
 * answer (offline.c).  Errors are spoken with the local voice.  The states
 * themselves are turn.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "lang.h"
#include "log.h"
#include "loop.h"
#include "offline.h"
#include "sphinx.h"
#include "turn_impl.h"

/* Drops every queued sentence and all queued playback. */
void turn_stop_output(struct turn *t)
{
	/* what was heard of the answer, before its audio goes */
	if (t->recording && !t->answer_fixed &&
	    (t->said.nparts || t->answer_len))
		turn_trim_to_played(t);
	stt_abort(t->d.stt);
	if (t->local_stt) {
		sphinx_cancel();
		t->local_stt = 0;
	}
	llm_abort(t->d.llm);
	request_cancel_tools(&t->req);
	tts_abort(t->d.tts);
	synth_flush(t->d.synth);
	t->jobs = 0;
	t->backlog_len = 0;
	t->live_from = t->d.synth->next_id + 1; /* older completions are stale */
}

/*
 * Queues a sentence; returns its synth id, or 0 if the queue is full.
 * Answers go to the configured TTS; local notices and errors (remote
 * false) always use espeak-ng, which works with no host at all.
 */
uint32_t turn_queue_speech(struct turn *t, const char *text, int remote)
{
	uint32_t id = remote ? tts_say(t->d.tts, text) :
			       synth_say(t->d.synth, text);

	if (!id)
		return 0;
	t->jobs++;
	return id;
}

uint32_t turn_queue_sentence(struct turn *t, const char *text)
{
	uint32_t id = turn_queue_speech(t, text, 0);

	if (!id)
		LOGE("turn", "speech queue full (%d sentences); notice dropped",
		     PARLEY_SYNTH_QUEUE);
	return id;
}

void turn_answer_reset(struct turn *t)
{
	t->answer_len = 0;
	t->answer_fixed = 0;
	t->backlog_len = 0;
	t->accepted = 0;
	t->capped = 0;
	t->jobs = 0;
	t->sentences = 0;
	t->stream_done = 0;
	spoken_reset(&t->said, engine_played_samples(t->d.eng));
	speech_text_init(&t->speech);
	chunker_init(&t->chunker);
	chunker_first_clause(&t->chunker,
			     (size_t)t->d.cfg->first_clause_chars);
}

/* One sentence to speech now, if there is room; 0 or -ENOSPC. */
static int speak_now(struct turn *t, char voice, const char *s, size_t len)
{
	uint32_t id = turn_queue_speech(t, s, voice == 'r');

	if (!id)
		return -ENOSPC;
	console_event("sentence %.*s", (int)len, s);
	if (voice == 'r') {
		spoken_add(&t->said, id, s, len);
		t->sentences++;
		turn_stage(t, ST_FIRST_SENTENCE);
	}
	return 0;
}

/*
 * A sentence for speech, in order: straight to the queue, or, while it
 * is full or others wait, to the backlog, and the model is paused.
 */
static void speak_in_order(struct turn *t, char voice, const char *s,
			   size_t len)
{
	if (!t->backlog_len && !t->spec_hold && !speak_now(t, voice, s, len))
		return;
	if (t->backlog_len + len + 2 > sizeof(t->backlog)) {
		/* cannot happen: the cap keeps the answer within the backlog */
		LOGE("turn", "speech backlog full; sentence dropped");
		return;
	}
	t->backlog[t->backlog_len] = voice;
	memcpy(t->backlog + t->backlog_len + 1, s, len);
	t->backlog[t->backlog_len + 1 + len] = '\0';
	t->backlog_len += len + 2;
	llm_pause(t->d.llm);
}

/* Room in the queue: the backlog goes on, and then the model. */
void turn_drain_backlog(struct turn *t)
{
	size_t used = 0;

	if (t->spec_hold)
		return; /* nothing is spoken before the commit */
	while (used < t->backlog_len) {
		const char *s = t->backlog + used + 1;
		size_t len = strlen(s);

		if (speak_now(t, t->backlog[used], s, len))
			break;
		used += len + 2;
	}
	memmove(t->backlog, t->backlog + used, t->backlog_len - used);
	t->backlog_len -= used;
	if (!t->backlog_len)
		llm_resume(t->d.llm);
}

/*
 * Says what went wrong in plain words with local TTS, drops whatever else
 * was going to be said, and lets the turn end when it has been spoken.
 */
void turn_speak_error(struct turn *t, const char *spoken, const char *detail)
{
	LOGW("turn", "%s (%s)", spoken, detail);
	if (t->recording)
		turn_set_error(t, detail);
	turn_stop_output(t);
	t->stream_done = 1;
	snprintf(t->spoken, sizeof(t->spoken), "%s", spoken);
	turn_queue_sentence(t, spoken);
	turn_set_state(t, TS_SPEAKING);
	engine_earcon(t->d.eng, EARCON_ERROR); /* after, so it wins */
}

/*
 * The answer as far as it was played (spoken.h), marked where it was cut;
 * it is what the store keeps and what the next request's history holds.
 */
void turn_trim_to_played(struct turn *t)
{
	spoken_played(&t->said, engine_played_samples(t->d.eng),
		      (unsigned)t->d.cfg->playback_rate, t->rec.answer,
		      sizeof(t->rec.answer));
	t->answer_fixed = 1;
}

/*
 * A remote sentence failed (tts.h): said by the local voice instead, or
 * cut where its audio stopped.  The turn keeps the server's words.
 */
void turn_tts_fallback(void *ctx, uint32_t id, int local, const char *why)
{
	struct turn *t = ctx;

	if (id < t->live_from)
		return; /* a sentence of an answer already dropped */
	LOGW("turn", "a sentence %s: %s",
	     local ? "was said by the local voice" : "was cut short", why);
	if (!t->recording || strcmp(t->rec.outcome, "ok"))
		return; /* an error or a cut already says more */
	snprintf(t->rec.outcome, sizeof(t->rec.outcome), "tts-fallback");
	snprintf(t->rec.error, sizeof(t->rec.error), "%s", why);
}

void turn_maybe_finish(struct turn *t)
{
	if (t->state != TS_SPEAKING && t->state != TS_THINKING)
		return;
	if (!t->stream_done || t->jobs || t->backlog_len ||
	    engine_play_queued(t->d.eng) != 0)
		return;
	int answered = t->recording && strcmp(t->rec.outcome, "error") &&
		       strcmp(t->rec.outcome, "no-speech");
	int failed = t->recording && !strcmp(t->rec.outcome, "error");
	int follow_ms = t->d.cfg->follow_up_ms;

	if (t->recording && !t->answer_fixed &&
	    (t->said.nparts || t->answer_len)) {
		/* all of it was played by now */
		snprintf(t->rec.answer, sizeof(t->rec.answer), "%s",
			 t->said.said);
		t->answer_fixed = 1;
	}
	turn_stage(t, ST_LAST_AUDIO);
	turn_end_record(t);
	turn_set_state(t, TS_IDLE);
	if (failed && t->d.on_state) /* shown once, then idle again */
		t->d.on_state(t->d.ctx, TS_IDLE, t->muted, 1);
	if (answered && follow_ms > 0 && !t->muted) {
		/* listen a while without a press: speech is a new turn */
		turn_start_listening(t, loop_now_ms());
		t->mode = LM_TAP;
		t->follow_up = 1;
		t->ep.cfg.no_speech_frames = follow_ms / PARLEY_FRAME_MS;
		LOGI("turn", "follow-up: listening for %d ms", follow_ms);
	}
}

/* ---- language model ---- */

/*
 * A complete sentence of the answer.  Past llm.answer_max_chars the
 * answer ends at the sentence before, with a note in the local voice.
 */
static int on_sentence(const char *s, size_t len, void *ctx)
{
	struct turn *t = ctx;

	if (t->capped)
		return 1;
	if (t->accepted + len + 1 > (size_t)t->d.cfg->answer_max_chars) {
		LOGW("turn", "answer reached llm.answer_max_chars (%d bytes); ended after %u sentences",
		     t->d.cfg->answer_max_chars, t->sentences);
		t->capped = 1;
		return 1;
	}
	LOGD("turn", "sentence: %s", s);
	t->accepted += len + 1;
	speak_in_order(t, 'r', s, len);
	return 0;
}

/* Text as it is to be spoken (speech_text.h) goes into sentences. */
static int to_chunker(const char *text, size_t len, void *ctx)
{
	struct turn *t = ctx;

	return chunker_feed(&t->chunker, text, len, on_sentence, t);
}

/* What the filter holds back, then what the chunker does, as sentences. */
static void flush_sentences(struct turn *t)
{
	speech_text_flush(&t->speech, to_chunker, t);
	chunker_flush(&t->chunker, on_sentence, t);
}

static int on_token(void *ctx, const char *text, size_t len)
{
	struct turn *t = ctx;
	size_t room = sizeof(t->rec.answer) - 1 - t->answer_len;

	turn_stage(t, ST_FIRST_TOKEN);
	if (len > room) {
		/* the text kept for the tools' rounds is full: the cap */
		LOGW("turn", "answer longer than %d bytes; it ends at the last sentence",
		     PARLEY_ANSWER_MAX - 1);
		t->capped = 1;
		return 1;
	}
	memcpy(t->rec.answer + t->answer_len, text, len);
	t->answer_len += len;
	t->rec.answer[t->answer_len] = '\0';
	return speech_text_feed(&t->speech, text, len, to_chunker, t) ? 1 : 0;
}

static void run_tools(struct turn *t);
static int answer_offline(struct turn *t, const char *detail);

/* Why a request could not go, for the turn's record. */
static const char *send_error(int r)
{
	if (r == -EACCES) /* http.c would not send the token there */
		return "the bearer token may not go to llm.url: use https://, or set llm.allow_insecure_token = true";
	return strerror(-r);
}

/*
 * The answer was cut: by our cap, or by the server's length limit
 * (done_reason "length").  It is spoken to its last complete sentence;
 * the half sentence in the chunker is dropped.
 */
static void answer_cut(struct turn *t)
{
	const char *note = phrase(t->d.cfg, t->capped ? PH_CAPPED :
							 PH_CUT_BY_SERVER);

	if (!t->sentences && !t->backlog_len) {
		turn_speak_error(t, phrase(t->d.cfg, PH_CUT_BEFORE_FIRST),
				 t->capped ? "answer cap reached" :
					     "the server's length limit (done_reason length)");
		return;
	}
	if (t->recording && !strcmp(t->rec.outcome, "ok")) {
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "truncated");
		snprintf(t->rec.error, sizeof(t->rec.error), "%s",
			 t->capped ? "llm.answer_max_chars reached" :
				     "the server stopped at its length limit (done_reason length)");
	}
	LOGI("turn", "answer %s after %u sentences; the local voice says: %s",
	     t->capped ? "capped" : "cut by the server", t->sentences, note);
	speak_in_order(t, 'l', note, strlen(note));
	t->stream_done = 1;
	turn_maybe_finish(t);
}

static void on_llm_done(void *ctx, enum peer_error e, const char *detail)
{
	struct turn *t = ctx;
	char msg[PARLEY_SENTENCE_MAX];

	if (t->spec_hold && e != PEER_OK) {
		turn_spec_failed(t, detail);
		return;
	}
	if (t->spec_hold) {
		/* the rest waits for the commit: tools act on the world, and
		 * an answer's end may speak */
		t->spec_done = 1;
		return;
	}
	if (e == PEER_OK && t->req.ncalls) {
		run_tools(t);
		return;
	}
	if (e == PEER_OK && (t->capped || llm_truncated(t->d.llm))) {
		answer_cut(t);
		return;
	}
	if (e == PEER_OK) {
		flush_sentences(t);
		if (!t->sentences && !t->backlog_len && t->req.tools_used) {
			const char *done = phrase(t->d.cfg, PH_TOOLS_DONE);

			on_sentence(done, strlen(done), t); /* the tools said enough */
		}
		t->stream_done = 1;
		if (!t->sentences && !t->backlog_len) {
			turn_speak_error(t, phrase(t->d.cfg, PH_LLM_EMPTY),
					 "empty answer");
			return;
		}
		LOGI("turn", "answer complete: %u sentences", t->sentences);
		turn_maybe_finish(t);
		return;
	}
	if ((e == PEER_UNREACHABLE || (e == PEER_TIMEOUT && !t->answer_len)) &&
	    t->d.cfg->tools_offline && answer_offline(t, detail))
		return;
	switch (e) {
	case PEER_UNREACHABLE:
		phrase_format(t->d.cfg, msg, sizeof(msg), PH_LLM_UNREACHABLE);
		break;
	case PEER_MODEL_MISSING:
		phrase_format(t->d.cfg, msg, sizeof(msg), PH_LLM_MODEL_MISSING,
			      t->d.cfg->llm_model);
		break;
	case PEER_TIMEOUT:
		phrase_format(t->d.cfg, msg, sizeof(msg), PH_LLM_TIMEOUT);
		break;
	default:
		phrase_format(t->d.cfg, msg, sizeof(msg), PH_LLM_ERROR);
	}
	turn_speak_error(t, msg, detail);
}

static int on_tool_call(void *ctx, const char *id, const char *name,
			const char *args)
{
	struct turn *t = ctx;

	turn_stage(t, ST_FIRST_TOKEN);
	request_add_call(&t->req, id, name, args);
	return 0;
}

static const struct llm_events llm_events = {
	.on_token = on_token,
	.on_done = on_llm_done,
	.on_tool_call = on_tool_call,
};

/*
 * The reply asked for tools: run them, then send the assistant's calls and
 * one role "tool" message per result back, and stream the next reply.
 */
static void send_results(void *ctx);

static void run_tools(struct turn *t)
{
	int r;

	flush_sentences(t); /* text before the calls */
	r = request_tool_round(&t->req, t->d.dev, t->rec.answer + t->round_start,
			       t->answer_len - t->round_start, send_results, t);
	if (r < 0) {
		turn_speak_error(t, phrase(t->d.cfg, PH_TOOL_ROUNDS),
				 "more tool rounds than PARLEY_TOOL_ROUNDS_MAX");
		return;
	}
	if (r == 0)
		send_results(t);
	/* else the MCP calls run: send_results when all have answered */
}

/* The round's results are in the request: the model goes on. */
static void send_results(void *ctx)
{
	struct turn *t = ctx;
	int r;

	t->round_start = t->answer_len;
	r = llm_chat(t->d.llm, t->d.token, t->req.msgs, t->req.nmsgs,
		     &llm_events, t);
	if (r)
		turn_speak_error(t, phrase(t->d.cfg, PH_TOOL_SEND),
				 send_error(r));
}

/* The model is out of reach: a transcript that is one of the grammar's
 * commands is answered here (offline.h).  Returns 1 if it was. */
static int answer_offline(struct turn *t, const char *detail)
{
	char say[PARLEY_SENTENCE_MAX];
	const char *what;

	if (!offline_answer(t->d.dev, t->rec.transcript, say, sizeof(say),
			    &what))
		return 0;
	LOGW("turn", "the model is unreachable (%s); answered offline: %s",
	     detail, what);
	console_event("offline %s", what);
	if (t->recording) {
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "offline");
		snprintf(t->rec.error, sizeof(t->rec.error), "%s", detail);
		snprintf(t->rec.answer, sizeof(t->rec.answer), "%s", say);
		t->answer_fixed = 1;
	}
	t->stream_done = 1;
	snprintf(t->spoken, sizeof(t->spoken), "%s", say);
	turn_queue_sentence(t, say);
	turn_set_state(t, TS_SPEAKING);
	return 1;
}

void turn_start_llm(struct turn *t)
{
	const struct parley_config *cfg = t->d.cfg;
	int64_t conv;
	int r;

	t->round_start = 0;
	conv = store_conversation(t->d.store, cfg->conversation_idle_s,
				  t->force_new_conversation);
	request_begin(&t->req, cfg, t->d.store,
		      t->force_new_conversation ? -1 : conv, t->rec.transcript);
	if (!t->spec_hold)
		turn_set_state(t, TS_THINKING);
	turn_stage(t, ST_LLM_REQUEST);
	spoken_reset(&t->said, engine_played_samples(t->d.eng));
	r = llm_chat(t->d.llm, t->d.token, t->req.msgs, t->req.nmsgs,
		     &llm_events, t);
	if (r && t->spec_hold)
		turn_spec_failed(t, send_error(r));
	else if (r)
		turn_speak_error(t, phrase(t->d.cfg, PH_QUESTION_SEND),
				 send_error(r));
}

void turn_answer_commit(struct turn *t)
{
	turn_drain_backlog(t);
	if (t->spec_done) {
		t->spec_done = 0;
		on_llm_done(t, PEER_OK, "");
	}
}
