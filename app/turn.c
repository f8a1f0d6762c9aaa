// SPDX-License-Identifier: MIT
/*
 * The turn state machine; the table of states and events is in turn.h.
 * Stage times are milliseconds from the start of the turn (the button
 * press, or the "ask" command) and are stored with the turn.
 */
#include "turn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "grammar.h"
#include "led.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "parley.h"
#include "sphinx.h"
#include "tools.h"

static const char *const state_names[] = {
	[TS_IDLE] = "idle",
	[TS_LISTENING] = "listening",
	[TS_TRANSCRIBING] = "transcribing",
	[TS_THINKING] = "thinking",
	[TS_SPEAKING] = "speaking",
};

const char *turn_state_name(enum turn_state s)
{
	return state_names[s];
}

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_state(struct turn *t, enum turn_state s)
{
	if (t->state == s)
		return;
	static const enum led_state leds[] = {
		[TS_IDLE] = LED_IDLE,	      [TS_LISTENING] = LED_LISTENING,
		[TS_TRANSCRIBING] = LED_THINKING, [TS_THINKING] = LED_THINKING,
		[TS_SPEAKING] = LED_SPEAKING,
	};

	/* a chime as the microphone opens and closes */
	if (s == TS_LISTENING)
		engine_earcon(&t->p->eng, EARCON_LISTEN_START);
	else if (t->state == TS_LISTENING)
		engine_earcon(&t->p->eng, EARCON_LISTEN_STOP);
	LOGI("turn", "%s -> %s", state_names[t->state], state_names[s]);
	t->state = s;
	notify_status("%s", state_names[s]);
	console_event("state %s", state_names[s]);
	led_show(s == TS_IDLE && t->muted ? LED_MUTED : leds[s]);
}

static void stage(struct turn *t, enum stage st)
{
	if (t->recording && t->rec.stage_ms[st] < 0)
		t->rec.stage_ms[st] = (int32_t)(loop_now_ms() - t->t0_ms);
}

static void begin_record(struct turn *t, const char *source, uint64_t t0)
{
	memset(&t->rec, 0, sizeof(t->rec));
	for (int i = 0; i < ST_COUNT; i++)
		t->rec.stage_ms[i] = -1;
	snprintf(t->rec.source, sizeof(t->rec.source), "%s", source);
	snprintf(t->rec.outcome, sizeof(t->rec.outcome), "ok");
	t->rec.started_unix_ms = unix_ms() - (int64_t)(loop_now_ms() - t0);
	t->t0_ms = t0;
	t->recording = 1;
	t->answer_len = 0;
	t->jobs = 0;
	t->sentences = 0;
	t->stream_done = 0;
	t->nparts = 0;
	t->said_len = 0;
	t->said[0] = '\0';
	t->follow_up = 0;
	chunker_init(&t->chunker);
	chunker_first_clause(&t->chunker,
			     (size_t)t->p->cfg.first_clause_chars);
}

/* Stores the turn being recorded, if any. */
static void end_record(struct turn *t)
{
	struct parley *p = t->p;

	if (!t->recording)
		return;
	t->recording = 0;
	t->rec.conversation = store_conversation(
		p->store, p->cfg.conversation_idle_s, t->force_new_conversation);
	t->force_new_conversation = 0;
	int64_t id = -1;

	if (t->rec.conversation < 0 ||
	    (id = store_add_turn(p->store, &t->rec)) < 0)
		LOGE("turn", "the turn could not be stored");
	{
		char times[400];
		size_t n = 0;

		for (int i = 0; i < ST_COUNT && n < sizeof(times); i++)
			if (t->rec.stage_ms[i] >= 0)
				n += (size_t)snprintf(times + n, sizeof(times) - n,
						      " %s=%d", stage_names[i],
						      t->rec.stage_ms[i]);
		times[n < sizeof(times) ? n : sizeof(times) - 1] = '\0';
		console_event("turn %lld outcome=%s%s", (long long)id,
			      t->rec.outcome, times);
	}
	LOGI("turn", "stored: outcome %s, first audio at %d ms",
	     t->rec.outcome, t->rec.stage_ms[ST_FIRST_AUDIO]);
	int dropped = store_prune(p->store, p->cfg.max_turns, p->cfg.max_days);

	if (dropped)
		LOGI("store", "retention: %d old turn%s dropped", dropped,
		     dropped == 1 ? "" : "s");
}

static void set_error(struct turn *t, const char *detail)
{
	snprintf(t->rec.outcome, sizeof(t->rec.outcome), "error");
	snprintf(t->rec.error, sizeof(t->rec.error), "%s", detail);
}

/* Drops every queued sentence and all queued playback. */
static void stop_output(struct turn *t)
{
	struct parley *p = t->p;

	stt_abort(&p->stt);
	stt_wy_abort(&p->stt_wy);
	t->streaming = 0;
	if (t->local_stt) {
		sphinx_cancel();
		t->local_stt = 0;
	}
	llm_abort(&p->llm);
	tts_abort(&p->tts);
	synth_flush(&p->synth);
	t->jobs = 0;
	t->live_from = p->synth.next_id + 1; /* older completions are stale */
}

/*
 * Queues a sentence; returns its synth id, or 0 if the queue is full.
 * Answers go to the configured TTS; local notices and errors (remote
 * false) always use espeak-ng, which works with no host at all.
 */
static uint32_t queue_speech(struct turn *t, const char *text, int remote)
{
	uint32_t id = remote && strcmp(t->p->cfg.tts_backend, "espeak") ?
			      tts_say(&t->p->tts, text) :
			      synth_say(&t->p->synth, text);

	if (!id) {
		LOGE("turn", "speech queue full (%d sentences); sentence dropped",
		     PARLEY_SYNTH_QUEUE);
		return 0;
	}
	t->jobs++;
	return id;
}

static uint32_t queue_sentence(struct turn *t, const char *text)
{
	return queue_speech(t, text, 0);
}

/*
 * Says what went wrong in plain words with local TTS, drops whatever else
 * was going to be said, and lets the turn end when it has been spoken.
 */
static void speak_error(struct turn *t, const char *spoken, const char *detail)
{
	LOGW("turn", "%s (%s)", spoken, detail);
	if (t->recording)
		set_error(t, detail);
	stop_output(t);
	t->stream_done = 1;
	snprintf(t->spoken, sizeof(t->spoken), "%s", spoken);
	queue_sentence(t, spoken);
	set_state(t, TS_SPEAKING);
	engine_earcon(&t->p->eng, EARCON_ERROR); /* after, so it wins */
}

/* The answer as far as it was played: whole sentences, then the words of
 * the one cut short, in proportion to its samples played. */
static void trim_to_played(struct turn *t)
{
	uint64_t played = atomic_load(&t->p->eng.played_samples) - t->play_base;
	uint64_t cum = 0, known = 0, known_chars = 0;
	size_t keep = 0;

	for (int i = 0; i < t->nparts; i++)
		if (t->parts[i].samples) {
			known += t->parts[i].samples;
			known_chars += t->parts[i].len;
		}
	for (int i = 0; i < t->nparts; i++) {
		uint64_t n = t->parts[i].samples;

		if (!n) /* not done yet: estimate from the others, or 65 ms a byte */
			n = known_chars ? t->parts[i].len * known / known_chars :
					  t->parts[i].len *
						  (uint64_t)t->p->cfg.playback_rate *
						  65 / 1000;
		if (cum + n <= played) {
			cum += n;
			keep = (size_t)t->parts[i].off + t->parts[i].len;
			continue;
		}
		size_t cut = t->parts[i].off +
			     (size_t)((played - cum) * t->parts[i].len / (n ? n : 1));

		while (cut > t->parts[i].off && t->said[cut] != ' ')
			cut--;
		keep = cut;
		break;
	}
	while (keep && t->said[keep - 1] == ' ')
		keep--;
	snprintf(t->rec.answer, sizeof(t->rec.answer), "%.*s", (int)keep,
		 t->said);
}

static void start_listening(struct turn *t, uint64_t time_ms);

static void maybe_finish(struct turn *t)
{
	if (t->state != TS_SPEAKING && t->state != TS_THINKING)
		return;
	if (!t->stream_done || t->jobs ||
	    engine_play_queued(&t->p->eng) != 0)
		return;
	int answered = t->recording && !strcmp(t->rec.outcome, "ok");
	int failed = t->recording && !strcmp(t->rec.outcome, "error");

	stage(t, ST_LAST_AUDIO);
	end_record(t);
	set_state(t, TS_IDLE);
	if (failed)
		led_show(LED_ERROR); /* three flashes, then idle again */
	if (answered && t->p->cfg.follow_up_ms > 0 && !t->muted) {
		/* listen a while without a press: speech is a new turn */
		start_listening(t, loop_now_ms());
		t->mode = LM_TAP;
		t->follow_up = 1;
		t->ep.cfg.no_speech_frames = t->p->cfg.follow_up_ms /
					     PARLEY_FRAME_MS;
		LOGI("turn", "follow-up: listening for %d ms",
		     t->p->cfg.follow_up_ms);
	}
}

/* ---- language model ---- */

static int on_sentence(const char *s, size_t len, void *ctx)
{
	struct turn *t = ctx;

	(void)len;
	uint32_t id;

	LOGD("turn", "sentence: %s", s);
	id = queue_speech(t, s, 1);
	if (!id)
		return -ENOSPC;
	if (t->nparts < (int)(sizeof(t->parts) / sizeof(t->parts[0])) &&
	    t->said_len + len + 1 < sizeof(t->said)) {
		if (t->said_len)
			t->said[t->said_len++] = ' ';
		t->parts[t->nparts].id = id;
		t->parts[t->nparts].off = (uint16_t)t->said_len;
		t->parts[t->nparts].len = (uint16_t)len;
		t->parts[t->nparts].samples = 0;
		t->nparts++;
		memcpy(t->said + t->said_len, s, len);
		t->said_len += len;
		t->said[t->said_len] = '\0';
	}
	t->sentences++;
	stage(t, ST_FIRST_SENTENCE);
	return 0;
}

static int on_token(void *ctx, const char *text, size_t len)
{
	struct turn *t = ctx;
	size_t room = sizeof(t->rec.answer) - 1 - t->answer_len;

	stage(t, ST_FIRST_TOKEN);
	if (len > room) {
		LOGW("turn", "answer longer than %d bytes; cut there",
		     PARLEY_ANSWER_MAX - 1);
		return 1;
	}
	memcpy(t->rec.answer + t->answer_len, text, len);
	t->answer_len += len;
	t->rec.answer[t->answer_len] = '\0';
	return chunker_feed(&t->chunker, text, len, on_sentence, t) ? 1 : 0;
}

static void run_tools(struct turn *t);
static int offline_answer(struct turn *t, const char *detail);

static void on_llm_done(void *ctx, enum peer_error e, const char *detail)
{
	struct turn *t = ctx;
	struct parley *p = t->p;
	char msg[PARLEY_SENTENCE_MAX];

	if (e == PEER_OK && t->ncalls) {
		run_tools(t);
		return;
	}
	if (e == PEER_OK) {
		chunker_flush(&t->chunker, on_sentence, t);
		if (!t->sentences && t->tools_used) /* the tools said enough */
			on_sentence("Done.", 5, t);
		t->stream_done = 1;
		if (!t->sentences) {
			speak_error(t, "The language model gave an empty answer.",
				    "empty answer");
			return;
		}
		LOGI("turn", "answer complete: %u sentences", t->sentences);
		maybe_finish(t);
		return;
	}
	if ((e == PEER_UNREACHABLE || (e == PEER_TIMEOUT && !t->answer_len)) &&
	    p->cfg.tools_offline && offline_answer(t, detail))
		return;
	switch (e) {
	case PEER_UNREACHABLE:
		snprintf(msg, sizeof(msg),
			 "I can't reach the language model server.");
		break;
	case PEER_MODEL_MISSING:
		snprintf(msg, sizeof(msg),
			 "The model %s is not installed on the language model server.",
			 p->cfg.llm_model);
		break;
	case PEER_TIMEOUT:
		snprintf(msg, sizeof(msg),
			 "The language model server took too long to answer.");
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "The language model server sent an error.");
	}
	speak_error(t, msg, detail);
}

static int on_tool_call(void *ctx, const char *id, const char *name,
			const char *args)
{
	struct turn *t = ctx;
	int r = t->round, i = t->ncalls;

	stage(t, ST_FIRST_TOKEN);
	if (r >= PARLEY_TOOL_ROUNDS_MAX) {
		t->ncalls++; /* refused when the reply is complete */
		return 0;
	}
	if (i >= PARLEY_TOOL_CALLS_MAX) {
		LOGW("turn", "more than %d tool calls in one reply; '%.64s' dropped",
		     PARLEY_TOOL_CALLS_MAX, name);
		return 0;
	}
	snprintf(t->call[r][i].id, sizeof(t->call[r][i].id), "%s", id);
	snprintf(t->call[r][i].name, sizeof(t->call[r][i].name), "%s", name);
	snprintf(t->call[r][i].args, sizeof(t->call[r][i].args), "%s",
		 args ? args : "{}");
	t->call[r][i].too_long = !args;
	t->ncalls++;
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
static void run_tools(struct turn *t)
{
	struct parley *p = t->p;
	int r = t->round, n = t->ncalls, ok = 0, failed = 0, rc;
	struct llm_message *m;

	t->ncalls = 0;
	if (r >= PARLEY_TOOL_ROUNDS_MAX) {
		speak_error(t, "I could not finish that: the model kept calling tools.",
			    "more tool rounds than PARLEY_TOOL_ROUNDS_MAX");
		return;
	}
	if (n > PARLEY_TOOL_CALLS_MAX)
		n = PARLEY_TOOL_CALLS_MAX;
	chunker_flush(&t->chunker, on_sentence, t); /* text before the calls */
	snprintf(t->round_text[r], sizeof(t->round_text[r]), "%.*s",
		 (int)(t->answer_len - t->round_start),
		 t->rec.answer + t->round_start);
	for (int i = 0; i < n; i++) {
		struct turn_call *c = &t->call[r][i];

		if (c->too_long) {
			char name[sizeof(c->name)];

			memcpy(name, c->name, sizeof(name)); /* apart from result */
			snprintf(c->result, sizeof(c->result),
				 "error: the arguments of %s are longer than %d bytes",
				 name, PARLEY_TOOL_ARGS_MAX - 1);
		} else if (!tools_run(p, c->name, c->args, c->result,
				      sizeof(c->result))) {
			ok++;
		}
		if (c->too_long || strncmp(c->result, "error: ", 7) == 0)
			failed++;
		t->calls[r][i] = (struct llm_tool_call){ .id = c->id,
							 .name = c->name,
							 .args = c->args };
		console_event("tool %s %s", c->name,
			      strncmp(c->result, "error: ", 7) ? "ok" : "error");
		LOGD("turn", "tool %s(%s) -> %s", c->name, c->args, c->result);
	}
	LOGI("turn", "round %d: %d tool call%s, %d failed", r + 1, n,
	     n == 1 ? "" : "s", failed);
	m = &t->msgs[t->nmsgs++];
	*m = (struct llm_message){ .role = "assistant",
				   .content = t->round_text[r],
				   .calls = t->calls[r],
				   .ncalls = n };
	for (int i = 0; i < n; i++)
		t->msgs[t->nmsgs++] = (struct llm_message){
			.role = "tool",
			.content = t->call[r][i].result,
			.tool_name = t->call[r][i].name,
			.tool_call_id = t->call[r][i].id,
		};
	t->round++;
	t->tools_used = 1;
	t->round_start = t->answer_len;
	rc = llm_chat(&p->llm, llm_find(p->cfg.llm_backend), &p->cfg, p->token,
		      t->msgs, t->nmsgs, &llm_events, t);
	if (rc)
		speak_error(t, "I could not send the tool results.",
			    strerror(-rc));
	(void)ok;
}

/*
 * The model is out of reach: a transcript that is one of the grammar's
 * commands is answered here.  Returns 1 if it was.
 */
static int offline_answer(struct turn *t, const char *detail)
{
	struct parley *p = t->p;
	struct grammar_match m;
	char say[PARLEY_SENTENCE_MAX], why[128], d[64];
	time_t now;
	struct tm tm;
	int v;

	if (grammar_match(t->rec.transcript, strlen(t->rec.transcript), &m) ==
	    GR_NONE)
		return 0;
	switch (m.cmd) {
	case GR_TIMER:
		tools_duration(m.seconds, d, sizeof(d));
		if (timers_add(&p->timers, TK_TIMER, d, (int64_t)m.seconds * 1000,
			       why, sizeof(why)))
			snprintf(say, sizeof(say), "I could not set the timer: %s.",
				 why);
		else
			snprintf(say, sizeof(say), "Timer set for %s.", d);
		break;
	case GR_STOP:
		snprintf(say, sizeof(say), "%s",
			 timers_stop_ringing(&p->timers) ? "Stopped." :
							   "Nothing is ringing.");
		break;
	case GR_TIME:
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(d, sizeof(d), "%H:%M", &tm);
		snprintf(say, sizeof(say), "It is %s.", d);
		break;
	case GR_VOLUME_UP:
	case GR_VOLUME_DOWN:
		v = engine_volume(&p->eng) + (m.cmd == GR_VOLUME_UP ? 1 : -1) *
						     p->cfg.volume_step;
		v = v < 0 ? 0 : v > 100 ? 100 : v;
		p->cfg.volume = v;
		engine_set_volume(&p->eng, v);
		snprintf(say, sizeof(say), "Volume %d percent.", v);
		break;
	default:
		return 0;
	}
	LOGW("turn", "the model is unreachable (%s); answered offline: %s",
	     detail, grammar_cmd_name(m.cmd));
	console_event("offline %s", grammar_cmd_name(m.cmd));
	if (t->recording) {
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "offline");
		snprintf(t->rec.error, sizeof(t->rec.error), "%s", detail);
		snprintf(t->rec.answer, sizeof(t->rec.answer), "%s", say);
	}
	t->stream_done = 1;
	snprintf(t->spoken, sizeof(t->spoken), "%s", say);
	queue_sentence(t, say);
	set_state(t, TS_SPEAKING);
	return 1;
}

static void history_cb(const char *user, const char *assistant, void *ctx)
{
	struct turn *t = ctx;
	size_t need = strlen(user) + strlen(assistant) + 2;

	if (t->nmsgs + 2 > HISTORY_MSGS ||
	    t->history_len + need > sizeof(t->history))
		return;
	t->msgs[t->nmsgs++] = (struct llm_message){
		.role = "user", .content = t->history + t->history_len
	};
	t->history_len += (size_t)sprintf(t->history + t->history_len, "%s",
					   user) + 1;
	t->msgs[t->nmsgs++] = (struct llm_message){
		.role = "assistant", .content = t->history + t->history_len
	};
	t->history_len += (size_t)sprintf(t->history + t->history_len, "%s",
					   assistant) + 1;
}

static void start_llm(struct turn *t)
{
	struct parley *p = t->p;
	int64_t conv;
	int r;

	t->nmsgs = 0;
	t->history_len = 0;
	t->round = 0;
	t->ncalls = 0;
	t->tools_used = 0;
	t->round_start = 0;
	{
		size_t n = (size_t)snprintf(t->system, sizeof(t->system), "%s",
					    p->cfg.system_prompt);

		if (p->cfg.tools_enable && n < sizeof(t->system))
			tools_facts_prompt(p, p->cfg.facts_chars, t->system + n,
					   sizeof(t->system) - n);
	}
	if (t->system[0])
		t->msgs[t->nmsgs++] = (struct llm_message){ .role = "system",
							    .content = t->system };
	conv = store_conversation(p->store, p->cfg.conversation_idle_s,
				  t->force_new_conversation);
	if (conv >= 0 && !t->force_new_conversation)
		store_history(p->store, conv, p->cfg.history_chars, history_cb,
			      t);
	t->msgs[t->nmsgs++] = (struct llm_message){
		.role = "user", .content = t->rec.transcript
	};
	set_state(t, TS_THINKING);
	stage(t, ST_LLM_REQUEST);
	t->play_base = atomic_load(&p->eng.played_samples);
	r = llm_chat(&p->llm, llm_find(p->cfg.llm_backend), &p->cfg, p->token,
		     t->msgs, t->nmsgs, &llm_events, t);
	if (r)
		speak_error(t, "I could not send the question.",
			    strerror(-r));
}

/* ---- speech to text ---- */

static void on_stt_done(void *ctx, enum peer_error e, const char *text)
{
	struct turn *t = ctx;

	stage(t, ST_STT_DONE);
	if (e == PEER_OK) {
		snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s",
			 text);
		LOGD("turn", "transcript: %s", text);
		start_llm(t);
		return;
	}
	if ((e == PEER_UNREACHABLE || e == PEER_TIMEOUT) &&
	    t->p->cfg.tools_offline && sphinx_ready() &&
	    t->span_end > t->span_begin &&
	    sphinx_decode(t->utt + (size_t)t->span_begin * PARLEY_FRAME,
			  (size_t)(t->span_end - t->span_begin) *
				  PARLEY_FRAME) == 0) {
		LOGW("turn", "speech recognition failed (%s); recognising the offline commands here",
		     text);
		snprintf(t->rec.error, sizeof(t->rec.error), "%s", text);
		t->local_stt = 1;
		return;
	}
	if (e == PEER_EMPTY)
		speak_error(t, "I didn't catch that.", text);
	else if (e == PEER_UNREACHABLE)
		speak_error(t, "I can't reach the speech recognition server.",
			    text);
	else if (e == PEER_TIMEOUT)
		speak_error(t, "Speech recognition took too long.", text);
	else
		speak_error(t, "Speech recognition failed.", text);
}

static const struct stt_events stt_events = { on_stt_done };

/* ---- listening ---- */

static void start_listening(struct turn *t, uint64_t time_ms)
{
	struct parley *p = t->p;
	struct endpoint_config ec = {
		.silence_frames = p->cfg.end_silence_ms / PARLEY_FRAME_MS,
		.max_frames = p->cfg.max_utterance_ms / PARLEY_FRAME_MS,
		.no_speech_frames = p->cfg.no_speech_ms / PARLEY_FRAME_MS,
		.preroll_frames = p->cfg.preroll_ms / PARLEY_FRAME_MS,
		.tail_frames = p->cfg.tail_ms / PARLEY_FRAME_MS,
	};
	int32_t pre;

	/* a voice barge-in keeps the speech that made it, and the pre-roll
	 * before that */
	ec.preroll_frames += t->voice_pre;
	if (ec.preroll_frames > PARLEY_RECENT_FRAMES)
		ec.preroll_frames = PARLEY_RECENT_FRAMES;
	t->voice_pre = 0;
	pre = ec.preroll_frames;
	begin_record(t, "voice", time_ms);
	t->streaming = 0;
	t->mode = LM_UNDECIDED;
	t->press_ms = time_ms;
	if ((uint64_t)pre > t->frames_seen)
		pre = (int32_t)t->frames_seen;
	/* the pre-roll: the frames just before the press, oldest first */
	for (int32_t i = 0; i < pre; i++) {
		uint64_t idx = t->frames_seen - (uint64_t)pre + (uint64_t)i;

		memcpy(t->utt + (size_t)i * PARLEY_FRAME,
		       t->recent[idx % PARLEY_RECENT_FRAMES],
		       sizeof(t->recent[0]));
	}
	t->pre_frames = pre;
	t->utt_frames = pre;
	endpoint_start(&t->ep, &ec);
	set_state(t, TS_LISTENING);
}

static void end_listening(struct turn *t, const char *why)
{
	struct parley *p = t->p;
	int32_t begin, end, since_speech;
	int r;

	LOGI("turn", "utterance ended: %s", why);
	if (endpoint_span(&t->ep, &begin, &end)) {
		speak_error(t, "I didn't hear anything.", "no speech was heard");
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "no-speech");
		return;
	}
	/* speech end: the last speech frame, counted back from now */
	since_speech = t->ep.n - 1 - t->ep.last;
	t->rec.stage_ms[ST_SPEECH_END] =
		(int32_t)(loop_now_ms() - t->t0_ms) -
		since_speech * PARLEY_FRAME_MS;
	begin += t->pre_frames;
	end += t->pre_frames;
	if (begin < 0)
		begin = 0;
	if (end > t->utt_frames)
		end = t->utt_frames;
	LOGI("turn", "utterance: %d ms of audio sent to STT",
	     (end - begin) * PARLEY_FRAME_MS);
	t->span_begin = begin;
	t->span_end = end;
	set_state(t, TS_TRANSCRIBING);
	stage(t, ST_STT_SENT);
	if (t->streaming) { /* the audio is there already: just stop it */
		t->streaming = 0;
		stt_wy_finish(&p->stt_wy, &stt_events, t);
		return;
	}
	r = stt_transcribe(&p->stt, &p->cfg,
			   t->utt + (size_t)begin * PARLEY_FRAME,
			   (size_t)(end - begin) * PARLEY_FRAME, &stt_events, t);
	if (r)
		speak_error(t, "Speech recognition failed.", strerror(-r));
}

static void listen_frame(struct turn *t, const struct cap_frame *f)
{
	enum endpoint_event ev;

	if ((size_t)(t->utt_frames + 1) * PARLEY_FRAME <= PARLEY_UTT_MAX_SAMPLES) {
		memcpy(t->utt + (size_t)t->utt_frames * PARLEY_FRAME, f->pcm,
		       sizeof(f->pcm));
		t->utt_frames++;
	}
	ev = endpoint_feed(&t->ep, &f->vad);
	if (!strcmp(t->p->cfg.stt_backend, "wyoming") && t->ep.started) {
		if (!t->streaming) {
			/* speech began: stream from the pre-roll on, and keep
			 * streaming while the user talks */
			int32_t b = t->ep.first - t->ep.cfg.preroll_frames +
				    t->pre_frames;

			if (b < 0)
				b = 0;
			t->streaming = 1;
			if (stt_wy_begin(&t->p->stt_wy, &t->p->cfg,
					 t->utt + (size_t)b * PARLEY_FRAME,
					 (size_t)(t->utt_frames - b) *
						 PARLEY_FRAME))
				LOGW("turn", "wyoming: %s", t->p->stt_wy.why);
		} else {
			stt_wy_audio(&t->p->stt_wy, f->pcm, PARLEY_FRAME);
		}
	}
	if (ev == EP_END_MAX) {
		end_listening(t, "maximum length");
	} else if (t->mode == LM_TAP && ev == EP_END_SILENCE) {
		end_listening(t, "silence after speech");
	} else if (t->mode == LM_TAP && ev == EP_END_NO_SPEECH) {
		if (t->follow_up) { /* the window closed: back to idle */
			stt_wy_abort(&t->p->stt_wy);
			t->streaming = 0;
			LOGI("turn", "follow-up window closed");
			t->recording = 0;
			set_state(t, TS_IDLE);
			return;
		}
		end_listening(t, "no speech");
	}
}

/* ---- inputs ---- */

void turn_init(struct turn *t, struct parley *p)
{
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->state = TS_IDLE;
}

static void barge_in(struct turn *t)
{
	LOGI("turn", "barge-in while %s", state_names[t->state]);
	stage(t, ST_BARGE_IN);
	if (t->recording && !strcmp(t->rec.outcome, "ok")) {
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "barge-in");
		trim_to_played(t); /* what the user heard, not what was sent */
	}
	stop_output(t);
	end_record(t);
}

void turn_talk_press(struct turn *t, uint64_t time_ms)
{
	if (t->muted) {
		LOGI("turn", "muted: the press is ignored");
		return;
	}
	switch (t->state) {
	case TS_IDLE:
		start_listening(t, time_ms);
		break;
	case TS_LISTENING:
		/* a press while a tap listens: the user is done */
		if (t->mode == LM_TAP)
			end_listening(t, "button");
		break;
	case TS_TRANSCRIBING:
	case TS_THINKING:
	case TS_SPEAKING:
		barge_in(t);
		start_listening(t, time_ms);
		break;
	}
}

void turn_talk_release(struct turn *t, uint64_t time_ms, int hold)
{
	(void)time_ms;
	if (t->state != TS_LISTENING || t->mode != LM_UNDECIDED)
		return;
	if (hold) {
		t->mode = LM_HOLD;
		end_listening(t, "button released");
	} else {
		t->mode = LM_TAP;
		LOGI("turn", "tap: listening until the end of speech");
	}
}

void turn_cancel(struct turn *t)
{
	if (t->state == TS_IDLE)
		return;
	LOGI("turn", "cancelled while %s", state_names[t->state]);
	if (t->state == TS_LISTENING) {
		t->recording = 0; /* nothing was asked: nothing to keep */
		stt_wy_abort(&t->p->stt_wy);
		t->streaming = 0;
	} else {
		stage(t, ST_BARGE_IN);
		if (t->recording && !strcmp(t->rec.outcome, "ok"))
			snprintf(t->rec.outcome, sizeof(t->rec.outcome),
				 "cancelled");
		stop_output(t);
		end_record(t);
	}
	set_state(t, TS_IDLE);
}

static void notice(struct turn *t, const char *text)
{
	LOGI("turn", "saying: %s", text);
	t->recording = 0;
	t->stream_done = 1;
	if (queue_sentence(t, text))
		set_state(t, TS_SPEAKING);
}

void turn_new_conversation(struct turn *t)
{
	turn_cancel(t);
	t->force_new_conversation = 1;
	notice(t, "New conversation.");
}

void turn_mute(struct turn *t, int on)
{
	turn_cancel(t);
	t->muted = !!on;
	LOGN("turn", "microphone %s", on ? "muted" : "unmuted");
	notice(t, on ? "Microphone off." : "Microphone on.");
}

int turn_heard_speech(const struct turn *t)
{
	return t->state == TS_LISTENING && t->ep.started;
}

/*
 * Voice barge-in: speech over an answer, with the echo canceller taking the
 * answer itself out of the microphone, interrupts it as a press would.  It
 * needs barge_in.min_speech_ms of speech in a row while audio plays, so a
 * cough or a residue of the answer's own onset does not stop it.
 */
#define BARGE_IN_ERLE_Q8 (12 * 256) /* the canceller is working: 12 dB */
#define BARGE_IN_MARGIN_Q8 (10 * 256) /* output this far above the residue */

static int voice_barge_in(struct turn *t, const struct cap_frame *f)
{
	const struct parley_config *cfg = &t->p->cfg;
	int need = cfg->barge_in_min_speech_ms / PARLEY_FRAME_MS;
	int32_t erle;
	int over, near;

	if (!cfg->barge_in_voice || t->p->eng.chain_cfg.aec == CHAIN_AEC_OFF ||
	    t->state != TS_SPEAKING || !t->recording || t->muted) {
		t->voice_run = 0;
		t->over_bits = 0;
		return 0;
	}
	/*
	 * Double talk: the canceller takes erle dB off the echo, so with the
	 * far end alone the output sits about erle below the input.  A voice
	 * in the room lifts the output well above that; the answer's own
	 * residue does not.  Until the canceller has learnt the room (erle
	 * small), nothing counts.
	 */
	erle = atomic_load_explicit(&t->p->eng.erle_q8, memory_order_relaxed);
	/* the canceller's estimate falls as soon as someone talks over the
	 * answer: hold its recent best, letting go 1 dB a second */
	t->erle_hold = erle > t->erle_hold - 3 ? erle : t->erle_hold - 3;
	erle = t->erle_hold;
	over = erle >= BARGE_IN_ERLE_Q8 &&
	       f->vad.level_q8 >= f->mic_in_q8 - erle + BARGE_IN_MARGIN_Q8;
	t->over_bits = t->over_bits << 1 | (uint64_t)over;
	near = f->vad.speech && over;
	/* the VAD confirms a voice some frames into it and dates its onset
	 * back: the frames of that lead-in that stood over the residue count
	 * as speech over the answer too */
	if (f->vad.onset && f->vad.onset_back > 0) {
		int k = f->vad.onset_back < 63 ? f->vad.onset_back : 63;
		int lead = __builtin_popcountll((t->over_bits >> 1) &
						((1ull << k) - 1));

		if (lead && t->voice_run == 0)
			t->voice_first = t->frames_seen - (uint64_t)k;
		t->voice_run += lead;
	}
	/* a score, not a strict run: double talk comes and goes with the
	 * answer's own syllables, so a frame of doubt costs one, not all */
	if (near) {
		if (t->voice_run == 0)
			t->voice_first = t->frames_seen;
		t->voice_run++;
	} else if (t->voice_run > 0) {
		t->voice_run--;
	}
	if (t->voice_run < need)
		return 0;
	LOGI("turn", "voice barge-in: %d ms of speech over the answer "
		     "(echo cancelled by %.1f dB)",
	     (int)(t->frames_seen - t->voice_first) * PARLEY_FRAME_MS,
	     erle / 256.0);
	/* keep the speech from where the VAD dates its onset */
	t->voice_pre = (int)(t->frames_seen - (t->speech_from < t->voice_first ?
						t->speech_from :
						t->voice_first)) + 1;
	t->voice_run = 0;
	barge_in(t);
	start_listening(t, loop_now_ms());
	t->mode = LM_TAP; /* no button is held: the VAD ends it */
	return 1;
}

void turn_frame(struct turn *t, const struct cap_frame *f)
{
	memcpy(t->recent[t->frames_seen % PARLEY_RECENT_FRAMES], f->pcm,
	       sizeof(f->pcm));
	t->frames_seen++;
	if (f->vad.onset)
		t->speech_from = (uint64_t)f->vad.onset_back < t->frames_seen ?
					 t->frames_seen - (uint64_t)f->vad.onset_back :
					 1;
	switch (t->state) {
	case TS_LISTENING:
		listen_frame(t, f);
		break;
	case TS_THINKING:
	case TS_SPEAKING:
		if (f->played) {
			stage(t, ST_FIRST_AUDIO);
			set_state(t, TS_SPEAKING);
		}
		if (voice_barge_in(t, f))
			break;
		maybe_finish(t);
		break;
	default:
		break;
	}
}

void turn_synth_done(struct turn *t, uint32_t id, uint32_t samples,
		     int cancelled, int error)
{
	for (int i = 0; i < t->nparts; i++)
		if (t->parts[i].id == id && !cancelled)
			t->parts[i].samples = samples ? samples : 1;
	if (id < t->live_from)
		return; /* queued before the last flush */
	if (error)
		LOGE("turn", "local speech synthesis failed for a sentence");
	if (cancelled)
		return; /* counted off by the flush */
	if (t->jobs)
		t->jobs--;
	maybe_finish(t);
}

void turn_local_transcript(struct turn *t, const char *text)
{
	if (!t->local_stt || t->state != TS_TRANSCRIBING)
		return; /* cancelled meanwhile */
	t->local_stt = 0;
	stage(t, ST_STT_DONE);
	if (!text[0]) {
		char why[sizeof(t->rec.error)];

		memcpy(why, t->rec.error, sizeof(why)); /* set_error rewrites it */
		speak_error(t, "I can't reach the speech recognition server.",
			    why);
		return;
	}
	LOGI("turn", "offline recogniser heard a command");
	LOGD("turn", "offline transcript: %s", text);
	snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
	start_llm(t);
}

static int busy(struct turn *t, char *why, size_t whylen)
{
	if (t->state == TS_IDLE)
		return 0;
	snprintf(why, whylen, "busy: %s", state_names[t->state]);
	return -EBUSY;
}

int turn_ask(struct turn *t, const char *text, char *why, size_t whylen)
{
	if (strlen(text) >= sizeof(t->rec.transcript)) {
		snprintf(why, whylen, "text longer than %d bytes",
			 PARLEY_TRANSCRIPT_MAX - 1);
		return -EMSGSIZE;
	}
	if (t->state != TS_IDLE && t->state != TS_LISTENING)
		barge_in(t);
	else if (busy(t, why, whylen))
		return -EBUSY;
	begin_record(t, "text", loop_now_ms());
	snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
	start_llm(t);
	return 0;
}

int turn_say(struct turn *t, const char *text, char *why, size_t whylen)
{
	if (busy(t, why, whylen))
		return -EBUSY;
	t->recording = 0;
	t->stream_done = 1;
	t->jobs = 0;
	if (!queue_sentence(t, text)) {
		snprintf(why, whylen, "speech queue full");
		return -ENOSPC;
	}
	set_state(t, TS_SPEAKING);
	return 0;
}

int turn_tone(struct turn *t, unsigned hz, unsigned ms, char *why,
	      size_t whylen)
{
	if (busy(t, why, whylen))
		return -EBUSY;
	t->recording = 0;
	t->stream_done = 1;
	t->jobs = 0;
	if (!synth_tone(&t->p->synth, hz, ms)) {
		snprintf(why, whylen, "playback queue full");
		return -ENOSPC;
	}
	t->jobs = 1;
	set_state(t, TS_SPEAKING);
	return 0;
}

void turn_abort(struct turn *t)
{
	if (t->state != TS_IDLE && t->state != TS_LISTENING)
		barge_in(t);
	set_state(t, TS_IDLE);
}
