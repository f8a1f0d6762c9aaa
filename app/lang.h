/* SPDX-License-Identifier: MIT */
/*
 * The languages the speaker speaks (speaker.language): one table each,
 * so a third language is a matter of adding a table in lang.c.
 */
#ifndef PARLEY_APP_LANG_H
#define PARLEY_APP_LANG_H

#include <stddef.h>

struct config_key;

struct lang {
	const char *code; /* ISO 639-1, the value of speaker.language */
	const char *name; /* in its own words, for messages */
	const char *voice; /* espeak-ng's voice for it */
	const char *system_prompt; /* the model's instructions, in it */
};

struct parley_config;

/* NULL-terminated, in the order the settings list them. */
extern const struct lang *const langs[];
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

#endif
