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
 * Matching ignores case, punctuation and filler words ("please", "hey").
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

/* Recognises text (any bytes, len bounded by the caller); returns cmd. */
enum grammar_cmd grammar_match(const char *text, size_t len,
			       struct grammar_match *m);
const char *grammar_cmd_name(enum grammar_cmd c);

#endif
