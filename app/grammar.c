// SPDX-License-Identifier: MIT
/*
 * The offline grammar (grammar.h).  The text is cut into lower-case words
 * in a fixed array (letters, digits and apostrophes; anything else
 * separates), filler words are dropped, and the word list is matched
 * against each command's pattern.  Numbers in words are read by a small
 * cardinal parser: units, teens, tens, "hundred", with "and" allowed.
 */
#include "grammar.h"

#include <string.h>

#define MAX_WORDS 24
#define WORD_MAX 16

struct words {
	char w[MAX_WORDS][WORD_MAX];
	int n;
};

static const char *const fillers[] = { "please", "hey", "ok", "okay",
				       "now", "can", "you", "could", "would",
				       "speaker", "parley", NULL };

static int is_filler(const char *w)
{
	for (int i = 0; fillers[i]; i++)
		if (!strcmp(w, fillers[i]))
			return 1;
	return 0;
}

/* Splits text; 0, or -1 when there are too many words to be a command. */
static int split(const char *text, size_t len, struct words *ws)
{
	size_t i = 0;

	ws->n = 0;
	while (i < len) {
		char word[WORD_MAX];
		size_t k = 0, long_word = 0;

		while (i < len) {
			unsigned char c = (unsigned char)text[i];

			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '\'')
				break;
			if (c >= 'A' && c <= 'Z')
				break;
			i++;
		}
		while (i < len) {
			unsigned char c = (unsigned char)text[i];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			else if (!((c >= 'a' && c <= 'z') ||
				   (c >= '0' && c <= '9') || c == '\''))
				break;
			if (k < WORD_MAX - 1)
				word[k++] = (char)c;
			else
				long_word = 1;
			i++;
		}
		if (!k)
			break;
		word[k] = '\0';
		if (long_word)
			return -1; /* no word of the grammar is that long */
		if (is_filler(word))
			continue;
		if (ws->n == MAX_WORDS)
			return -1;
		memcpy(ws->w[ws->n++], word, k + 1);
	}
	return 0;
}

static int eq(const struct words *ws, int i, const char *w)
{
	return i < ws->n && !strcmp(ws->w[i], w);
}

/* The words from i on are exactly the pattern (space-separated). */
static int rest_is(const struct words *ws, int i, const char *pattern)
{
	char buf[96];
	char *save = NULL, *tok;

	strncpy(buf, pattern, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), i++)
		if (!eq(ws, i, tok))
			return 0;
	return i == ws->n;
}

static const char *const units[] = { "zero", "one", "two", "three",
				     "four", "five", "six", "seven",
				     "eight", "nine", "ten", "eleven",
				     "twelve", "thirteen", "fourteen",
				     "fifteen", "sixteen", "seventeen",
				     "eighteen", "nineteen", NULL };
static const char *const tens[] = { "", "", "twenty", "thirty", "forty",
				    "fifty", "sixty", "seventy", "eighty",
				    "ninety", NULL };

static int lookup(const char *const *list, const char *w)
{
	for (int i = 0; list[i]; i++)
		if (list[i][0] && !strcmp(list[i], w))
			return i;
	return -1;
}

/*
 * A number at word *i: digits ("25"), or words ("a", "an", "twenty five",
 * "one hundred and ten").  Advances *i; -1 if there is none or it is
 * larger than 100000.
 */
static long number(const struct words *ws, int *i)
{
	long v = 0, part = 0;
	int got = 0, j = *i;

	if (j >= ws->n)
		return -1;
	if (ws->w[j][0] >= '0' && ws->w[j][0] <= '9') {
		for (const char *c = ws->w[j]; *c; c++) {
			if (*c < '0' || *c > '9' || v > 100000)
				return -1;
			v = v * 10 + (*c - '0');
		}
		*i = j + 1;
		return v > 100000 ? -1 : v;
	}
	if (eq(ws, j, "a") || eq(ws, j, "an")) {
		*i = j + 1;
		return 1;
	}
	while (j < ws->n) {
		int u = lookup(units, ws->w[j]), t = lookup(tens, ws->w[j]);

		if (t >= 0 && part % 100 == 0) {
			part += 10 * t;
		} else if (u >= 0 && (part % 100 == 0 ||
				      (part % 10 == 0 && part % 100 >= 20 &&
				       u > 0 && u < 10))) {
			part += u;
		} else if (eq(ws, j, "hundred") && part > 0 && part < 10) {
			part *= 100;
		} else if (eq(ws, j, "thousand") && part > 0 && !v) {
			v = part * 1000;
			part = 0;
		} else if (eq(ws, j, "and") && got && j + 1 < ws->n &&
			   (lookup(units, ws->w[j + 1]) > 0 ||
			    lookup(tens, ws->w[j + 1]) > 0)) {
			/* "one hundred and ten" */
		} else {
			break;
		}
		got = 1;
		j++;
	}
	if (!got)
		return -1;
	*i = j;
	return v + part;
}

static enum grammar_cmd timer(const struct words *ws, int i,
			      struct grammar_match *m)
{
	static const struct {
		const char *unit;
		long s;
	} scale[] = { { "second", 1 }, { "seconds", 1 }, { "minute", 60 },
		      { "minutes", 60 }, { "hour", 3600 },  { "hours", 3600 } };
	long n = number(ws, &i);

	if (n <= 0)
		return GR_NONE;
	for (size_t k = 0; k < sizeof(scale) / sizeof(scale[0]); k++) {
		if (!eq(ws, i, scale[k].unit))
			continue;
		if (i + 1 != ws->n && !rest_is(ws, i + 1, "timer"))
			return GR_NONE;
		if (n > GRAMMAR_TIMER_MAX_S / scale[k].s)
			return GR_NONE;
		m->seconds = n * scale[k].s;
		m->cmd = GR_TIMER;
		return GR_TIMER;
	}
	return GR_NONE;
}

enum grammar_cmd grammar_match(const char *text, size_t len,
			       struct grammar_match *m)
{
	struct words ws;
	int i = 0;

	m->cmd = GR_NONE;
	m->seconds = 0;
	if (split(text, len, &ws) || !ws.n)
		return GR_NONE;
	/* set a timer for N UNIT; start a timer for ...; a N UNIT timer */
	if ((eq(&ws, 0, "set") || eq(&ws, 0, "start")) &&
	    (eq(&ws, 1, "a") || eq(&ws, 1, "the")) && eq(&ws, 2, "timer") &&
	    eq(&ws, 3, "for"))
		return timer(&ws, 4, m);
	if ((eq(&ws, 0, "set") || eq(&ws, 0, "start")) && eq(&ws, 1, "a"))
		return timer(&ws, 2, m); /* "set a 5 minute timer" */
	if (eq(&ws, 0, "timer") && eq(&ws, 1, "for"))
		return timer(&ws, 2, m);
	if (rest_is(&ws, 0, "stop") || rest_is(&ws, 0, "stop it") ||
	    rest_is(&ws, 0, "stop the timer") ||
	    rest_is(&ws, 0, "stop the alarm") ||
	    rest_is(&ws, 0, "cancel the timer") ||
	    rest_is(&ws, 0, "be quiet"))
		return m->cmd = GR_STOP;
	if (rest_is(&ws, 0, "what time is it") ||
	    rest_is(&ws, 0, "what's the time") ||
	    rest_is(&ws, 0, "what is the time") ||
	    rest_is(&ws, 0, "tell me the time"))
		return m->cmd = GR_TIME;
	if (eq(&ws, 0, "turn") && ws.n >= 3) /* "turn the volume up" */
		i = eq(&ws, 1, "the") ? 2 : 1;
	if (rest_is(&ws, i, "volume up") || rest_is(&ws, i, "it up") ||
	    rest_is(&ws, 0, "louder"))
		return m->cmd = GR_VOLUME_UP;
	if (rest_is(&ws, i, "volume down") || rest_is(&ws, i, "it down") ||
	    rest_is(&ws, 0, "quieter") || rest_is(&ws, 0, "softer"))
		return m->cmd = GR_VOLUME_DOWN;
	return GR_NONE;
}

const char *grammar_cmd_name(enum grammar_cmd c)
{
	static const char *const names[] = {
		[GR_NONE] = "none",	    [GR_TIMER] = "timer",
		[GR_STOP] = "stop",	    [GR_TIME] = "time",
		[GR_VOLUME_UP] = "volume up", [GR_VOLUME_DOWN] = "volume down",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}
