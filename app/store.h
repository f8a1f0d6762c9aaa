/* SPDX-License-Identifier: MIT */
/*
 * The conversation store: one sqlite3 file with conversations and turns.
 * Each turn keeps its transcript, its answer, how it ended and the time of
 * each stage in milliseconds from the start of the turn (-1 = not reached).
 */
#ifndef PARLEY_APP_STORE_H
#define PARLEY_APP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/sizes.h"

enum stage {
	ST_SPEECH_END, /* end of speech (the utterance's last frame) */
	ST_STT_SENT,
	ST_STT_DONE,
	ST_LLM_REQUEST,
	ST_FIRST_TOKEN,
	ST_FIRST_SENTENCE,
	ST_FIRST_AUDIO, /* first answer samples written to the device */
	ST_LAST_AUDIO,
	ST_BARGE_IN,
	ST_COUNT
};

extern const char *const stage_names[ST_COUNT];

struct turn_record {
	int64_t conversation;
	int64_t started_unix_ms;
	char source[8]; /* "voice" or "text" */
	char transcript[PARLEY_TRANSCRIPT_MAX];
	char answer[PARLEY_ANSWER_MAX];
	/* "ok", "error", "barge-in", "no-speech", "offline", "truncated"
	 * (cut at the cap or the server's length limit), "tts-fallback"
	 * (a sentence said by the local voice) */
	char outcome[16];
	char error[512];
	int32_t stage_ms[ST_COUNT];
};

struct store;

/*
 * Opens (creating) the file.  A damaged file is moved aside under a new
 * name and a fresh store made; a file that is locked for too long, or a
 * disk that is full or read-only, gives a store that keeps its rows in
 * memory (store_describe) until store_retry() can write them to the disk.
 * NULL, with err saying why, for a path that cannot be a store (a
 * directory, a missing directory) or no memory.
 */
struct store *store_open(const char *path, char *err, size_t errlen);
/* Marks the disk store closed cleanly (the next open skips quick_check);
 * from memory, tries the disk a last time and logs what is lost. */
void store_close(struct store *s);

/* How often the daemon should call store_retry() (the loop's timer). */
#define STORE_RETRY_MS 15000
/*
 * While the store is in memory: tries the disk again, without waiting
 * long for a lock (it runs on the control loop), and copies onto it what
 * was gathered in memory.  0 when on the disk (now or already), -EAGAIN
 * while still in memory.
 */
int store_retry(struct store *s);
/* The one line for status: "disk PATH; lost writes N", or "MEMORY for N s,
 * retried every N s: WHY; held writes N; lost writes N".  Lost writes are
 * those that reached no store at all.  Returns snprintf's count. */
int store_describe(const struct store *s, char *buf, size_t len);
/* 1 while the move to memory is still to be said aloud (once; the words
 * are the speaker's phrase PH_STORE_IN_MEMORY, lang.h, in its language); the
 * daemon calls store_notice_said() when it has been said. */
int store_notice(const struct store *s);
void store_notice_said(struct store *s);
/* The conversation to use now: the latest, unless idle longer than
 * idle_s or force_new; then a new one.  Returns its id, or -1. */
int64_t store_conversation(struct store *s, int idle_s, int force_new);
/* The newest conversation's id, or -1 if there is none. */
int64_t store_conversation_latest(struct store *s);
/* Saves a finished turn; returns its id, or -1. */
int64_t store_add_turn(struct store *s, const struct turn_record *t);
/*
 * Earlier turns of a conversation, newest first, while their text fits
 * into budget characters; cb is called oldest first.  Returns the number
 * of turns given, or -1.
 */
int store_history(struct store *s, int64_t conversation, int budget,
		  void (*cb)(const char *user, const char *assistant,
			     void *ctx),
		  void *ctx);
/* The last n turns, newest first. */
struct turn_summary {
	int64_t id, conversation, started_unix_ms;
	const char *source, *transcript, *answer, *outcome, *error;
	int first_audio_ms; /* -1 if none */
};
int store_recent(struct store *s, int n,
		 void (*cb)(const struct turn_summary *t, void *ctx),
		 void *ctx);
/* A stage's times over the last n turns that reached it; returns count. */
int store_stage_times(struct store *s, enum stage st, int n, int *out);
/* Bytes sqlite holds now and at most. */
long long store_heap_used(void);
long long store_heap_high_water(void);
/* Retention: drops turns beyond max_turns and older than max_days (0 =
 * no limit), and conversations left empty, at most a batch of turns a
 * call (the next calls take the rest).  Returns turns dropped. */
int store_prune(struct store *s, int max_turns, int max_days);
/* Turns stored in all. */
int64_t store_turn_count(struct store *s);

/*
 * Timers and alarms (app/timers.c): kind 0 is a timer, 1 an alarm; due is
 * wall-clock milliseconds.  A row stays until its ringing is stopped, so a
 * restart brings back what was pending or ringing.
 */
int64_t store_timer_add(struct store *s, int kind, const char *label,
			int64_t due_unix_ms);
int store_timer_delete(struct store *s, int64_t id);
/* Every timer, soonest first; returns the count, or -1. */
int store_timers(struct store *s,
		 void (*cb)(int64_t id, int kind, const char *label,
			    int64_t due_unix_ms, void *ctx),
		 void *ctx);

/*
 * Remembered facts.  store_fact_add: 0 added, 1 already known, -ENOSPC
 * when PARLEY_FACTS_MAX are kept, -EIO on a store error.
 */
int store_fact_add(struct store *s, const char *text);
/* Forgets facts that contain text (case-insensitive); returns how many. */
int store_fact_forget(struct store *s, const char *text);
/* Facts containing query (NULL or "" for all), newest first; count or -1. */
int store_facts(struct store *s, const char *query,
		void (*cb)(const char *fact, void *ctx), void *ctx);

#endif
