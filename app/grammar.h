/* SPDX-License-Identifier: MIT */
/*
 * The offline grammar: a few fixed commands recognised in a transcript
 * when the language model cannot be reached, answered on the speaker.
 *
 *   set a timer for N minutes|seconds|hours   (N in digits or words:
 *   "two", "twenty five", "a", "an", "one and a half" is not supported)
 *   stop | stop the timer | stop the alarm | cancel the timer
 *   what time is it | what's the time
 *   volume up | volume down | louder | quieter
 *
 * and in German (speaker.language "de"):
 *
 *   stell einen Timer auf|für N Minuten|Sekunden|Stunden [ein]
 *   Timer für N Minuten | einen N-Minuten-Timer    (N in digits or words:
 *   "eine", "zwölf", "fünfundzwanzig", "anderthalb", "zweieinhalb",
 *   "eine halbe")
 *   stopp | stopp den Timer | hör auf | Timer aus | sei still
 *   wie spät ist es | wie viel Uhr ist es
 *   lauter | leiser | mach lauter | Lautstärke hoch | Lautstärke runter
 *
 * Matching ignores case, punctuation and filler words ("please", "hey",
 * "bitte", "mal"); ä, ö, ü and ß match ae, oe, ue and ss.
 */
#ifndef PARLEY_APP_GRAMMAR_H
#define PARLEY_APP_GRAMMAR_H

#include <stddef.h>

enum grammar_cmd {
	GR_NONE,
	GR_TIMER, /* seconds set */
	GR_STOP,
	GR_TIME,
	GR_VOLUME_UP,
	GR_VOLUME_DOWN,
};

#define GRAMMAR_TIMER_MAX_S (24 * 3600)

struct grammar_match {
	enum grammar_cmd cmd;
	long seconds; /* GR_TIMER: 1 .. GRAMMAR_TIMER_MAX_S */
};

/*
 * Recognises text (any bytes, len bounded by the caller) in the language
 * lang (lang.h's code; one the grammar has no commands for is read as
 * English); returns m->cmd.
 */
enum grammar_cmd grammar_match_lang(const char *lang, const char *text,
				    size_t len, struct grammar_match *m);
/* The same in English. */
enum grammar_cmd grammar_match(const char *text, size_t len,
			       struct grammar_match *m);
const char *grammar_cmd_name(enum grammar_cmd c);

#endif
