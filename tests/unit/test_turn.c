// SPDX-License-Identifier: MIT
/*
 * Unit tests: the turn state machine (app/turn.c, turn_answer.c) with no
 * daemon.  The STT and LLM backends are fakes through their ops tables
 * (stt.h, llm_stream.h) that record what the turn asked and let the test
 * answer; the local voice is the real synth worker (espeak-ng) over an
 * engine that is set up but never started, whose playback ring the test
 * drains as the audio thread would; the store is a real sqlite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../app/lang.h"
#include "../../app/json_arena.h"
#include "../../app/log.h"
#include "../../app/loop.h"
#include "../../app/turn.h"
#include "unit_util.h"
#include "../../hal/chain.h"

static struct parley_config cfg;
static struct audio_engine eng;
static struct synth synth;
static struct tts tts;
static struct stt stt;
static struct llm_stream llm;
static struct store *store;
static struct timers timers;
static struct device dev;
static struct turn turn;
static char path[64];

/* ---- fakes, and what they saw ---- */

static struct {
	int finishes, aborts;
	size_t samples;
} fstt;

static int fstt_finish(struct stt *s, const int16_t *pcm, size_t n)
{
	(void)s;
	(void)pcm;
	fstt.finishes++;
	fstt.samples = n;
	return 0;
}

static void fstt_abort(struct stt *s)
{
	(void)s;
	fstt.aborts++;
}

static const struct stt_ops fake_stt = {
	.name = "fake",
	.finish = fstt_finish,
	.abort = fstt_abort,
};

static struct {
	int chats, aborts;
	const struct llm_message *msgs;
	int n;
} fllm;

static int fllm_start(struct llm_stream *s, const struct llm_message *msgs,
		      int n)
{
	(void)s;
	fllm.chats++;
	fllm.msgs = msgs;
	fllm.n = n;
	return 0;
}

static void fllm_abort(struct llm_stream *s)
{
	(void)s;
	fllm.aborts++;
}

static const struct llm_proto fake_llm = {
	.name = "fake",
	.end_marker = "the end",
	.start = fllm_start,
	.abort = fllm_abort,
};

static struct {
	enum turn_state last;
	int failed;
} seen;

static void on_state(void *ctx, enum turn_state s, int muted, int failed)
{
	(void)ctx;
	(void)muted;
	if (failed)
		seen.failed++;
	else
		seen.last = s;
}

static int volume_applied = -1;

static void apply_volume(void *ctx, const struct parley_config *c)
{
	(void)ctx;
	volume_applied = c->volume;
}

static const struct config_live live = { .apply = { [CH_VOLUME] =
							    apply_volume } };

/* ---- set-up ---- */

/* espeak-ng starts once a process: the engine and the worker are the
 * group's, the rest is each test's own. */
static int group_setup(void **state)
{
	struct audio_params ap;
	struct engine_options eo;
	struct chain_config cc;
	char err[256];

	(void)state;
	log_open(1, LOG_WARNING);
	loop_init();
	json_arena_install();
	config_defaults(&cfg);
	config_audio_params(&cfg, &ap);
	config_engine_options(&cfg, &eo);
	config_chain(&cfg, &cc);
	if (engine_init(&eng, audio_find("alsa"), &ap, &cc, &eo, err,
			sizeof(err)) ||
	    synth_start(&synth, &eng, lang_voice(&cfg), cfg.tts_rate_wpm,
			(unsigned)cfg.playback_rate, err, sizeof(err))) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	synth_stop(&synth);
	engine_stop(&eng);
	return 0;
}

static uint32_t play_all(void);

static int setup(void **state)
{
	struct synth_done done;
	char err[256];

	(void)state;
	config_defaults(&cfg);
	cfg.follow_up_ms = 0;
	while (synth_poll_done(&synth, &done)) /* the last test's */
		;
	play_all();
	unit_db_path(path, sizeof(path), "turn");
	store = store_open(path, err, sizeof(err));
	assert_non_null(store);
	tts_init(&tts, &synth, &cfg);
	stt_init(&stt, &cfg);
	stt.ops = &fake_stt;
	llm_init(&llm, &cfg);
	llm.proto = &fake_llm;
	struct timers_deps td = { .store = store, .synth = &synth, .cfg = &cfg };

	timers_init(&timers, &td);
	dev = (struct device){ .cfg = &cfg, .live = &live, .timers = &timers,
			       .store = store };
	struct turn_deps d = {
		.cfg = &cfg, .eng = &eng, .store = store, .synth = &synth,
		.tts = &tts, .stt = &stt, .llm = &llm, .dev = &dev,
		.token = "", .on_state = on_state,
	};

	memset(&fstt, 0, sizeof(fstt));
	memset(&fllm, 0, sizeof(fllm));
	memset(&seen, 0, sizeof(seen));
	volume_applied = -1;
	turn_init(&turn, &d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	turn_abort(&turn);
	timers_stop(&timers);
	store_close(store);
	unit_db_remove(path);
	return 0;
}

/* ---- driving it ---- */

/* One capture frame; played: samples the device took this period. */
static void frame(int speech, uint32_t played)
{
	struct cap_frame f;

	memset(&f, 0, sizeof(f));
	f.vad.speech = (uint8_t)speech;
	f.vad.raw = (uint8_t)speech;
	f.vad.level_q8 = speech ? -20 * 256 : -70 * 256;
	f.mic_in_q8 = f.vad.level_q8;
	f.played = played;
	turn_frame(&turn, &f);
}

/* As the audio thread would: plays what is queued; returns how much. */
static uint32_t play_all(void)
{
	static int16_t buf[4096];
	uint32_t n, total = 0;

	while ((n = ring_pop(&eng.play_ring, buf, 4096)) > 0)
		total += n;
	return total;
}

/* Waits for the synth worker's completions and plays the audio, until
 * the turn has no speech left; then one more period ends the turn. */
static void speak_out(void)
{
	struct pollfd pfd = { .fd = synth.done_fd, .events = POLLIN };
	struct synth_done d;
	uint32_t played = 0;

	while (turn.jobs) {
		/* the guard only stops a hang; the wait is for the event */
		assert_true(poll(&pfd, 1, 20000) == 1);
		while (synth_poll_done(&synth, &d))
			turn_synth_done(&turn, d.id, d.samples, d.cancelled,
					d.error);
		played += play_all();
	}
	played += play_all();
	frame(0, played ? played : 1);
}

static void tokens(const char *text)
{
	assert_int_equal(llm_token(&llm, text, strlen(text)), 0);
}

static struct turn_summary last_turn;
static char last_answer[PARLEY_ANSWER_MAX], last_outcome[32],
	last_error[512], last_transcript[PARLEY_TRANSCRIPT_MAX];

static void keep_row(const struct turn_summary *t, void *ctx)
{
	int *rows = ctx;

	if ((*rows)++)
		return; /* the newest comes first */
	last_turn = *t;
	snprintf(last_answer, sizeof(last_answer), "%s", t->answer);
	snprintf(last_outcome, sizeof(last_outcome), "%s", t->outcome);
	snprintf(last_error, sizeof(last_error), "%s", t->error);
	snprintf(last_transcript, sizeof(last_transcript), "%s", t->transcript);
}

static int stored(void)
{
	int rows = 0;

	assert_true(store_recent(store, 100, keep_row, &rows) >= 0);
	return rows;
}

/* ---- the tests ---- */

static void ask_is_answered_sentence_by_sentence_and_stored(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(turn_ask(&turn, "what is up", why, sizeof(why)), 0);
	assert_int_equal(turn.state, TS_THINKING);
	assert_int_equal(seen.last, TS_THINKING);
	assert_int_equal(fllm.chats, 1);
	/* the system prompt first, the question last */
	assert_string_equal(fllm.msgs[0].role, "system");
	assert_string_equal(fllm.msgs[fllm.n - 1].role, "user");
	assert_string_equal(fllm.msgs[fllm.n - 1].content, "what is up");
	tokens("Hello there. How are ");
	/* the first sentence is queued while the second is still coming */
	assert_int_equal(turn.sentences, 1);
	tokens("you today?");
	llm_finish(&llm, PEER_OK, "");
	assert_int_equal(turn.sentences, 2);
	speak_out();
	assert_int_equal(turn.state, TS_IDLE);
	assert_int_equal(seen.last, TS_IDLE);
	assert_int_equal(seen.failed, 0);
	assert_int_equal(stored(), 1);
	assert_string_equal(last_outcome, "ok");
	assert_string_equal(last_transcript, "what is up");
	assert_string_equal(last_answer, "Hello there. How are you today?");
	assert_true(last_turn.first_audio_ms >= 0);

	/* the next turn carries this one as history */
	assert_int_equal(turn_ask(&turn, "and then", why, sizeof(why)), 0);
	assert_int_equal(fllm.chats, 2);
	assert_true(fllm.n >= 4);
	assert_string_equal(fllm.msgs[fllm.n - 3].content, "what is up");
	assert_string_equal(fllm.msgs[fllm.n - 2].role, "assistant");
	assert_string_equal(fllm.msgs[fllm.n - 2].content,
			    "Hello there. How are you today?");
}

static void voice_turn_sends_the_utterance_to_the_stt_backend(void **state)
{
	int pre = cfg.preroll_ms / PARLEY_FRAME_MS, talk = 30, quiet = 50;

	(void)state;
	for (int i = 0; i < quiet; i++)
		frame(0, 0);
	turn_talk_press(&turn, loop_now_ms());
	assert_int_equal(turn.state, TS_LISTENING);
	assert_true(turn_heard_speech(&turn) == 0);
	for (int i = 0; i < talk; i++)
		frame(1, 0);
	assert_true(turn_heard_speech(&turn));
	turn_talk_release(&turn, loop_now_ms(), 1); /* held: ends now */
	assert_int_equal(turn.state, TS_TRANSCRIBING);
	assert_int_equal(fstt.finishes, 1);
	/* the pre-roll before the press and the speech; the tail would run
	 * past what was heard, so the utterance ends where listening did */
	assert_int_equal(fstt.samples, (size_t)(pre + talk) * PARLEY_FRAME);
	stt_done(&stt, PEER_OK, "turn on the light");
	assert_int_equal(turn.state, TS_THINKING);
	assert_string_equal(fllm.msgs[fllm.n - 1].content, "turn on the light");
}

static void stt_failure_is_spoken_and_stored_as_an_error(void **state)
{
	(void)state;
	turn_talk_press(&turn, loop_now_ms());
	for (int i = 0; i < 20; i++)
		frame(1, 0);
	turn_talk_release(&turn, loop_now_ms(), 1);
	assert_int_equal(fstt.finishes, 1);
	stt_done(&stt, PEER_UNREACHABLE, "connection refused");
	assert_int_equal(turn.state, TS_SPEAKING); /* the error is spoken */
	assert_int_equal(fllm.chats, 0);
	speak_out();
	assert_int_equal(turn.state, TS_IDLE);
	assert_int_equal(seen.failed, 1); /* the LED's error flash */
	assert_int_equal(stored(), 1);
	assert_string_equal(last_outcome, "error");
	assert_string_equal(last_error, "connection refused");
}

static void nothing_heard_is_said_and_no_request_goes_out(void **state)
{
	(void)state;
	turn_talk_press(&turn, loop_now_ms());
	for (int i = 0; i < 10; i++)
		frame(0, 0);
	turn_talk_release(&turn, loop_now_ms(), 1);
	assert_int_equal(fstt.finishes, 0);
	assert_int_equal(turn.state, TS_SPEAKING);
	speak_out();
	assert_int_equal(stored(), 1);
	assert_string_equal(last_outcome, "no-speech");
}

static void unreachable_model_answers_offline_commands(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(turn_ask(&turn, "set a timer for 5 minutes", why,
				  sizeof(why)),
			 0);
	llm_finish(&llm, PEER_UNREACHABLE, "connection refused");
	assert_int_equal(timers.n, 1);
	assert_int_equal(timers_left_ms(&timers.t[0]) > 4 * 60 * 1000, 1);
	speak_out();
	assert_int_equal(stored(), 1);
	assert_string_equal(last_outcome, "offline");
	assert_string_equal(last_answer, "Timer set for 5 minutes.");

	/* the volume goes through the settings, as the tool's does */
	cfg.volume = 50;
	assert_int_equal(turn_ask(&turn, "volume up", why, sizeof(why)), 0);
	llm_finish(&llm, PEER_UNREACHABLE, "connection refused");
	assert_int_equal(cfg.volume, 50 + cfg.volume_step);
	assert_int_equal(volume_applied, 50 + cfg.volume_step);
	speak_out();

	/* not a command: the model's absence is said */
	assert_int_equal(turn_ask(&turn, "tell me a story", why, sizeof(why)),
			 0);
	llm_finish(&llm, PEER_UNREACHABLE, "connection refused");
	speak_out();
	stored();
	assert_string_equal(last_outcome, "error");
}

static void a_press_barges_in_and_keeps_what_was_said(void **state)
{
	char why[128];
	int aborts;

	(void)state;
	assert_int_equal(turn_ask(&turn, "talk to me", why, sizeof(why)), 0);
	tokens("First sentence here. Second one is ");
	aborts = fllm.aborts;
	turn_talk_press(&turn, loop_now_ms());
	assert_int_equal(turn.state, TS_LISTENING);
	assert_true(fllm.aborts > aborts); /* the stream was stopped */
	assert_int_equal(stored(), 1);
	assert_string_equal(last_outcome, "barge-in");
	/* nothing was played yet: nothing was heard */
	assert_string_equal(last_answer, "");
	turn_cancel(&turn);
	assert_int_equal(turn.state, TS_IDLE);
	assert_int_equal(stored(), 1); /* a cancelled listen is not a turn */
}

static void tool_calls_run_and_go_back_to_the_model(void **state)
{
	char why[128];
	int n;

	(void)state;
	cfg.volume = 80;
	assert_int_equal(turn_ask(&turn, "quieter please", why, sizeof(why)),
			 0);
	assert_int_equal(llm_tool_text(&llm, "call_1", "set_volume",
				       "{\"percent\": 30}"),
			 0);
	llm_finish(&llm, PEER_OK, "");
	assert_int_equal(cfg.volume, 30);
	assert_int_equal(volume_applied, 30);
	assert_int_equal(fllm.chats, 2);
	n = fllm.n;
	assert_string_equal(fllm.msgs[n - 2].role, "assistant");
	assert_int_equal(fllm.msgs[n - 2].ncalls, 1);
	assert_string_equal(fllm.msgs[n - 2].calls[0].name, "set_volume");
	assert_string_equal(fllm.msgs[n - 1].role, "tool");
	assert_string_equal(fllm.msgs[n - 1].tool_call_id, "call_1");
	assert_string_equal(fllm.msgs[n - 1].content,
			    "Volume set to 30 percent.");
	tokens("Done, it is quieter now.");
	llm_finish(&llm, PEER_OK, "");
	speak_out();
	stored();
	assert_string_equal(last_outcome, "ok");
	assert_string_equal(last_answer, "Done, it is quieter now.");
}

static void mute_ignores_the_button(void **state)
{
	(void)state;
	turn_mute(&turn, 1);
	speak_out(); /* "Microphone off." */
	turn_talk_press(&turn, loop_now_ms());
	assert_int_equal(turn.state, TS_IDLE);
	turn_mute(&turn, 0);
	speak_out();
	turn_talk_press(&turn, loop_now_ms());
	assert_int_equal(turn.state, TS_LISTENING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			ask_is_answered_sentence_by_sentence_and_stored, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			voice_turn_sends_the_utterance_to_the_stt_backend,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			stt_failure_is_spoken_and_stored_as_an_error, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			nothing_heard_is_said_and_no_request_goes_out, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			unreachable_model_answers_offline_commands, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_press_barges_in_and_keeps_what_was_said, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			tool_calls_run_and_go_back_to_the_model, setup,
			teardown),
		cmocka_unit_test_setup_teardown(mute_ignores_the_button, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
