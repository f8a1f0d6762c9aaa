// SPDX-License-Identifier: MIT
/*
 * The turn state machine; the table of states and events is in turn.h.
 * Here: the states, the record of the turn, listening and the inputs;
 * the answer (THINKING and SPEAKING) is in turn_answer.c.  Stage times are
 * milliseconds from the start of the turn (the button press, or the "ask"
 * command) and are stored with the turn.
 */
#include "turn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "grammar.h"
#include "lang.h"
#include "log.h"
#include "loop.h"
#include "sphinx.h"
#include "turn_impl.h"

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

void turn_set_state(struct turn *t, enum turn_state s)
{
	if (t->state == s)
		return;
	if (s == TS_IDLE) /* Home Assistant hears that it was played */
		turn_ha_over(t);
	/* a chime as the microphone opens and closes */
	if (s == TS_LISTENING)
		engine_earcon(t->d.eng, EARCON_LISTEN_START);
	else if (t->state == TS_LISTENING)
		engine_earcon(t->d.eng, EARCON_LISTEN_STOP);
	LOGI("turn", "%s -> %s", state_names[t->state], state_names[s]);
	t->state = s;
	console_event("state %s", state_names[s]);
	if (t->d.on_state)
		t->d.on_state(t->d.ctx, s, t->muted, 0);
}

void turn_stage(struct turn *t, enum stage st)
{
	if (t->recording && t->rec.stage_ms[st] < 0)
		t->rec.stage_ms[st] = (int32_t)(loop_now_ms() - t->t0_ms);
}

static void begin_record(struct turn *t, const char *source, uint64_t t0)
{
	turn_ha_over(t); /* a run of the turn before, cut by this one */
	memset(&t->rec, 0, sizeof(t->rec));
	for (int i = 0; i < ST_COUNT; i++)
		t->rec.stage_ms[i] = -1;
	snprintf(t->rec.source, sizeof(t->rec.source), "%s", source);
	snprintf(t->rec.outcome, sizeof(t->rec.outcome), "ok");
	t->rec.started_unix_ms = unix_ms() - (int64_t)(loop_now_ms() - t0);
	t->t0_ms = t0;
	t->recording = 1;
	t->follow_up = 0;
	t->spec = SPEC_NONE;
	t->spec_hold = 0;
	t->spec_done = 0;
	turn_answer_reset(t);
}

/* Stores the turn being recorded, if any. */
void turn_end_record(struct turn *t)
{
	const struct parley_config *cfg = t->d.cfg;
	int64_t id = -1;
	int dropped;

	if (!t->recording)
		return;
	t->recording = 0;
	t->rec.conversation = store_conversation(
		t->d.store, cfg->conversation_idle_s, t->force_new_conversation);
	t->force_new_conversation = 0;
	if (t->rec.conversation < 0 ||
	    (id = store_add_turn(t->d.store, &t->rec)) < 0)
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
	dropped = store_prune(t->d.store, cfg->max_turns, cfg->max_days);

	if (dropped)
		LOGI("store", "retention: %d old turn%s dropped", dropped,
		     dropped == 1 ? "" : "s");
}

void turn_set_error(struct turn *t, const char *detail)
{
	snprintf(t->rec.outcome, sizeof(t->rec.outcome), "error");
	snprintf(t->rec.error, sizeof(t->rec.error), "%s", detail);
}

/* ---- speech to text ---- */

static void mark_speech_end(struct turn *t);

static void spec_transcript(struct turn *t, enum peer_error e,
			    const char *text);
static void commit_listening(struct turn *t, const char *why);

static void on_stt_done(void *ctx, enum peer_error e, const char *text)
{
	struct turn *t = ctx;

	if (t->state == TS_LISTENING && t->spec == SPEC_STT) {
		spec_transcript(t, e, text);
		return;
	}
	if (t->state == TS_LISTENING) {
		/*
		 * A streaming server with its own voice detector heard the
		 * end first and answered before our endpoint: listening
		 * ends here, and the turn goes on with its transcript.
		 */
		LOGI("turn", "utterance ended: the speech-to-text server heard its end");
		turn_listening_over(t);
	}
	turn_stage(t, ST_STT_DONE);
	if (e == PEER_OK) {
		snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s",
			 text);
		LOGD("turn", "transcript: %s", text);
		console_event("transcript %s", text);
		turn_start_llm(t);
		return;
	}
	if ((e == PEER_UNREACHABLE || e == PEER_TIMEOUT) &&
	    t->d.cfg->tools_offline && sphinx_ready() &&
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
	if (e == PEER_EMPTY) {
		/* the detail may quote what was heard: that is for the
		 * store and the debug log, not the warning (STYLE.md) */
		turn_speak_error(t, phrase(t->d.cfg, PH_DIDNT_CATCH),
				 "no speech in the transcript");
		if (t->recording)
			snprintf(t->rec.error, sizeof(t->rec.error), "%s", text);
	}
	else if (e == PEER_UNREACHABLE)
		turn_speak_error(t, phrase(t->d.cfg, PH_STT_UNREACHABLE),
				 text);
	else if (e == PEER_TIMEOUT)
		turn_speak_error(t, phrase(t->d.cfg, PH_STT_TIMEOUT), text);
	else
		turn_speak_error(t, phrase(t->d.cfg, PH_STT_FAILED), text);
}

static const struct stt_events stt_events = { on_stt_done };

/* ---- listening ---- */

void turn_start_listening(struct turn *t, uint64_t time_ms)
{
	const struct parley_config *cfg = t->d.cfg;
	struct endpoint_config ec = {
		.silence_frames = cfg->end_silence_ms / PARLEY_FRAME_MS,
		.max_frames = cfg->max_utterance_ms / PARLEY_FRAME_MS,
		.no_speech_frames = cfg->no_speech_ms / PARLEY_FRAME_MS,
		.preroll_frames = cfg->preroll_ms / PARLEY_FRAME_MS,
		.tail_frames = cfg->tail_ms / PARLEY_FRAME_MS,
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
	stt_abort(t->d.stt);
	if (turn_ha_decide(t) < 0)
		return; /* Home Assistant is away, and that was said */
	t->mode = LM_UNDECIDED;
	t->press_ms = time_ms;
	if (t->wake_tail) /* before the detection: the word's; after it,
			   * what the detector's lag held back */
		pre = t->wake_lag < PARLEY_RECENT_FRAMES ? t->wake_lag :
							   PARLEY_RECENT_FRAMES;
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
	turn_set_state(t, TS_LISTENING);
}

/*
 * Speech end: the last speech frame, counted back from now; and the
 * utterance's speech in utt (span_begin/end) for the offline recogniser.
 */
static void mark_speech_end(struct turn *t)
{
	int32_t since_speech = t->ep.n - 1 - t->ep.last;
	int32_t begin, end;

	if (endpoint_span(&t->ep, &begin, &end))
		return; /* no speech */
	begin += t->pre_frames;
	end += t->pre_frames;
	t->span_begin = begin < 0 ? 0 : begin;
	t->span_end = end > t->utt_frames ? t->utt_frames : end;
	t->rec.stage_ms[ST_SPEECH_END] =
		(int32_t)(loop_now_ms() - t->t0_ms) -
		since_speech * PARLEY_FRAME_MS;
}

/* Listening is over: the utterance goes on to be understood. */
void turn_listening_over(struct turn *t)
{
	mark_speech_end(t);
	turn_set_state(t, TS_TRANSCRIBING);
	turn_stage(t, ST_STT_SENT);
}

static void end_listening(struct turn *t, const char *why)
{
	int32_t begin, end;
	int r;

	if (t->spec != SPEC_NONE) {
		commit_listening(t, why);
		return;
	}
	LOGI("turn", "utterance ended: %s", why);
	if (endpoint_span(&t->ep, &begin, &end)) {
		turn_ha_over(t); /* nothing for Home Assistant to hear */
		turn_speak_error(t, phrase(t->d.cfg, PH_NO_SPEECH),
				 "no speech was heard");
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "no-speech");
		return;
	}
	turn_listening_over(t);
	if (t->ha) {
		turn_ha_end_listening(t, why);
		return;
	}
	LOGI("turn", "utterance: %d ms of audio sent to STT",
	     (t->span_end - t->span_begin) * PARLEY_FRAME_MS);
	begin = t->span_begin;
	end = t->span_end;
	r = stt_finish(t->d.stt, t->utt + (size_t)begin * PARLEY_FRAME,
		       (size_t)(end - begin) * PARLEY_FRAME);
	if (r)
		turn_speak_error(t, phrase(t->d.cfg, PH_STT_FAILED),
				 strerror(-r));
}

/* ---- speculative end of turn ---- */

/*
 * Drops a speculation: the request in flight, the answer held, and the
 * stages it stamped; listening goes on as if it had not been tried.
 */
static void spec_cancel(struct turn *t, const char *why)
{
	if (t->spec == SPEC_NONE)
		return;
	LOGI("turn", "speculation dropped: %s", why);
	console_event("speculation dropped");
	t->spec_cancelled++;
	t->spec = SPEC_NONE;
	t->spec_hold = 0;
	t->spec_done = 0;
	turn_stop_output(t);
	turn_answer_reset(t);
	t->rec.transcript[0] = '\0';
	t->rec.answer[0] = '\0';
	for (int i = ST_SPEECH_END; i < ST_COUNT; i++)
		t->rec.stage_ms[i] = -1;
}

void turn_spec_failed(struct turn *t, const char *why)
{
	spec_cancel(t, why);
}

/* A pause long enough: the utterance so far goes to STT. */
static void spec_start(struct turn *t)
{
	int r;

	mark_speech_end(t);
	t->spec_last = t->ep.last;
	turn_stage(t, ST_STT_SENT);
	r = stt_finish(t->d.stt, t->utt + (size_t)t->span_begin * PARLEY_FRAME,
		       (size_t)(t->span_end - t->span_begin) * PARLEY_FRAME);
	if (r) {
		/* the commit tries again, and says what is wrong */
		t->rec.stage_ms[ST_STT_SENT] = -1;
		t->rec.stage_ms[ST_SPEECH_END] = -1;
		return;
	}
	t->spec = SPEC_STT;
	t->spec_started++;
	LOGI("turn", "pause of %d ms: speech-to-text started while listening",
	     (t->ep.n - 1 - t->ep.last) * PARLEY_FRAME_MS);
}

/* A transcript the user has clearly finished: a question, or a command
 * the offline grammar knows. */
static int complete(const struct turn *t, const char *text)
{
	size_t n = strlen(text);
	struct grammar_match m;

	while (n && (text[n - 1] == ' ' || text[n - 1] == '"'))
		n--;
	if (n && text[n - 1] == '?')
		return 1;
	return grammar_match_lang(lang_of(t->d.cfg)->code, text, n, &m) !=
	       GR_NONE;
}

static void spec_transcript(struct turn *t, enum peer_error e,
			    const char *text)
{
	if (e != PEER_OK) {
		/* the same audio would fail the same way: the commit reports
		 * it, unless the user speaks again first */
		LOGD("turn", "speculative speech-to-text: %s", peer_error_name(e));
		t->spec = SPEC_FAILED;
		t->spec_err = e;
		snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
		return;
	}
	turn_stage(t, ST_STT_DONE);
	snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
	LOGD("turn", "speculative transcript: %s", text);
	if (t->d.cfg->commit_early && complete(t, text)) {
		LOGI("turn", "utterance ended: its transcript is complete");
		t->spec = SPEC_NONE;
		turn_set_state(t, TS_TRANSCRIBING);
		console_event("transcript %s", text);
		turn_start_llm(t);
		return;
	}
	t->spec = SPEC_LLM;
	t->spec_hold = 1;
	turn_start_llm(t); /* stays listening: spec_hold */
}

/*
 * The silence has lasted: the speculation becomes the turn.  STT still
 * running goes on as the turn's; an answer held is spoken now.
 */
static void commit_listening(struct turn *t, const char *why)
{
	LOGI("turn", "utterance ended: %s (speculation kept)", why);
	if (t->spec == SPEC_STT) {
		t->spec = SPEC_NONE;
		turn_set_state(t, TS_TRANSCRIBING);
		return;
	}
	if (t->spec == SPEC_FAILED) {
		char text[sizeof(t->rec.transcript)];

		memcpy(text, t->rec.transcript, sizeof(text));
		t->rec.transcript[0] = '\0';
		t->spec = SPEC_NONE;
		turn_set_state(t, TS_TRANSCRIBING);
		on_stt_done(t, (enum peer_error)t->spec_err, text);
		return;
	}
	t->spec = SPEC_NONE;
	t->spec_hold = 0;
	console_event("transcript %s", t->rec.transcript);
	turn_set_state(t, TS_THINKING);
	turn_answer_commit(t);
}

/* Speculation while listening for a tap's end: started at a pause,
 * dropped when the user speaks again. */
static void speculate(struct turn *t)
{
	int32_t quiet = t->ep.n - 1 - t->ep.last;

	if (t->spec != SPEC_NONE) {
		if (t->ep.last != t->spec_last)
			spec_cancel(t, "the user spoke again");
		return;
	}
	/* Home Assistant's pipeline and a streaming STT hear the speech as
	 * it comes: there is nothing to start early */
	if (t->mode != LM_TAP || !t->d.cfg->speculate_ms || t->ha ||
	    t->d.stt->streaming || !t->ep.started ||
	    quiet * PARLEY_FRAME_MS < t->d.cfg->speculate_ms ||
	    t->d.cfg->speculate_ms >= t->d.cfg->end_silence_ms)
		return;
	if (quiet * PARLEY_FRAME_MS == t->d.cfg->speculate_ms)
		spec_start(t);
}

/*
 * After a wake word the VAD may still hold speech for the word's end (its
 * hangover, and the model's own lag): the endpoint sees silence until the
 * VAD lets go.  Speech that goes on for WAKE_TAIL_FRAMES is the request
 * said in the same breath ("okay nabu, what time is it"): its onset is
 * dated back to the detection, so none of it is lost.
 */
#define WAKE_TAIL_FRAMES 30

static const struct vad_result *wake_masked(struct turn *t,
					    const struct vad_result *v,
					    struct vad_result *masked)
{
	if (!t->wake_tail)
		return v;
	if (!v->speech) {
		t->wake_tail = 0;
		return v;
	}
	*masked = *v;
	if (t->wake_tail >= WAKE_TAIL_FRAMES) {
		masked->onset = masked->raw = 1;
		masked->onset_back = t->wake_tail;
		t->wake_tail = 0;
		LOGI("turn", "the request follows the wake word without a pause");
		return masked;
	}
	t->wake_tail++;
	masked->speech = masked->raw = masked->onset = 0;
	return masked;
}

static void listen_frame(struct turn *t, const struct cap_frame *f)
{
	enum endpoint_event ev;
	struct vad_result masked;

	if ((size_t)(t->utt_frames + 1) * PARLEY_FRAME <= PARLEY_UTT_MAX_SAMPLES) {
		memcpy(t->utt + (size_t)t->utt_frames * PARLEY_FRAME, f->pcm,
		       sizeof(f->pcm));
		t->utt_frames++;
	}
	ev = endpoint_feed(&t->ep, wake_masked(t, &f->vad, &masked));
	if (t->ha) {
		turn_ha_frame(t, f);
	} else if (t->ep.started && !t->d.stt->streaming) {
		/* speech began: a streaming backend gets it from the pre-roll
		 * on, and the rest as the user talks */
		int32_t b = t->ep.first - t->ep.cfg.preroll_frames +
			    t->pre_frames;

		if (b < 0)
			b = 0;
		stt_begin(t->d.stt, t->utt + (size_t)b * PARLEY_FRAME,
			  (size_t)(t->utt_frames - b) * PARLEY_FRAME);
	} else if (t->ep.started) {
		stt_audio(t->d.stt, f->pcm, PARLEY_FRAME);
	}
	if (ev == EP_CONTINUE)
		speculate(t);
	if (t->state != TS_LISTENING)
		return; /* committed early */
	if (ev == EP_END_MAX) {
		end_listening(t, "maximum length");
	} else if (t->mode == LM_TAP && ev == EP_END_SILENCE) {
		end_listening(t, "silence after speech");
	} else if (t->mode == LM_TAP && ev == EP_END_NO_SPEECH) {
		if (t->follow_up) { /* the window closed: back to idle */
			stt_abort(t->d.stt);
			LOGI("turn", "follow-up window closed");
			t->recording = 0;
			turn_set_state(t, TS_IDLE);
			return;
		}
		end_listening(t, "no speech");
	}
}

/* ---- inputs ---- */

void turn_init(struct turn *t, const struct turn_deps *deps)
{
	memset(t, 0, sizeof(*t));
	t->d = *deps;
	t->state = TS_IDLE;
	t->quiet_frames = UINT32_MAX; /* nothing has played yet */
	stt_listen(t->d.stt, &stt_events, t);
	tts_on_fallback(t->d.tts, turn_tts_fallback, t);
	turn_ha_init(t);
}

static void barge_in(struct turn *t)
{
	LOGI("turn", "barge-in while %s", state_names[t->state]);
	turn_stage(t, ST_BARGE_IN);
	if (t->recording && !strcmp(t->rec.outcome, "ok"))
		snprintf(t->rec.outcome, sizeof(t->rec.outcome), "barge-in");
	/* turn_stop_output keeps what the user heard, not what was sent */
	turn_stop_output(t);
	turn_end_record(t);
}

void turn_talk_press(struct turn *t, uint64_t time_ms)
{
	if (t->muted) {
		LOGI("turn", "muted: the press is ignored");
		return;
	}
	satellite_wake(t->d.sat, NULL); /* a press: no wake word */
	switch (t->state) {
	case TS_IDLE:
		turn_start_listening(t, time_ms);
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
		turn_start_listening(t, time_ms);
		break;
	}
}

/* Near-end voice over the speaker's output in the last 640 ms: at least
 * this many frames stood over the echo's residue (barge_in.h). */
#define WAKE_VOICE_FRAMES 10

int turn_voice_over_output(const struct turn *t)
{
	return t->quiet_frames >= 64 ||
	       __builtin_popcountll(t->wake_voice.over_bits) >= WAKE_VOICE_FRAMES;
}

enum turn_wake_result turn_wake(struct turn *t, const char *word,
			       uint64_t stamp)
{
	if (t->muted)
		return TW_IGNORED;
	if (t->state == TS_LISTENING && (!t->follow_up || t->ep.started))
		return TW_IGNORED; /* the microphone is open already */
	/*
	 * While the speaker plays (an answer, a notice, a timer's ring), the
	 * models hear what is left of its echo too: a wake word then counts
	 * only with a voice in the room over that residue.
	 */
	if (!turn_voice_over_output(t))
		return TW_OWN_OUTPUT;
	if (t->state == TS_LISTENING) { /* the follow-up window: anew */
		stt_abort(t->d.stt);
		t->recording = 0;
		turn_set_state(t, TS_IDLE);
	} else if (t->state != TS_IDLE) {
		barge_in(t);
	}
	satellite_wake(t->d.sat, word);
	t->wake_tail = 1;
	t->wake_lag = stamp < t->frames_seen ? (int)(t->frames_seen - stamp - 1) : 0;
	turn_start_listening(t, loop_now_ms());
	if (t->state != TS_LISTENING) {
		t->wake_tail = 0;
		return TW_IGNORED; /* Home Assistant is away, and that was said */
	}
	snprintf(t->rec.source, sizeof(t->rec.source), "%s",
		 t->ha ? "ha-wake" : "wake");
	t->mode = LM_TAP; /* no button is held: the VAD ends it */
	return TW_LISTENING;
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
		stt_abort(t->d.stt);
	} else {
		turn_stage(t, ST_BARGE_IN);
		if (t->recording && !strcmp(t->rec.outcome, "ok"))
			snprintf(t->rec.outcome, sizeof(t->rec.outcome),
				 "cancelled");
		turn_stop_output(t);
		turn_end_record(t);
	}
	turn_set_state(t, TS_IDLE);
}

static void notice(struct turn *t, const char *text)
{
	LOGI("turn", "saying: %s", text);
	t->recording = 0;
	t->stream_done = 1;
	if (turn_queue_sentence(t, text))
		turn_set_state(t, TS_SPEAKING);
}

void turn_new_conversation(struct turn *t)
{
	turn_cancel(t);
	t->force_new_conversation = 1;
	notice(t, phrase(t->d.cfg, PH_NEW_CONVERSATION));
}

void turn_mute(struct turn *t, int on)
{
	turn_cancel(t);
	t->muted = !!on;
	LOGN("turn", "microphone %s", on ? "muted" : "unmuted");
	notice(t, phrase(t->d.cfg, on ? PH_MIC_OFF : PH_MIC_ON));
}

int turn_heard_speech(const struct turn *t)
{
	return t->state == TS_LISTENING && t->ep.started;
}

int turn_busy(const struct turn *t)
{
	return t->state != TS_IDLE;
}

/* A capture frame as the barge-in detector sees it (barge_in.h). */
static struct barge_in_frame barge_frame(const struct turn *t,
					 const struct cap_frame *f)
{
	return (struct barge_in_frame){
		.index = t->frames_seen,
		.erle_q8 = engine_erle_q8(t->d.eng),
		.level_q8 = f->vad.level_q8,
		.mic_in_q8 = f->mic_in_q8,
		.speech = f->vad.speech,
		.onset = f->vad.onset,
		.onset_back = f->vad.onset_back,
	};
}

/* Speech over the answer interrupts it (barge_in.h) when barge_in.voice
 * is on and the canceller takes the answer out of the microphone. */
static int voice_barge_in(struct turn *t, const struct cap_frame *f)
{
	const struct parley_config *cfg = t->d.cfg;
	struct barge_in_frame bf = barge_frame(t, f);
	uint64_t from;

	if (!cfg->barge_in_voice || engine_aec(t->d.eng) == CHAIN_AEC_OFF ||
	    t->state != TS_SPEAKING || !t->recording || t->muted) {
		barge_in_reset(&t->barge);
		return 0;
	}
	if (!barge_in_feed(&t->barge, &bf,
			   cfg->barge_in_min_speech_ms / PARLEY_FRAME_MS))
		return 0;
	LOGI("turn", "voice barge-in: %d ms of speech over the answer "
		     "(echo cancelled by %.1f dB)",
	     (int)(t->frames_seen - t->barge.first) * PARLEY_FRAME_MS,
	     t->barge.erle_hold / 256.0);
	/* keep the speech from where the VAD dates its onset */
	from = t->speech_from < t->barge.first ? t->speech_from :
						 t->barge.first;
	t->voice_pre = (int)(t->frames_seen - from) + 1;
	barge_in(t);
	turn_start_listening(t, loop_now_ms());
	t->mode = LM_TAP; /* no button is held: the VAD ends it */
	return 1;
}

void turn_frame(struct turn *t, const struct cap_frame *f)
{
	int16_t *keep = t->recent[t->frames_seen % PARLEY_RECENT_FRAMES];

	/* muted: nothing of the room is kept, not even for a later pre-roll */
	if (t->muted)
		memset(keep, 0, sizeof(f->pcm));
	else
		memcpy(keep, f->pcm, sizeof(f->pcm));
	t->frames_seen++;
	if (f->vad.onset && !t->muted)
		t->speech_from = (uint64_t)f->vad.onset_back < t->frames_seen ?
					 t->frames_seen - (uint64_t)f->vad.onset_back :
					 1;
	/* is there a voice over the speaker's output? (turn_wake) */
	if (f->played) {
		struct barge_in_frame bf = barge_frame(t, f);

		if (t->quiet_frames > 64)
			barge_in_reset(&t->wake_voice);
		t->quiet_frames = 0;
		barge_in_feed(&t->wake_voice, &bf, INT32_MAX);
	} else if (t->quiet_frames < UINT32_MAX) {
		t->quiet_frames++;
	}
	switch (t->state) {
	case TS_LISTENING:
		listen_frame(t, f);
		break;
	case TS_THINKING:
	case TS_SPEAKING:
		if (f->played) {
			turn_stage(t, ST_FIRST_AUDIO);
			turn_set_state(t, TS_SPEAKING);
		}
		if (!t->muted && voice_barge_in(t, f))
			break;
		turn_maybe_finish(t);
		break;
	default:
		break;
	}
}

void turn_synth_done(struct turn *t, uint32_t id, uint32_t samples,
		     int cancelled, int error)
{
	if (!cancelled)
		spoken_done(&t->said, id, samples);
	if (id < t->live_from)
		return; /* queued before the last flush */
	if (error)
		LOGE("turn", "local speech synthesis failed for a sentence");
	if (cancelled)
		return; /* counted off by the flush */
	if (t->jobs)
		t->jobs--;
	if (t->backlog_len)
		turn_drain_backlog(t);
	turn_maybe_finish(t);
}

void turn_local_transcript(struct turn *t, const char *text)
{
	if (!t->local_stt || t->state != TS_TRANSCRIBING)
		return; /* cancelled meanwhile */
	t->local_stt = 0;
	turn_stage(t, ST_STT_DONE);
	if (!text[0]) {
		char why[sizeof(t->rec.error)];

		memcpy(why, t->rec.error, sizeof(why)); /* set_error rewrites it */
		turn_speak_error(t, phrase(t->d.cfg, PH_STT_UNREACHABLE), why);
		return;
	}
	LOGI("turn", "offline recogniser heard a command");
	LOGD("turn", "offline transcript: %s", text);
	console_event("transcript %s", text);
	snprintf(t->rec.transcript, sizeof(t->rec.transcript), "%s", text);
	turn_start_llm(t);
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
	console_event("transcript %s", text);
	turn_start_llm(t);
	return 0;
}

int turn_say(struct turn *t, const char *text, char *why, size_t whylen)
{
	if (busy(t, why, whylen))
		return -EBUSY;
	t->recording = 0;
	t->stream_done = 1;
	t->jobs = 0;
	if (!turn_queue_sentence(t, text)) {
		snprintf(why, whylen, "speech queue full");
		return -ENOSPC;
	}
	turn_set_state(t, TS_SPEAKING);
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
	if (!synth_tone(t->d.synth, hz, ms)) {
		snprintf(why, whylen, "playback queue full");
		return -ENOSPC;
	}
	t->jobs = 1;
	turn_set_state(t, TS_SPEAKING);
	return 0;
}

void turn_abort(struct turn *t)
{
	if (t->state != TS_IDLE && t->state != TS_LISTENING)
		barge_in(t);
	turn_set_state(t, TS_IDLE);
}
