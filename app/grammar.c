// SPDX-License-Identifier: MIT
/*
 * The offline grammar (grammar.h).  The text is cut into lower-case words
 * in a fixed array (letters, digits and apostrophes; anything else
 * separates; the umlauts and ß are spelled ae, oe, ue and ss, as STT
 * writes them either way), the language's filler words are dropped, and
 * the word list is matched against the language's command patterns.
 * Numbers in words are read by a small cardinal parser per language:
 * English "twenty five", "one hundred and ten"; German "fünfundzwanzig"
 * (or "fünf und zwanzig"), "hundertzehn", "anderthalb".
 *
 * Amounts are counted in halves, so "anderthalb Minuten" is 3 halves of
 * a minute; a timer that comes to a fraction of a second is refused.
 */
#include "grammar.h"

#include <stdio.h>
#include <string.h>

#define MAX_WORDS 24
#define WORD_MAX 32 /* "siebenundsiebzig" and its like are one word */

struct words {
	char w[MAX_WORDS][WORD_MAX];
	int n;
};

/* One language's commands: its fillers and its patterns. */
struct grammar_lang {
	const char *code; /* lang.h's code */
	const char *const *fillers;
	enum grammar_cmd (*match)(const struct words *ws,
				  struct grammar_match *m);
};

static int in(const char *const *list, const char *w)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(w, list[i]))
			return 1;
	return 0;
}

/*
 * The letters at text[i] as the words spell them, lower case, into out;
 * how many bytes of text they took, or 0 for a separator.  UTF-8 ä ö ü ß
 * (and the capitals) fold to two letters; other non-ASCII separates.
 */
static size_t letter(const char *text, size_t len, size_t i, char out[3])
{
	static const struct {
		unsigned char b;
		const char *as;
	} folds[] = { { 0xa4, "ae" }, { 0x84, "ae" }, { 0xb6, "oe" },
		      { 0x96, "oe" }, { 0xbc, "ue" }, { 0x9c, "ue" },
		      { 0x9f, "ss" } };
	unsigned char c = (unsigned char)text[i];

	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'') {
		out[0] = (char)c;
		out[1] = '\0';
		return 1;
	}
	if (c != 0xc3 || i + 1 >= len)
		return 0;
	for (size_t k = 0; k < sizeof(folds) / sizeof(folds[0]); k++)
		if ((unsigned char)text[i + 1] == folds[k].b) {
			memcpy(out, folds[k].as, 3);
			return 2;
		}
	return 0;
}

/* Splits text; 0, or -1 when there are too many words to be a command. */
static int split(const char *text, size_t len, const char *const *fillers,
		 struct words *ws)
{
	size_t i = 0;

	ws->n = 0;
	while (i < len) {
		char word[WORD_MAX], l[3];
		size_t k = 0, took;
		int long_word = 0;

		while (i < len && !letter(text, len, i, l))
			i++;
		while (i < len && (took = letter(text, len, i, l))) {
			for (const char *c = l; *c; c++) {
				if (k < WORD_MAX - 1)
					word[k++] = *c;
				else
					long_word = 1;
			}
			i += took;
		}
		if (!k)
			break;
		word[k] = '\0';
		if (long_word)
			return -1; /* no word of the grammar is that long */
		if (in(fillers, word))
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

/* How many words from i on the pattern (space-separated) is; 0 if not. */
static int starts(const struct words *ws, int i, const char *pattern)
{
	char buf[96];
	char *save = NULL, *tok;
	int j = i;

	snprintf(buf, sizeof(buf), "%s", pattern);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), j++)
		if (!eq(ws, j, tok))
			return 0;
	return j - i;
}

/* The words from i on are exactly the pattern. */
static int rest_is(const struct words *ws, int i, const char *pattern)
{
	int n = starts(ws, i, pattern);

	return n && i + n == ws->n;
}

/* The words from i on are exactly one of the patterns. */
static int rest_is_one(const struct words *ws, int i,
		       const char *const *patterns)
{
	for (int k = 0; patterns[k]; k++)
		if (rest_is(ws, i, patterns[k]))
			return 1;
	return 0;
}

/* Steps *i over one of the patterns if it stands there; 1 if it did. */
static int skip(const struct words *ws, int *i, const char *const *patterns)
{
	for (int k = 0; patterns[k]; k++) {
		int n = starts(ws, *i, patterns[k]);

		if (n) {
			*i += n;
			return 1;
		}
	}
	return 0;
}

static int lookup(const char *const *list, const char *w)
{
	for (int i = 0; list[i]; i++)
		if (list[i][0] && !strcmp(list[i], w))
			return i;
	return -1;
}

/* A number in digits at word *i ("25"): advances *i; -1 if none. */
static long digits(const struct words *ws, int *i)
{
	long v = 0;

	if (*i >= ws->n || ws->w[*i][0] < '0' || ws->w[*i][0] > '9')
		return -1;
	for (const char *c = ws->w[*i]; *c; c++) {
		if (*c < '0' || *c > '9' || v > 100000)
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v > 100000)
		return -1;
	(*i)++;
	return v;
}

struct unit_scale {
	const char *unit;
	long s;
};

/*
 * halves of the unit at word i: the timer, if it is one of 1 s to
 * GRAMMAR_TIMER_MAX_S in whole seconds.  Returns the word after the unit,
 * or -1.
 */
static int timer_of(const struct words *ws, int i, long halves,
		    const struct unit_scale *scale, size_t nscale,
		    struct grammar_match *m)
{
	if (halves <= 0)
		return -1;
	for (size_t k = 0; k < nscale; k++) {
		if (!eq(ws, i, scale[k].unit))
			continue;
		if (halves > 2 * GRAMMAR_TIMER_MAX_S / scale[k].s ||
		    halves * scale[k].s % 2)
			return -1;
		m->seconds = halves * scale[k].s / 2;
		return i + 1;
	}
	return -1;
}

/* ---- English ---- */

static const char *const en_fillers[] = { "please", "hey", "ok", "okay",
					  "now", "can", "you", "could",
					  "would", "speaker", "parley", NULL };

static const char *const units[] = { "zero", "one", "two", "three",
				     "four", "five", "six", "seven",
				     "eight", "nine", "ten", "eleven",
				     "twelve", "thirteen", "fourteen",
				     "fifteen", "sixteen", "seventeen",
				     "eighteen", "nineteen", NULL };
static const char *const tens[] = { "", "", "twenty", "thirty", "forty",
				    "fifty", "sixty", "seventy", "eighty",
				    "ninety", NULL };

/*
 * A number at word *i: digits ("25"), or words ("a", "an", "twenty five",
 * "one hundred and ten").  Advances *i; -1 if there is none or it is
 * larger than 100000.
 */
static long number_en(const struct words *ws, int *i)
{
	long v = 0, part = 0;
	int got = 0, j = *i;

	if (j >= ws->n)
		return -1;
	if (ws->w[j][0] >= '0' && ws->w[j][0] <= '9')
		return digits(ws, i);
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

static const struct unit_scale en_scale[] = {
	{ "second", 1 },  { "seconds", 1 }, { "minute", 60 },
	{ "minutes", 60 }, { "hour", 3600 },  { "hours", 3600 },
};

/* N UNIT, then nothing or "timer". */
static enum grammar_cmd timer_en(const struct words *ws, int i,
				 struct grammar_match *m)
{
	long n = number_en(ws, &i);

	if (n <= 0)
		return GR_NONE;
	i = timer_of(ws, i, 2 * n, en_scale,
		     sizeof(en_scale) / sizeof(en_scale[0]), m);
	if (i < 0 || (i != ws->n && !rest_is(ws, i, "timer")))
		return GR_NONE;
	return m->cmd = GR_TIMER;
}

static enum grammar_cmd match_en(const struct words *ws,
				 struct grammar_match *m)
{
	int i = 0;

	/* set a timer for N UNIT; start a timer for ...; a N UNIT timer */
	if ((eq(ws, 0, "set") || eq(ws, 0, "start")) &&
	    (eq(ws, 1, "a") || eq(ws, 1, "the")) && eq(ws, 2, "timer") &&
	    eq(ws, 3, "for"))
		return timer_en(ws, 4, m);
	if ((eq(ws, 0, "set") || eq(ws, 0, "start")) && eq(ws, 1, "a"))
		return timer_en(ws, 2, m); /* "set a 5 minute timer" */
	if (eq(ws, 0, "timer") && eq(ws, 1, "for"))
		return timer_en(ws, 2, m);
	if (rest_is(ws, 0, "stop") || rest_is(ws, 0, "stop it") ||
	    rest_is(ws, 0, "stop the timer") ||
	    rest_is(ws, 0, "stop the alarm") ||
	    rest_is(ws, 0, "cancel the timer") ||
	    rest_is(ws, 0, "be quiet"))
		return m->cmd = GR_STOP;
	if (rest_is(ws, 0, "what time is it") ||
	    rest_is(ws, 0, "what's the time") ||
	    rest_is(ws, 0, "what is the time") ||
	    rest_is(ws, 0, "tell me the time"))
		return m->cmd = GR_TIME;
	if (eq(ws, 0, "turn") && ws->n >= 3) /* "turn the volume up" */
		i = eq(ws, 1, "the") ? 2 : 1;
	if (rest_is(ws, i, "volume up") || rest_is(ws, i, "it up") ||
	    rest_is(ws, 0, "louder"))
		return m->cmd = GR_VOLUME_UP;
	if (rest_is(ws, i, "volume down") || rest_is(ws, i, "it down") ||
	    rest_is(ws, 0, "quieter") || rest_is(ws, 0, "softer"))
		return m->cmd = GR_VOLUME_DOWN;
	return GR_NONE;
}

/* ---- German ---- */

static const char *const de_fillers[] = { "bitte", "mal", "doch", "hey",
					  "hallo", "ok", "okay", "jetzt",
					  "kannst", "koenntest", "wuerdest",
					  "du", "mir", "uns", "lautsprecher",
					  "parley", NULL };

static const char *const de_units[] = {
	"null",	    "eins",	"zwei",	     "drei",	 "vier",
	"fuenf",    "sechs",	"sieben",    "acht",	 "neun",
	"zehn",	    "elf",	"zwoelf",    "dreizehn", "vierzehn",
	"fuenfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn",
	NULL
};
static const char *const de_tens[] = { "",	   "",	      "zwanzig",
				       "dreissig", "vierzig",  "fuenfzig",
				       "sechzig",  "siebzig",  "achtzig",
				       "neunzig",  NULL };
/* 1 to 9 as they open a compound: "einundzwanzig", "zweihundert" */
static const char *const de_lead[] = { "", "ein", "zwei", "drei", "vier",
				       "fuenf", "sechs", "sieben", "acht",
				       "neun", NULL };
/* 1 on its own, as the noun after it has it: "eine Minute" */
static const char *const de_one[] = { "ein", "eine", "einen", "einer",
				      "einem", NULL };

static int prefix(const char **s, const char *p)
{
	size_t n = strlen(p);

	if (strncmp(*s, p, n))
		return 0;
	*s += n;
	return 1;
}

/* s whole as 0..99 ("" is 0); -1 if it is not one. */
static long de_below_100(const char *s)
{
	long v;

	if (!*s)
		return 0;
	if ((v = lookup(de_units, s)) >= 0 || !strcmp(s, "zwo"))
		return v >= 0 ? v : 2;
	if ((v = lookup(de_tens, s)) >= 0)
		return 10 * v;
	for (int u = 1; de_lead[u]; u++) {
		const char *r = s;
		long t;

		if (prefix(&r, de_lead[u]) && prefix(&r, "und") &&
		    (t = lookup(de_tens, r)) >= 0)
			return 10 * t + u;
	}
	return -1;
}

/* s whole as 0..999: [lead]hundert[below 100], or below 100. */
static long de_below_1000(const char *s)
{
	const char *h = strstr(s, "hundert");
	char lead[16];
	long r, u = 1;

	if (!h)
		return de_below_100(s);
	if (h > s) {
		if ((size_t)(h - s) >= sizeof(lead))
			return -1;
		memcpy(lead, s, (size_t)(h - s));
		lead[h - s] = '\0';
		u = lookup(de_lead, lead);
		if (u <= 0)
			return -1;
	}
	r = de_below_100(h + strlen("hundert"));
	return r < 0 ? -1 : u * 100 + r;
}

/*
 * One German number word, in halves: "fuenfundzwanzig" 50, "anderthalb"
 * 3, "zweieinhalb" 5, "tausendzwei" 2004; -1 if s is not one.
 */
static long de_halves(const char *s)
{
	const char *t = strstr(s, "tausend");
	size_t n = strlen(s), half = strlen("einhalb");
	char head[WORD_MAX * 4];
	long v, k = 1;

	if (!strcmp(s, "anderthalb") || !strcmp(s, "eineinhalb"))
		return 3;
	if (n > half && !strcmp(s + n - half, "einhalb") && n < sizeof(head)) {
		memcpy(head, s, n - half); /* "zweieinhalb" */
		head[n - half] = '\0';
		v = de_halves(head);
		return v > 0 ? v + 1 : -1;
	}
	if (!*s)
		return -1;
	if (t) {
		if (t > s) {
			if ((size_t)(t - s) >= sizeof(head))
				return -1;
			memcpy(head, s, (size_t)(t - s));
			head[t - s] = '\0';
			k = de_below_1000(head);
			if (k <= 0)
				return -1;
		}
		v = de_below_1000(t + strlen("tausend"));
		return v < 0 ? -1 : 2 * (k * 1000 + v);
	}
	v = de_below_1000(s);
	return v < 0 ? -1 : 2 * v;
}

/*
 * A German amount at word *i, in halves: digits, "eine" (and its other
 * cases), "eine halbe", or words, which STT writes joined or not
 * ("fünfundzwanzig", "fünf und zwanzig"): the longest run of up to four
 * words that reads as one number.  Advances *i; -1 if there is none.
 */
static long number_de(const struct words *ws, int *i)
{
	long v = digits(ws, i);

	if (v >= 0)
		return v > 100000 ? -1 : 2 * v;
	if (*i < ws->n && in(de_one, ws->w[*i])) {
		if (eq(ws, *i + 1, "halbe") || eq(ws, *i + 1, "halben")) {
			*i += 2;
			return 1;
		}
		(*i)++;
		return 2;
	}
	for (int k = 4; k >= 1; k--) {
		char joined[WORD_MAX * 4];
		size_t n = 0;

		if (*i + k > ws->n)
			continue;
		for (int j = *i; j < *i + k; j++)
			n += (size_t)snprintf(joined + n, sizeof(joined) - n,
					      "%s", ws->w[j]);
		if (n >= sizeof(joined))
			continue;
		v = de_halves(joined);
		if (v >= 0 && v <= 200000) {
			*i += k;
			return v;
		}
	}
	return -1;
}

static const struct unit_scale de_scale[] = {
	{ "sekunde", 1 },  { "sekunden", 1 }, { "minute", 60 },
	{ "minuten", 60 }, { "stunde", 3600 }, { "stunden", 3600 },
};

/* A German amount and unit at word i: the word after it, or -1. */
static int duration_de(const struct words *ws, int i, struct grammar_match *m)
{
	long halves = number_de(ws, &i);

	return timer_of(ws, i, halves, de_scale,
			sizeof(de_scale) / sizeof(de_scale[0]), m);
}

/*
 * [stell] [einen] Timer auf|für N UNIT [ein], or [stell] [einen]
 * N UNIT Timer ("einen Fünf-Minuten-Timer").  "einen" is the article
 * first and the number 1 only if that does not match.
 */
static enum grammar_cmd timer_de(const struct words *ws,
				 struct grammar_match *m)
{
	static const char *const verbs[] = { "stell", "stelle", "setz",
					     "setze", "starte", "start",
					     "mach", "mache", "erstell",
					     "erstelle", NULL };
	static const char *const articles[] = { "einen", "den", "nen",
						"'nen", NULL };
	static const char *const preps[] = { "auf", "fuer", "von", NULL };
	/* the verb at the end: "einen Timer auf fünf Minuten stellen" */
	static const char *const tails[] = { "ein", "stellen", "setzen",
					     "starten", "an", NULL };
	int i = 0;

	skip(ws, &i, verbs);
	for (int art = 1; art >= 0; art--) {
		int j = i;

		if (art && !skip(ws, &j, articles))
			continue;
		if (eq(ws, j, "timer")) {
			j++;
			if (!skip(ws, &j, preps))
				continue;
			j = duration_de(ws, j, m);
		} else {
			j = duration_de(ws, j, m);
			if (j < 0 || !eq(ws, j, "timer"))
				continue;
			j++;
		}
		if (j >= 0 && (j == ws->n || rest_is_one(ws, j, tails)))
			return m->cmd = GR_TIMER;
	}
	return GR_NONE;
}

/* [mach|dreh] [es|das|die Lautstärke] [etwas] lauter|leiser; Lautstärke
 * hoch|runter */
static enum grammar_cmd volume_de(const struct words *ws)
{
	static const char *const verbs[] = { "mach", "mache", "dreh", "drehe",
					     "stell", "stelle", NULL };
	static const char *const objects[] = { "es", "das", "den ton",
					       "die musik", NULL };
	static const char *const level[] = { "die lautstaerke", "lautstaerke",
					     NULL };
	static const char *const degree[] = { "etwas", "ein bisschen",
					      "ein wenig", "viel", "noch",
					      NULL };
	static const char *const up[] = { "hoch", "rauf", "nach oben",
					  "lauter", NULL };
	static const char *const down[] = { "runter", "herunter",
					    "nach unten", "leiser", NULL };
	int i = 0;

	skip(ws, &i, verbs);
	if (skip(ws, &i, level)) {
		if (rest_is_one(ws, i, up))
			return GR_VOLUME_UP;
		return rest_is_one(ws, i, down) ? GR_VOLUME_DOWN : GR_NONE;
	}
	skip(ws, &i, objects);
	skip(ws, &i, degree);
	if (rest_is(ws, i, "lauter"))
		return GR_VOLUME_UP;
	return rest_is(ws, i, "leiser") ? GR_VOLUME_DOWN : GR_NONE;
}

static enum grammar_cmd match_de(const struct words *ws,
				 struct grammar_match *m)
{
	static const char *const stop[] = {
		"stopp", "stop", "stoppen", "halt", "ruhe", "schluss",
		"sei still", "hoer auf", "aufhoeren", "stopp den timer",
		"stop den timer", "stoppe den timer", "timer stopp",
		"timer stoppen", "timer aus", "mach den timer aus",
		"stopp den wecker", "stop den wecker", "wecker aus",
		"mach den wecker aus", "stopp den alarm", "alarm aus", NULL
	};
	static const char *const what_time[] = {
		"wie spaet ist es", "wie spaet haben wir", "wie viel uhr ist es",
		"wieviel uhr ist es", "wie viel uhr haben wir",
		"wieviel uhr haben wir", "sag wie spaet es ist",
		"wie ist die uhrzeit", "welche uhrzeit haben wir",
		"uhrzeit", "sag die uhrzeit", NULL
	};
	enum grammar_cmd v;

	if (timer_de(ws, m) == GR_TIMER)
		return GR_TIMER;
	if (rest_is_one(ws, 0, stop))
		return m->cmd = GR_STOP;
	if (rest_is_one(ws, 0, what_time))
		return m->cmd = GR_TIME;
	v = volume_de(ws);
	return v == GR_NONE ? GR_NONE : (m->cmd = v);
}

static const struct grammar_lang grammar_langs[] = {
	{ "en", en_fillers, match_en },
	{ "de", de_fillers, match_de },
};

enum grammar_cmd grammar_match_lang(const char *lang, const char *text,
				    size_t len, struct grammar_match *m)
{
	const struct grammar_lang *g = &grammar_langs[0];
	struct words ws;

	for (size_t k = 0; k < sizeof(grammar_langs) / sizeof(grammar_langs[0]);
	     k++)
		if (!strcmp(grammar_langs[k].code, lang))
			g = &grammar_langs[k];
	m->cmd = GR_NONE;
	m->seconds = 0;
	if (split(text, len, g->fillers, &ws) || !ws.n)
		return GR_NONE;
	if (g->match(&ws, m) == GR_NONE)
		m->seconds = 0; /* a timer's pattern may have failed after it */
	return m->cmd;
}

enum grammar_cmd grammar_match(const char *text, size_t len,
			       struct grammar_match *m)
{
	return grammar_match_lang("en", text, len, m);
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
