/* SPDX-License-Identifier: MIT */
/*
 * One conversational turn, as a state machine driven from the control loop.
 *
 *   state         event                   next          action
 *   IDLE          button press            LISTENING     pre-roll kept, LED on
 *   IDLE          ask TEXT                THINKING      chat request
 *   IDLE          say TEXT                SPEAKING      local TTS
 *   LISTENING     release < tap_ms        LISTENING     now ended by the VAD
 *   LISTENING     release >= tap_ms       TRANSCRIBING  utterance to STT
 *   LISTENING     VAD end (tap), max len  TRANSCRIBING  utterance to STT
 *   LISTENING     press (tap mode)        TRANSCRIBING  utterance to STT
 *   LISTENING     no speech               SPEAKING      "I didn't hear..."
 *   TRANSCRIBING  transcript              THINKING      chat request
 *   TRANSCRIBING  STT unreachable, an     TRANSCRIBING  utterance decoded on
 *                 offline recogniser                    the speaker (sphinx.h)
 *   THINKING      sentence complete       THINKING      queued to TTS
 *   THINKING      first audio written     SPEAKING
 *   THINKING      reply with tool calls   THINKING      tools run, results sent
 *                                                       back, the next reply
 *   SPEAKING      stream done, all played IDLE          turn stored
 *   THINKING      model unreachable and   SPEAKING      the offline grammar
 *                 the text is a command                 answers (grammar.h)
 *   any peer      error                   SPEAKING      error spoken, stored
 *   TRANSCRIBING,
 *   THINKING,
 *   SPEAKING      button press (barge-in) LISTENING     abort, flush, store
 *   SPEAKING      speech over the answer  LISTENING     as a press, when
 *                 (barge_in.voice)                      the canceller is on
 *
 * With Home Assistant running the satellite (satellite.h), a turn goes to
 * its pipeline instead (turn_satellite.c): LISTENING streams the
 * microphone to it; its VAD (voice-stopped), its transcript or our
 * endpoint ends that (TRANSCRIBING); its transcript is THINKING; its
 * answer's audio plays (SPEAKING) and `played` goes back at IDLE.
 */
#ifndef PARLEY_APP_TURN_H
#define PARLEY_APP_TURN_H

#include <stdint.h>

#include "../dsp/endpoint.h"
#include "../dsp/sizes.h"
#include "../hal/audio_engine.h"
#include "barge_in.h"
#include "chunker.h"
#include "config.h"
#include "device.h"
#include "llm_stream.h"
#include "request.h"
#include "satellite.h"
#include "speech_text.h"
#include "spoken.h"
#include "store.h"
#include "stt.h"
#include "synth.h"
#include "tts.h"

enum turn_state {
	TS_IDLE,
	TS_LISTENING,
	TS_TRANSCRIBING,
	TS_THINKING,
	TS_SPEAKING,
};

enum listen_mode { LM_UNDECIDED, LM_TAP, LM_HOLD };

/*
 * What a turn works with, given at turn_init by the wiring (main.c), and
 * what it reports.  The backends are the interfaces (stt.h, tts.h,
 * llm_stream.h): the turn never knows which one is chosen.
 */
struct turn_deps {
	const struct parley_config *cfg;
	struct audio_engine *eng; /* earcons, played samples, the ERLE */
	struct store *store;
	struct synth *synth; /* local speech: notices and errors */
	struct tts *tts; /* the answer's speech */
	struct stt *stt;
	struct llm_stream *llm;
	struct device *dev; /* tools and offline answers */
	const char *token; /* the LLM bearer token, "" for none */
	struct satellite *sat; /* Home Assistant's pipeline; NULL: none */
	/* the state changed (LED, service status); failed: the turn that
	 * just ended was an error.  NULL: nothing to tell. */
	void (*on_state)(void *ctx, enum turn_state s, int muted, int failed);
	void *ctx;
};

struct turn {
	struct turn_deps d;
	enum turn_state state;

	/* listening */
	enum listen_mode mode;
	uint64_t press_ms;
	struct endpoint ep;
	uint64_t speech_from; /* frame where the VAD dates its last onset */
	struct barge_in barge;
	int voice_pre; /* pre-roll frames for a voice barge-in, 0 if none */
	int16_t recent[PARLEY_RECENT_FRAMES][PARLEY_FRAME]; /* last capture */
	uint64_t frames_seen; /* capture frames handled */
	int32_t pre_frames; /* pre-roll frames at the start of utt */
	int32_t utt_frames;
	int16_t utt[PARLEY_UTT_MAX_SAMPLES];
	int32_t span_begin, span_end; /* the utterance's speech, in frames */
	int local_stt; /* the offline recogniser is decoding it (sphinx.h) */
	int follow_up; /* this listening is the follow-up window */
	/*
	 * A wake word opened the microphone (turn_wake): the end of the word
	 * itself is not speech of the utterance.  wake_tail counts the frames
	 * of it masked, 0 when none is; wake_voice watches for a voice over
	 * the speaker's own output while it plays, which a wake word heard
	 * then needs.
	 */
	int wake_tail;
	int wake_lag; /* frames heard since the detection's, for the pre-roll */
	struct barge_in wake_voice;
	uint32_t quiet_frames; /* frames since the speaker last played */
	/*
	 * Speculative end of turn (endpoint.speculate_ms): at a short pause
	 * the utterance goes to STT, and its transcript to the model, while
	 * listening goes on; nothing is spoken until the turn commits.
	 */
	enum { SPEC_NONE, SPEC_STT, SPEC_LLM, SPEC_FAILED } spec;
	int spec_err; /* SPEC_FAILED: the enum peer_error, why in transcript */
	int32_t spec_last; /* the endpointer's last speech frame then */
	int spec_hold; /* answer sentences wait in the backlog */
	int spec_done; /* the reply ended while held: finished at the commit */
	uint32_t spec_started, spec_cancelled; /* since start, for status */

	/* the turn being recorded */
	int recording;
	uint64_t t0_ms;
	struct turn_record rec;
	size_t answer_len;
	int force_new_conversation;
	int muted;

	/* answering */
	struct speech_text speech; /* markdown, links, emoji out */
	struct chunker chunker;
	unsigned jobs; /* sentences queued and not finished */
	uint32_t live_from; /* synth ids below this were flushed */
	int stream_done; /* no more text is coming */
	unsigned sentences;
	char spoken[PARLEY_SENTENCE_MAX];
	struct spoken said; /* to store only what was played */
	int answer_fixed; /* rec.answer holds what was said; leave it */
	/*
	 * Sentences the speech queue had no room for, oldest first, each
	 * NUL-terminated and led by its voice ('r' the answer's, 'l' the
	 * local one).  While any wait, the model's reply is paused; the
	 * answer cap bounds what can wait.
	 */
	char backlog[PARLEY_ANSWER_MAX + PARLEY_SENTENCE_MAX + 2];
	size_t backlog_len;
	size_t accepted; /* bytes of answer sentences taken for speech */
	int capped; /* the answer reached llm.answer_max_chars */
	size_t round_start; /* answer_len when the reply began */
	struct request req;

	/* Home Assistant's pipeline (turn_satellite.c) */
	int ha; /* this turn goes to it */
	int ha_timer; /* its next event is due by then */
	uint32_t ha_play; /* synth job of its answer's audio, 0: none */
	int ha_odd; /* a byte of a sample carried over */
	uint8_t ha_carry;
	char ha_text[PARLEY_SENTENCE_MAX]; /* its answer, for the fallback */
};

const char *turn_state_name(enum turn_state s);
void turn_init(struct turn *t, const struct turn_deps *deps);
/* Talking, from the button gestures (button.c). */
void turn_talk_press(struct turn *t, uint64_t time_ms);
/* hold: the utterance ends now; otherwise it ends at the VAD endpoint. */
/* What a wake word became (turn_wake). */
enum turn_wake_result {
	TW_LISTENING, /* the microphone is open for the request */
	TW_OWN_OUTPUT, /* the speaker was talking, with no voice over its
			* echo: its own voice, ignored */
	TW_IGNORED, /* muted, or already listening */
};

/*
 * A wake word was detected in the frame just handled: like a tap, but
 * the utterance starts after the word.  word is the model's name, for
 * Home Assistant's pipeline (satellite.h); stamp is frames_seen when the
 * frame the word ended in came (the detector runs behind the turn: the
 * frames since are kept).
 */
enum turn_wake_result turn_wake(struct turn *t, const char *word,
			       uint64_t stamp);

/* 1 when nothing has played for 640 ms, or a voice stood over the echo
 * of what played (a wake word heard now is a person's, not the
 * speaker's). */
int turn_voice_over_output(const struct turn *t);

void turn_talk_release(struct turn *t, uint64_t time_ms, int hold);
/* Drops what is being heard or said, without storing a listen. */
void turn_cancel(struct turn *t);
/* Cancels, and the next turn starts a new conversation. */
void turn_new_conversation(struct turn *t);
/* Mutes or unmutes the microphone: muted, talk does nothing. */
void turn_mute(struct turn *t, int on);
/* Listening has heard speech (a long press is then a hold). */
int turn_heard_speech(const struct turn *t);
/* 1 while a turn is going on (its speech may share the synth queue). */
int turn_busy(const struct turn *t);
/* Inputs from the loop. */
void turn_frame(struct turn *t, const struct cap_frame *f);
void turn_synth_done(struct turn *t, uint32_t id, uint32_t samples,
		     int cancelled, int error);
/* The offline recogniser's words for the utterance ("" for none). */
void turn_local_transcript(struct turn *t, const char *text);
/* Console requests; 0 or -errno with why filled. */
int turn_ask(struct turn *t, const char *text, char *why, size_t whylen);
int turn_say(struct turn *t, const char *text, char *why, size_t whylen);
int turn_tone(struct turn *t, unsigned hz, unsigned ms, char *why,
	      size_t whylen);
/* Stops whatever is going on (shutdown). */
void turn_abort(struct turn *t);

#endif
