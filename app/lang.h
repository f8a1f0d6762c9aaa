/* SPDX-License-Identifier: MIT */
/*
 * The languages the speaker speaks (speaker.language): one table each.
 * Everything the speaker says by itself (errors, confirmations, timer
 * announcements, the offline answers) is a phrase of the table, so the
 * voice never mixes two languages in one sentence.
 *
 * A third language is a matter of adding tables:
 *   1. in lang.c, a phrase table (one string per enum phrase, written as
 *      a native speaker would say it, with the printf conversions
 *      lang_phrase_args names, in that order) and a struct lang pointing
 *      at it; add the
 *      struct to langs[];
 *   2. in grammar.c, its offline commands (a struct grammar_lang); without
 *      them the offline commands are understood in English;
 *   3. check espeak-ng has its voice (espeak-ng --voices).
 * tests/unit/test_lang.c then checks the new table is complete.
 */
#ifndef PARLEY_APP_LANG_H
#define PARLEY_APP_LANG_H

#include <stddef.h>

struct config_key;

/*
 * What the speaker says by itself.  The comment after each id gives its
 * arguments, in order, as lang_phrase_args spells them: s a string, d an
 * int, ld a long; none if there is none.
 */
enum phrase {
	PH_DIDNT_CATCH, /* the transcript was empty */
	PH_STT_UNREACHABLE,
	PH_STT_TIMEOUT,
	PH_STT_FAILED,
	PH_NO_SPEECH, /* the microphone heard no speech */
	PH_NEW_CONVERSATION,
	PH_MIC_OFF,
	PH_MIC_ON,
	PH_CUT_BEFORE_FIRST, /* the answer was cut before a whole sentence */
	PH_CAPPED, /* llm.answer_max_chars ended it */
	PH_CUT_BY_SERVER, /* the server's length limit ended it */
	PH_TOOLS_DONE, /* the tools ran and the model said nothing */
	PH_LLM_EMPTY,
	PH_LLM_UNREACHABLE,
	PH_LLM_MODEL_MISSING, /* s: the model's name */
	PH_LLM_TIMEOUT,
	PH_LLM_ERROR,
	PH_TOOL_ROUNDS,
	PH_TOOL_SEND,
	PH_QUESTION_SEND,
	PH_STORE_IN_MEMORY, /* the store runs in memory (store_tick) */
	PH_TIMER_SET, /* s: the duration (lang_duration) */
	PH_TIMER_FULL, /* d: how many timers there may be */
	PH_TIMER_UNSAVED, /* the store refused the timer */
	PH_TIMER_FAILED, /* any other reason */
	PH_STOPPED,
	PH_NOTHING_RINGING,
	PH_TIME, /* d d: the hour (0..23) and the minute (1..59) */
	PH_TIME_HOUR, /* d: the hour (0..23), at minute 0 */
	PH_VOLUME, /* d: percent */
	PH_VOLUME_FAILED,
	PH_TIMER_RINGS, /* s: the timer's label */
	PH_ALARM_RINGS, /* s: the alarm's label (its time) */
	PH_HOUR, /* ld: 1 */
	PH_HOURS, /* ld: the count */
	PH_MINUTE, /* ld: 1 */
	PH_MINUTES, /* ld: the count */
	PH_SECOND, /* ld: 1 */
	PH_SECONDS, /* ld: the count */
	PH_AND, /* s s: two parts of a duration, joined */
	PH_HA_UNREACHABLE, /* satellite.away = say, Home Assistant not there */
	PH_HA_LOST, /* Home Assistant went away during a turn */
	PH_HA_TIMEOUT, /* Home Assistant's pipeline did not answer */
	PH_HA_ERROR, /* s: Home Assistant's error text */
	PH_HA_BAD, /* Home Assistant sent what cannot be used */
	PH_WAKE_FAILED, /* the wake word could not be loaded */
	PH_COUNT
};

struct lang {
	const char *code; /* ISO 639-1, the value of speaker.language */
	const char *name; /* in its own words, for messages */
	const char *voice; /* espeak-ng's voice for it */
	const char *system_prompt; /* the model's instructions, in it */
	const char *const *phrases; /* PH_COUNT of them, by enum phrase */
};

struct parley_config;

/* NULL-terminated, in the order the settings list them. */
extern const struct lang *const langs[];
/* Each phrase's arguments ("s", "d", "ld", "dd", "ss" or ""). */
extern const char *const lang_phrase_args[PH_COUNT];
const struct lang *lang_find(const char *code);
/* The language cfg names (English if it names none we have). */
const struct lang *lang_of(const struct parley_config *cfg);
/*
 * What follows speaker.language unless set on its own: the espeak-ng
 * voice (tts.voice), the STT hint (stt.language; "" for none, when it is
 * "auto") and the system prompt (llm.system_prompt).
 */
const char *lang_voice(const struct parley_config *cfg);
const char *lang_stt_hint(const struct parley_config *cfg);
const char *lang_system_prompt(const struct parley_config *cfg);
/* The settings' rule for speaker.language: one of the tables. */
int lang_check(const struct config_key *k, const char *text, char *why,
	       size_t len);

/*
 * A phrase with no arguments, in cfg's language, to say as it is (the
 * tables' phrases without arguments hold no '%').
 */
const char *phrase(const struct parley_config *cfg, enum phrase id);
/*
 * A phrase with its arguments (as its comment above says) into buf, in
 * l's or cfg's language; returns what snprintf returns.  The compiler
 * cannot check these arguments: test_lang.c checks every table against
 * lang_phrase_args, and the callers' tests say each phrase.
 */
int lang_format(const struct lang *l, char *buf, size_t len,
		enum phrase id, ...);
int phrase_format(const struct parley_config *cfg, char *buf, size_t len,
		  enum phrase id, ...);
/* A duration in seconds in words of l ("1 minute 30 seconds"). */
void lang_duration(const struct lang *l, long seconds, char *buf,
		   size_t len);

#endif
