/* SPDX-License-Identifier: MIT */
/*
 * Between turn.c (the states, the record, listening, the inputs) and
 * turn_answer.c (the answer: model, sentences, tools, errors spoken):
 * nothing else includes this.
 */
#ifndef PARLEY_APP_TURN_IMPL_H
#define PARLEY_APP_TURN_IMPL_H

#include "turn.h"

/* turn.c */
void turn_set_state(struct turn *t, enum turn_state s);
/* Stamps stage st of the turn being recorded, once. */
void turn_stage(struct turn *t, enum stage st);
/* Stores the turn being recorded, if any. */
void turn_end_record(struct turn *t);
void turn_set_error(struct turn *t, const char *detail);
void turn_start_listening(struct turn *t, uint64_t time_ms);
/* Listening is over: speech end stamped, TRANSCRIBING. */
void turn_listening_over(struct turn *t);

/* The model failed while the turn was still speculative: dropped
 * quietly; the commit asks again and says what is wrong. */
void turn_spec_failed(struct turn *t, const char *why);

/* turn_answer.c */
/* Empties the answer: text, sentences held, chunker (begin_record's part
 * for a new answer). */
void turn_answer_reset(struct turn *t);
/* The speculative answer is the turn's now: what was held is spoken, and
 * a reply that ended while held is finished (its tools run). */
void turn_answer_commit(struct turn *t);
/* Drops every queued sentence and all queued playback. */
void turn_stop_output(struct turn *t);
/* Queues a sentence for the answer's voice (remote) or the local one;
 * returns its synth id, or 0 if the queue is full. */
uint32_t turn_queue_speech(struct turn *t, const char *text, int remote);
uint32_t turn_queue_sentence(struct turn *t, const char *text);
/* Says what went wrong with local TTS, drops the rest, ends the turn
 * when it has been spoken. */
void turn_speak_error(struct turn *t, const char *spoken, const char *detail);
/* The stored answer becomes what was played (spoken.h). */
void turn_trim_to_played(struct turn *t);
/* A remote sentence failed (tts_fallback_fn): recorded in the turn. */
void turn_tts_fallback(void *ctx, uint32_t id, int local, const char *why);
/* Room in the speech queue: waiting sentences go on, then the model. */
void turn_drain_backlog(struct turn *t);
/* Ends the turn when all is said and played (and opens the follow-up
 * window). */
void turn_maybe_finish(struct turn *t);
/* Sends the transcript to the model. */
void turn_start_llm(struct turn *t);

/* turn_satellite.c: turns that go to Home Assistant's pipeline */
/* Who hears the satellite's events: the turn. */
void turn_ha_init(struct turn *t);
/* Listening starts: 1 if it goes to Home Assistant; -1 if it must not
 * start (Home Assistant is away and satellite.away says so: said). */
int turn_ha_decide(struct turn *t);
/* A frame while listening: streamed to Home Assistant. */
void turn_ha_frame(struct turn *t, const struct cap_frame *f);
/* Listening ends here (our endpoint, or Home Assistant's). */
void turn_ha_end_listening(struct turn *t, const char *why);
/* The turn is over for Home Assistant (played, cut or failed). */
void turn_ha_over(struct turn *t);

#endif
