// SPDX-License-Identifier: MIT
/*
 * Text for speech (speech_text.h).  Five stages, each a byte-at-a-time
 * state machine that hands its output to the next; a stage holds back
 * only what the next bytes decide, in its own fixed buffer.  Since every
 * decision depends on the bytes alone and never on where a token ended,
 * the output is the same for any split of the input.
 *
 *   1 utf8_*    code points: emoji, variation selectors, keycaps, flags
 *               and control bytes go; the rest passes byte for byte
 *   2 line_*    the start of each line: heading, list item, quote, table
 *               row, rule, code fence; a table's | become commas; a code
 *               block becomes one phrase
 *   3 inline_*  code spans, emphasis, escapes, HTML tags, links
 *   4 url_*     bare URLs become their host
 *   5 sink      collapses spaces, ends heading, item and row sentences
 *
 * Two events travel down with the bytes: EV_BREAK (this line ends a
 * sentence: a heading, a list item or a table row) and EV_END (the
 * answer is over).  Each stage lets go of what it holds at an event or a
 * newline, so nothing waits past the end of a line.
 *
 * The stages come in that order for a reason: emoji and markers are gone
 * before the URL stage looks, so no "http://" can be left in the output
 * by markers that split one (h**ttp://), and the line stage sees a line
 * start without the emoji in front of a list marker.
 */
#include "speech_text.h"

#include <string.h>
#include <strings.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define EV_BREAK 0x100 /* end the sentence here unless it is ended */
#define EV_END 0x101 /* the answer is over: let go of what is held */

enum { LINE_START, LINE_TEXT, LINE_FENCE, LINE_SKIP };
enum { CLOSE_START, CLOSE_RUN, CLOSE_AFTER, CLOSE_NO };
enum { LINK_NONE, LINK_TEXT, LINK_AFTER, LINK_URL, LINK_TITLE };
enum { URL_TEXT, URL_HOST, URL_PATH };

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A byte of a word: ASCII letters and digits, and any non-ASCII byte
 * (the letters of other scripts). */
static int is_word(int c)
{
	return is_alpha(c) || is_digit(c) || (c >= 0x80 && c < 0x100);
}

/* c is one of the bytes of set (never NUL, which strchr would find). */
static int in_set(int c, const char *set)
{
	return c > 0 && c < 0x80 && strchr(set, c);
}

/* ---- 5: what goes out ---- */

static void put(struct speech_text *st, char c)
{
	if (st->stop)
		return;
	st->out[st->out_len++] = c;
	if (st->out_len == sizeof(st->out)) {
		st->stop = st->emit(st->out, st->out_len, st->ctx);
		st->out_len = 0;
	}
}

/* Full stops of CJK text and the ellipsis, which end a sentence too. */
static int wide_stop(const unsigned char *t)
{
	static const unsigned char stops[][3] = {
		{ 0xe3, 0x80, 0x82 }, /* U+3002 ideographic full stop */
		{ 0xef, 0xbc, 0x81 }, /* U+FF01 fullwidth ! */
		{ 0xef, 0xbc, 0x9f }, /* U+FF1F fullwidth ? */
		{ 0xe2, 0x80, 0xa6 }, /* U+2026 ellipsis */
	};

	for (size_t i = 0; i < ARRAY_SIZE(stops); i++)
		if (!memcmp(t, stops[i], 3))
			return 1;
	return 0;
}

/*
 * Spaces are held and go out as one, only before more text on the same
 * line and not before punctuation: the chunker would fold them anyway,
 * and a removed emoji or marker leaves no blank behind.  A break adds a full stop where the
 * line has text that does not end a sentence already.
 */
static void sink(struct speech_text *st, int c)
{
	if (c == EV_BREAK || c == EV_END) {
		if (c == EV_BREAK && st->line_has && !st->ended)
			put(st, '.');
		st->ended = 1;
		st->line_has = 0;
		st->pend_space = 0;
		return;
	}
	st->last = (unsigned char)c;
	if (c == '\n') {
		st->pend_space = 0;
		st->line_has = 0;
		put(st, '\n');
		return;
	}
	if (is_space(c)) {
		st->pend_space = st->line_has;
		return;
	}
	/* "done 👍." lost its emoji: no blank before the stop (but before
	 * a colon, which could join "http :" into a scheme after the URL
	 * stage has looked) */
	if (st->pend_space && !in_set(c, ".,;!?"))
		put(st, ' ');
	st->pend_space = 0;
	st->line_has = 1;
	put(st, (char)c);
	memmove(st->tail, st->tail + 1, sizeof(st->tail) - 1);
	st->tail[sizeof(st->tail) - 1] = (unsigned char)c;
	if (c >= 0x80)
		st->ended = wide_stop(st->tail);
	else if (in_set(c, ".!?:;"))
		st->ended = 1;
	else if (!in_set(c, "\"')]")) /* a closer keeps what came before */
		st->ended = 0;
}

/* ---- 4: bare URLs ---- */

static int host_byte(int c)
{
	return is_word(c) || c == '-' || c == '.' || c == '_';
}

/*
 * What match[] holds: 0 no URL, 1 the start of one, 2 a whole scheme,
 * 3 "www." and a first host letter.  "www." counts at a word's start
 * only, so "awww.x" stays as it is.
 */
static int url_prefix(const struct speech_text *st)
{
	static const char *const schemes[] = { "http://", "https://" };
	size_t n = st->match_len;
	int word_start = !is_word(st->last) && !in_set(st->last, ".-/@_");

	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (n <= strlen(schemes[i]) &&
		    !strncasecmp(st->match, schemes[i], n))
			return n == strlen(schemes[i]) ? 2 : 1;
	if (!word_start)
		return 0;
	if (n <= 4 && !strncasecmp(st->match, "www.", n))
		return 1;
	if (n == 5 && !strncasecmp(st->match, "www.", 4) &&
	    (is_alpha(st->match[4]) || is_digit(st->match[4])))
		return 3;
	return 0;
}

static void url_let_go(struct speech_text *st)
{
	for (size_t i = 0; i < st->match_len; i++)
		sink(st, (unsigned char)st->match[i]);
	st->match_len = 0;
}

/* A URL ends: the host is out; what was held is the text's own. */
static void url_settle(struct speech_text *st)
{
	if (st->url_mode == URL_PATH)
		for (size_t i = 0; i < st->trail_len; i++)
			sink(st, (unsigned char)st->trail[i]);
	else
		url_let_go(st);
	st->trail_len = 0;
	st->match_len = 0;
	st->url_mode = URL_TEXT;
}

static void url_text(struct speech_text *st, int c)
{
	st->match[st->match_len++] = (char)c;
	for (;;) {
		switch (url_prefix(st)) {
		case 1:
			return;
		case 2:
			st->url_mode = URL_HOST;
			st->strip_www = 1;
			st->match_len = 0;
			return;
		case 3:
			st->url_mode = URL_HOST;
			st->strip_www = 0;
			st->match_len = 0;
			sink(st, (unsigned char)st->match[4]);
			return;
		}
		/* the first byte cannot start a URL; the rest still may */
		sink(st, (unsigned char)st->match[0]);
		memmove(st->match, st->match + 1, --st->match_len);
		if (!st->match_len)
			return;
	}
}

/*
 * The path, query and fragment are not spoken.  They end at white space,
 * at a quote or angle bracket, or at a character of the scripts that
 * write no spaces (UTF-8 leads from 0xe2: CJK, fullwidth forms, and the
 * curly quotes); Latin letters with accents go on, as in Wikipedia's
 * paths.  Trailing punctuation is the sentence's, not the URL's: it is
 * held and said when the URL ends.
 */
static void url_path(struct speech_text *st, int c)
{
	if (is_space(c) || c == '\n' || (c >= 0xe2 && c < 0x100) ||
	    in_set(c, "\"<>")) {
		url_settle(st);
		url_text(st, c);
		return;
	}
	if (in_set(c, ".,;:!?") || (c == ')' && !st->path_depth)) {
		if (st->trail_len < sizeof(st->trail))
			st->trail[st->trail_len++] = (char)c;
		return;
	}
	st->trail_len = 0;
	if (c == '(')
		st->path_depth++;
	else if (c == ')')
		st->path_depth--;
}

static void url_host(struct speech_text *st, int c)
{
	if (!host_byte(c)) {
		url_let_go(st); /* a host that began "ww" */
		st->url_mode = URL_PATH;
		st->path_depth = 0;
		st->trail_len = 0;
		url_path(st, c);
		return;
	}
	if (!st->strip_www) {
		sink(st, c);
		return;
	}
	st->match[st->match_len++] = (char)c;
	if (strncasecmp(st->match, "www.", st->match_len)) {
		st->strip_www = 0;
		url_let_go(st);
	} else if (st->match_len == 4) {
		st->strip_www = 0;
		st->match_len = 0;
	}
}

static void url_push(struct speech_text *st, int c)
{
	if (c >= 0x100) {
		url_settle(st);
		sink(st, c);
		return;
	}
	switch (st->url_mode) {
	case URL_TEXT:
		url_text(st, c);
		break;
	case URL_HOST:
		url_host(st, c);
		break;
	default:
		url_path(st, c);
		break;
	}
}

/* ---- 3: inline markup ---- */

static void inline_byte(struct speech_text *st, int c);

/* Bytes that bypass the markup rules; a backtick never goes out. */
static void raw_out(struct speech_text *st, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '`')
			url_push(st, (unsigned char)s[i]);
}

static void link_fail(struct speech_text *st);

/* Text out of this stage: into a link's text while one is read. */
static void text_out(struct speech_text *st, int c)
{
	if (st->link == LINK_TEXT) {
		if (st->text_len < sizeof(st->text)) {
			st->text[st->text_len++] = (char)c;
			return;
		}
		/* longer than a link's text may be: it goes out as it is */
		link_fail(st);
	}
	url_push(st, c);
}

static void link_open(struct speech_text *st, int image)
{
	st->link = LINK_TEXT;
	st->image = (uint8_t)image;
	st->link_depth = 0;
	st->text_len = 0;
	st->url_len = 0;
	st->url_depth = 0;
	st->target_len = 0;
}

static int looks_like_url(const char *s, size_t n)
{
	return (n > 7 && !strncasecmp(s, "http://", 7)) ||
	       (n > 8 && !strncasecmp(s, "https://", 8)) ||
	       (n > 4 && !strncasecmp(s, "www.", 4));
}

/* [text](target): the text is said; with none, the target's host. */
static void link_done(struct speech_text *st)
{
	size_t n = st->target_len ? st->target_len : st->url_len;
	int said = 0;

	st->link = LINK_NONE;
	for (size_t i = 0; i < st->text_len; i++)
		said |= !is_space(st->text[i]);
	if (said) {
		raw_out(st, st->text, st->text_len);
	} else if (looks_like_url(st->url, n)) {
		raw_out(st, st->url, n);
		url_settle(st);
	}
	st->prev = ')';
}

/* Not a link after all: what was held goes out as it was written (the
 * text with its markers already gone). */
static void link_fail(struct speech_text *st)
{
	int state = st->link;

	if (state == LINK_TITLE) {
		link_done(st);
		return;
	}
	st->link = LINK_NONE;
	raw_out(st, st->image ? "![" : "[", st->image ? 2 : 1);
	raw_out(st, st->text, st->text_len);
	if (state >= LINK_AFTER)
		raw_out(st, "]", 1);
	if (state == LINK_URL) {
		raw_out(st, "(", 1);
		raw_out(st, st->url, st->url_len);
	}
}

/*
 * The target, up to its ')' (with balanced parentheses inside, as in
 * Wikipedia's); a space ends the target and starts a title, "[a](url
 * "title")".  Both are kept, so that a line that ends before the ')'
 * goes out as written; a target and title too long to keep are taken
 * for a link and skipped to the ')' (LINK_TITLE).
 */
static void link_url_byte(struct speech_text *st, int c)
{
	if (c == ')' && !st->url_depth) {
		link_done(st);
		return;
	}
	if (is_space(c) && !st->target_len)
		st->target_len = st->url_len ? st->url_len : 1;
	if (c == '(')
		st->url_depth++;
	else if (c == ')')
		st->url_depth--;
	if (st->url_len < sizeof(st->url))
		st->url[st->url_len++] = (char)c;
	else
		st->link = LINK_TITLE;
}

static int tag_in(const char *name, size_t n, const char *const *list,
		  size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(name, list[i], n))
			return 1;
	return 0;
}

/*
 * 1: an inline tag (goes without a trace), 2: a block tag (leaves a
 * space, so "one<br>two" stays two words), 0: not a tag we know.  Only
 * known names count, and attributes must have a value: "if x <b and y>
 * z" is a comparison, not a bold tag.
 */
static int tag_kind(const char *t, size_t n)
{
	static const char *const inline_tags[] = {
		"a", "abbr", "b", "big", "cite", "code", "del", "em", "font",
		"i", "img", "ins", "kbd", "mark", "q", "s", "samp", "small",
		"span", "strike", "strong", "sub", "sup", "tt", "u", "var",
	};
	static const char *const block_tags[] = {
		"blockquote", "br", "center", "dd", "details", "div", "dl",
		"dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
		"p", "pre", "summary", "table", "tbody", "td", "tfoot", "th",
		"thead", "tr", "ul",
	};
	size_t i = t[0] == '/', name = i, j;
	int attrs = 0, value = 0;

	while (i < n && (is_alpha(t[i]) || is_digit(t[i])))
		i++;
	if (i == name || (i < n && !is_space(t[i]) && t[i] != '/'))
		return 0;
	for (j = i; j < n; j++) {
		attrs |= !is_space(t[j]) && t[j] != '/';
		value |= t[j] == '=';
	}
	if (attrs && !value)
		return 0;
	if (tag_in(t + name, i - name, inline_tags, ARRAY_SIZE(inline_tags)))
		return 1;
	if (tag_in(t + name, i - name, block_tags, ARRAY_SIZE(block_tags)))
		return 2;
	return 0;
}

/*
 * Not a tag: the '<' goes out as a character and the held bytes are read
 * again.  They hold no '<' (it ends a tag at once), so reading them again
 * cannot start another tag: this goes one level deep at most.
 */
static void tag_fail(struct speech_text *st, int c)
{
	char held[SPEECH_TEXT_TAG_MAX];
	size_t n = st->tag_len;

	memcpy(held, st->tag, n);
	st->tag_len = 0;
	text_out(st, '<');
	st->prev = '<';
	for (size_t i = 1; i < n; i++)
		inline_byte(st, (unsigned char)held[i]);
	if (c >= 0)
		inline_byte(st, c);
}

static void tag_close(struct speech_text *st)
{
	const char *body = st->tag + 1;
	size_t n = st->tag_len - 1;
	int kind;

	/* <https://example.com>: an autolink, said as its host */
	if (looks_like_url(body, n) && !memchr(body, ' ', n)) {
		st->tag_len = 0;
		for (size_t i = 0; i < n; i++)
			if (body[i] != '`')
				text_out(st, (unsigned char)body[i]);
		return;
	}
	kind = tag_kind(body, n);
	if (!kind) {
		tag_fail(st, '>');
		return;
	}
	st->tag_len = 0;
	if (kind == 2)
		text_out(st, ' ');
	st->prev = ' ';
}

static void tag_byte(struct speech_text *st, int c)
{
	size_t n = st->tag_len;
	int ok;

	if (st->tag[1] == '!' && n >= 4) { /* <!-- a comment --> */
		if (c == '>' && n >= 6 && !memcmp(st->tag + n - 2, "--", 2)) {
			st->tag_len = 0;
			return;
		}
		ok = c != '<' && n < sizeof(st->tag);
	} else if (c == '>') {
		tag_close(st);
		return;
	} else if (c == '<') {
		ok = 0;
	} else if (n == 1) {
		ok = c == '/' || c == '!' || is_alpha(c);
	} else if (st->tag[1] == '!') {
		ok = c == '-'; /* only comments: <!DOCTYPE> is not in answers */
	} else if (n == 2 && st->tag[1] == '/') {
		ok = is_alpha(c);
	} else {
		ok = n < sizeof(st->tag);
	}
	if (ok)
		st->tag[st->tag_len++] = (char)c;
	else
		tag_fail(st, c);
}

static int is_blank(int c)
{
	return is_space(c) || c == '\n';
}

/*
 * A run of * _ or ~ is a marker and goes, unless it reads as text:
 * an underscore inside a word (snake_case), a star between spaces
 * ("a * b") or touching a digit inside a word or number (2*3, x**2), a
 * single tilde (~5 km).
 */
static void run_resolve(struct speech_text *st, int q)
{
	int p = st->prev, keep;

	if (st->run_ch == '_')
		keep = is_word(p) && is_word(q);
	else if (st->run_ch == '*')
		keep = (is_blank(p) && is_blank(q)) ||
		       (is_word(p) && is_word(q) && (is_digit(p) || is_digit(q)));
	else
		keep = st->run_len == 1;
	if (keep)
		for (size_t i = 0; i < st->run_len; i++)
			text_out(st, st->run_ch);
	st->prev = (unsigned char)st->run_ch;
	st->run_len = 0;
}

/* A run of backticks opens a code span, or closes the one of its length. */
static void ticks_resolve(struct speech_text *st)
{
	if (!st->code)
		st->code = st->ticks;
	else if (st->ticks == st->code)
		st->code = 0;
	st->ticks = 0;
}

static void inline_byte(struct speech_text *st, int c)
{
	if (st->tag_len) {
		tag_byte(st, c);
		return;
	}
	if (st->link == LINK_URL) {
		link_url_byte(st, c);
		return;
	}
	if (st->link == LINK_TITLE) {
		if (c == ')')
			link_done(st);
		return;
	}
	if (st->link == LINK_AFTER) {
		if (c == '(') {
			st->link = LINK_URL;
			return;
		}
		link_fail(st);
	}
	if (st->ticks) {
		if (c == '`') {
			st->ticks++;
			return;
		}
		ticks_resolve(st);
	}
	if (c == '`') {
		if (!st->code && st->backslash) {
			st->backslash = 0; /* \` is a backtick: not spoken */
			return;
		}
		if (st->run_len)
			run_resolve(st, c);
		if (st->backslash)
			text_out(st, '\\');
		if (st->bang)
			text_out(st, '!');
		st->backslash = st->bang = 0;
		st->ticks = 1;
		return;
	}
	if (st->code) { /* a code span's text is said as it is */
		text_out(st, c);
		st->prev = (unsigned char)c;
		return;
	}
	if (st->backslash) {
		st->backslash = 0;
		if (c < 0x80 && (in_set(c, "!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~"))) {
			text_out(st, c);
			st->prev = (unsigned char)c;
			return;
		}
		text_out(st, '\\');
	}
	if (st->run_len) {
		if (c == st->run_ch) {
			st->run_len++;
			return;
		}
		run_resolve(st, c);
	}
	if (st->bang) {
		st->bang = 0;
		if (c == '[' && st->link == LINK_NONE) {
			link_open(st, 1); /* ![alt](src): the alt text is said */
			st->prev = '[';
			return;
		}
		text_out(st, '!');
	}
	switch (c) {
	case '\\':
		st->backslash = 1;
		return;
	case '*':
	case '_':
	case '~':
		st->run_ch = (char)c;
		st->run_len = 1;
		return;
	case '!':
		if (!is_word(st->prev) && st->link == LINK_NONE) {
			st->bang = 1;
			return;
		}
		break;
	case '[':
		if (st->link == LINK_NONE) {
			link_open(st, 0);
			st->prev = '[';
			return;
		}
		st->link_depth++;
		break;
	case ']':
		if (st->link == LINK_TEXT) {
			if (!st->link_depth) {
				st->link = LINK_AFTER;
				st->prev = ']';
				return;
			}
			st->link_depth--;
		}
		break;
	case '<':
		st->tag[0] = '<';
		st->tag_len = 1;
		return;
	}
	text_out(st, c);
	st->prev = (unsigned char)c;
}

/* The end of a line or an event: everything held is decided. */
static void inline_settle(struct speech_text *st)
{
	if (st->tag_len)
		tag_fail(st, -1); /* may leave a run or a link: next */
	if (st->ticks)
		ticks_resolve(st);
	if (st->backslash)
		text_out(st, '\\');
	if (st->run_len)
		run_resolve(st, ' ');
	if (st->bang)
		text_out(st, '!');
	st->backslash = st->bang = 0;
	if (st->link != LINK_NONE)
		link_fail(st);
	st->code = 0;
	st->prev = ' ';
}

static void inline_push(struct speech_text *st, int c)
{
	if (c == '\n' || c >= 0x100) {
		inline_settle(st);
		url_push(st, c);
		return;
	}
	inline_byte(st, c);
}

/* ---- 2: lines ---- */

static void phrase_out(struct speech_text *st, const char *s)
{
	while (*s)
		inline_push(st, (unsigned char)*s++);
}

static void line_reset(struct speech_text *st)
{
	st->line_mode = LINE_START;
	st->pre_len = 0;
	st->heading = st->item = st->table = 0;
	st->cells = st->pipe = st->space = st->escape = 0;
}

static void line_end(struct speech_text *st, int newline)
{
	if (st->heading || st->item || st->table)
		inline_push(st, EV_BREAK);
	if (newline)
		inline_push(st, '\n');
	line_reset(st);
}

/*
 * A table row: the outer pipes go, the inner ones become ", ", and the
 * padding around cells shrinks to nothing ("| a | b |" is "a, b").
 */
static void line_text(struct speech_text *st, int c)
{
	if (!st->table || st->escape) {
		st->escape = 0;
		inline_push(st, c);
		return;
	}
	if (c == '|') {
		st->pipe = 1;
		st->space = 0;
		return;
	}
	if (is_space(c)) {
		st->space = 1;
		return;
	}
	if (st->cells && st->pipe) {
		inline_push(st, ',');
		inline_push(st, ' ');
	} else if (st->cells && st->space) {
		inline_push(st, ' ');
	}
	st->pipe = st->space = 0;
	st->cells = 1;
	st->escape = c == '\\'; /* \| is a pipe inside a cell */
	inline_push(st, c);
}

static void fence_open(struct speech_text *st, char ch, size_t len,
		       int line_over)
{
	line_reset(st);
	st->line_mode = LINE_FENCE;
	st->fence_ch = ch;
	st->fence_len = len;
	/* the rest of the opening line (its language) cannot close it */
	st->close_state = line_over ? CLOSE_START : CLOSE_NO;
	st->close_run = 0;
	/* a sentence of its own, said while the code streams past */
	phrase_out(st, SPEECH_TEXT_CODE_PHRASE);
	inline_push(st, '\n');
}

/* Inside a code block: nothing is said; a line of the fence's character,
 * at least as long as the opening run, closes it. */
static void fence_byte(struct speech_text *st, int c)
{
	if (c == '\n') {
		if ((st->close_state == CLOSE_RUN ||
		     st->close_state == CLOSE_AFTER) &&
		    st->close_run >= st->fence_len)
			line_reset(st);
		st->close_state = CLOSE_START;
		st->close_run = 0;
		return;
	}
	switch (st->close_state) {
	case CLOSE_START: /* indentation, and a quote's '>' */
		if (c == st->fence_ch) {
			st->close_state = CLOSE_RUN;
			st->close_run = 1;
		} else if (!is_space(c) && c != '>') {
			st->close_state = CLOSE_NO;
		}
		break;
	case CLOSE_RUN:
		if (c == st->fence_ch)
			st->close_run++;
		else
			st->close_state = is_space(c) ? CLOSE_AFTER : CLOSE_NO;
		break;
	case CLOSE_AFTER:
		if (!is_space(c))
			st->close_state = CLOSE_NO;
		break;
	}
}

static size_t run_of(const char *p, size_t n, char ch)
{
	size_t r = 0;

	while (r < n && p[r] == ch)
		r++;
	return r;
}

/* What rules, table separator rows and setext underlines are made of. */
#define MARKS "-*_=:|+ \t\r"

/* A line of these alone has nothing to say. */
static int only_marks(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!in_set((unsigned char)p[i], MARKS))
			return 0;
	return 1;
}

static void pre_drop(struct speech_text *st, size_t n)
{
	memmove(st->pre, st->pre + n, st->pre_len - n);
	st->pre_len -= n;
}

/* "[ ] " and "[x] " after a list marker: a task list's boxes. */
static int task_box(const char *p, size_t n)
{
	static const char *const boxes[] = { "[ ]", "[x]", "[X]" };

	for (size_t i = 0; i < ARRAY_SIZE(boxes); i++)
		if (!strncmp(p, boxes[i], n < 3 ? n : 3))
			return 1;
	return 0;
}

/*
 * The bytes at the start of a line, until they say what the line is.
 * Returns with them still held when the next byte may change the answer
 * (line_over: no next byte on this line); otherwise the markers are
 * dropped and the rest goes on as text.  Never holds SPEECH_TEXT_PRE_MAX
 * bytes: each case that waits has a smaller bound.
 */
static void line_classify(struct speech_text *st, int line_over)
{
	char held[SPEECH_TEXT_PRE_MAX];
	size_t n, r;
	char c;

	for (;;) {
		const char *p = st->pre;
		int marker = !st->heading && !st->item;

		n = st->pre_len;
		if (!n)
			return;
		c = p[0];
		if (is_space(c) || (c == '>' && !st->heading)) {
			pre_drop(st, 1); /* indentation, quotes */
			continue;
		}
		if (c == '#' && marker) {
			r = run_of(p, n, '#');
			if (r == n && r <= 6 && !line_over)
				return;
			if (r <= 6 && (r == n || is_space(p[r]))) {
				st->heading = 1;
				pre_drop(st, r);
				continue;
			}
			break;
		}
		if (only_marks(p, n)) {
			if (line_over) {
				st->pre_len = 0; /* a rule: dropped */
				return;
			}
			if (n < sizeof(st->pre) - 1)
				return;
			/* a rule longer than pre[]: the rest of its marks go
			 * too, and any text after them is said */
			st->pre_len = 0;
			st->line_mode = LINE_SKIP;
			return;
		}
		if (in_set(c, "-*+") && marker && is_space(p[1])) {
			st->item = 1;
			pre_drop(st, 2);
			continue;
		}
		if (c == '|' && !st->heading) {
			st->table = 1;
			pre_drop(st, 1);
			break;
		}
		if (is_digit(c) && marker) {
			for (r = 0; r < n && is_digit(p[r]); r++)
				;
			if (r == n) {
				if (r <= 9 && !line_over)
					return;
				break;
			}
			if (r <= 9 && (p[r] == '.' || p[r] == ')')) {
				if (r + 1 == n && !line_over)
					return;
				if (r + 1 < n && is_space(p[r + 1])) {
					st->item = 1;
					pre_drop(st, r + 1);
					continue;
				}
			}
			break;
		}
		if ((c == '`' || c == '~') && !st->heading) {
			r = run_of(p, n, c);
			if (r == n && !line_over && n < sizeof(st->pre) - 1)
				return;
			if (r < 3 || (c == '`' && memchr(p + r, '`', n - r)))
				break; /* ```ls``` is a code span */
			if (c == '`' && !line_over && n < sizeof(st->pre) - 1)
				return; /* its language, to the line's end */
			fence_open(st, c, r, line_over);
			return;
		}
		if (c == '[' && st->item && task_box(p, n)) {
			if (n < 3 && !line_over)
				return;
			if (n == 3 || (n > 3 && is_space(p[3]))) {
				pre_drop(st, n == 3 ? 3 : 4);
				continue;
			}
		}
		break;
	}
	/* the rest of the line is text */
	n = st->pre_len;
	memcpy(held, st->pre, n);
	st->pre_len = 0;
	st->line_mode = LINE_TEXT;
	for (size_t i = 0; i < n; i++)
		line_text(st, (unsigned char)held[i]);
}

static void line_push(struct speech_text *st, int c)
{
	if (c == EV_END) {
		if (st->line_mode == LINE_START)
			line_classify(st, 1);
		if (st->line_mode == LINE_START || st->line_mode == LINE_TEXT)
			line_end(st, 0);
		line_reset(st);
		inline_push(st, EV_END);
		return;
	}
	switch (st->line_mode) {
	case LINE_FENCE:
		fence_byte(st, c);
		return;
	case LINE_SKIP:
		if (c == '\n') {
			line_end(st, 1);
		} else if (!in_set(c, MARKS)) {
			st->line_mode = LINE_TEXT;
			line_text(st, c);
		}
		return;
	case LINE_TEXT:
		if (c == '\n')
			line_end(st, 1);
		else
			line_text(st, c);
		return;
	}
	if (c == '\n') {
		line_classify(st, 1);
		if (st->line_mode != LINE_FENCE)
			line_end(st, 1);
		return;
	}
	if (!st->pre_len && is_space(c))
		return;
	st->pre[st->pre_len++] = (char)c;
	line_classify(st, 0);
}

/* ---- 1: code points ---- */

/*
 * Emoji by Unicode block: the pictographs of U+1F000-1FAFF (emoticons,
 * transport, flags' regional indicators, skin tones, the supplemental
 * symbols), Miscellaneous Symbols and Dingbats (U+2600-27BF), and the
 * emoji scattered in older blocks (Unicode's emoji-data.txt lists them:
 * watch, hourglass, play buttons, squares, star, circles, wavy dash).
 * Arrows and the (c) and TM signs are left: they are read as words.
 */
static int is_emoji(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{ 0x203c, 0x203c }, { 0x2049, 0x2049 }, { 0x231a, 0x231b },
		{ 0x2328, 0x2328 }, { 0x23cf, 0x23cf }, { 0x23e9, 0x23f3 },
		{ 0x23f8, 0x23fa }, { 0x24c2, 0x24c2 }, { 0x25aa, 0x25ab },
		{ 0x25b6, 0x25b6 }, { 0x25c0, 0x25c0 }, { 0x25fb, 0x25fe },
		{ 0x2600, 0x27bf }, { 0x2934, 0x2935 }, { 0x2b05, 0x2b07 },
		{ 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 },
		{ 0x3030, 0x3030 }, { 0x303d, 0x303d }, { 0x3297, 0x3297 },
		{ 0x3299, 0x3299 }, { 0x1f000, 0x1faff },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return 1;
	return 0;
}

static void keycap_let_go(struct speech_text *st)
{
	if (st->keycap)
		line_push(st, st->keycap);
	st->keycap = 0;
	st->keycap_vs = 0; /* a VS16 alone after a digit is dropped */
}

/*
 * One code point, with its bytes.  Dropped: emoji; the zero-width joiner
 * between two of them (elsewhere it shapes Indic scripts and stays);
 * variation selectors; tag characters (the subdivision flags); a keycap
 * (digit, # or *, VS16, U+20E3), which needs its base held until the
 * next code point says whether it is one; control characters but for
 * the white space the later stages read.
 */
static void code_point(struct speech_text *st, uint32_t cp, const uint8_t *b,
		       size_t n)
{
	if (st->keycap) {
		if (cp == 0xfe0f && !st->keycap_vs) {
			st->keycap_vs = 1;
			return;
		}
		if (cp == 0x20e3) {
			st->keycap = 0;
			st->keycap_vs = 0;
			st->in_emoji = 1;
			return;
		}
		keycap_let_go(st);
	}
	if (is_digit((int)cp) || cp == '#' || cp == '*') {
		st->keycap = (uint8_t)cp;
		st->in_emoji = 0;
		return;
	}
	if (cp == 0x200d && st->in_emoji)
		return;
	if (is_emoji(cp)) {
		st->in_emoji = 1;
		return;
	}
	if ((cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0x20e3 ||
	    (cp >= 0xe0020 && cp <= 0xe007f))
		return;
	if ((cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || cp == 0x7f)
		return;
	st->in_emoji = 0;
	for (size_t i = 0; i < n; i++)
		line_push(st, b[i]);
}

/* Bytes that are not UTF-8 go on unchanged: they are not ours to fix. */
static void utf8_let_go(struct speech_text *st)
{
	keycap_let_go(st);
	st->in_emoji = 0;
	for (size_t i = 0; i < st->u8_len; i++)
		line_push(st, st->u8[i]);
	st->u8_len = 0;
}

static void utf8_byte(struct speech_text *st, uint8_t b)
{
	uint32_t cp;

	if (st->u8_len) {
		if ((b & 0xc0) == 0x80) {
			st->u8[st->u8_len++] = b;
			if (st->u8_len < st->u8_need)
				return;
			if (st->u8_need == 2)
				cp = (uint32_t)(st->u8[0] & 0x1f) << 6;
			else if (st->u8_need == 3)
				cp = (uint32_t)(st->u8[0] & 0x0f) << 12 |
				     (uint32_t)(st->u8[1] & 0x3f) << 6;
			else
				cp = (uint32_t)(st->u8[0] & 0x07) << 18 |
				     (uint32_t)(st->u8[1] & 0x3f) << 12 |
				     (uint32_t)(st->u8[2] & 0x3f) << 6;
			cp |= b & 0x3f;
			if ((st->u8_need == 3 && (cp < 0x800 ||
						  (cp >= 0xd800 && cp < 0xe000))) ||
			    (st->u8_need == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
				utf8_let_go(st);
				return;
			}
			st->u8_len = 0;
			code_point(st, cp, st->u8, st->u8_need);
			return;
		}
		utf8_let_go(st); /* a sequence cut short */
	}
	if (b < 0x80) {
		code_point(st, b, &b, 1);
		return;
	}
	if (b >= 0xc2 && b <= 0xf4) {
		st->u8[0] = b;
		st->u8_len = 1;
		st->u8_need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
		return;
	}
	keycap_let_go(st);
	st->in_emoji = 0;
	line_push(st, b);
}

static void text_event(struct speech_text *st, int ev)
{
	utf8_let_go(st);
	line_push(st, ev);
}

/* ---- the calls ---- */

void speech_text_init(struct speech_text *st)
{
	memset(st, 0, sizeof(*st));
	st->prev = ' ';
	st->last = '\n';
	st->ended = 1;
}

/* Emits what was gathered; a stop asked for earlier is returned. */
static int out_flush(struct speech_text *st)
{
	int r = st->stop;

	if (!r && st->out_len)
		r = st->emit(st->out, st->out_len, st->ctx);
	st->out_len = 0;
	st->stop = 0;
	return r;
}

int speech_text_feed(struct speech_text *st, const char *in, size_t len,
		     int (*emit)(const char *text, size_t len, void *ctx),
		     void *ctx)
{
	st->emit = emit;
	st->ctx = ctx;
	st->stop = 0;
	for (size_t i = 0; i < len && !st->stop; i++)
		utf8_byte(st, (uint8_t)in[i]);
	return out_flush(st);
}

int speech_text_flush(struct speech_text *st,
		      int (*emit)(const char *, size_t, void *), void *ctx)
{
	int r;

	st->emit = emit;
	st->ctx = ctx;
	st->stop = 0;
	text_event(st, EV_END);
	r = out_flush(st);
	speech_text_init(st);
	return r;
}
