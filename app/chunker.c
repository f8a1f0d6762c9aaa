// SPDX-License-Identifier: MIT
/*
 * The chunker reads bytes one at a time; UTF-8 sequences pass through as
 * they never contain ASCII punctuation.  The first sentence may also end
 * at a comma once it is comma_min bytes long, so that a long opening
 * clause is spoken while the rest is still arriving.  After a terminator it waits for
 * the next byte: white space ends the sentence (unless the word before the
 * dot is an abbreviation or an initial), anything else continues it, which
 * keeps "3.5", "e.g." and "example.com" whole.  A newline ends a sentence.
 * Markdown is not ours to read: the text comes through the speech filter
 * (speech_text.h) first, which has turned it into plain sentences.  A
 * sentence that outgrows the buffer is cut at its last space.
 */
#include "chunker.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const abbreviations[] = {
	"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc",
	"e.g", "i.e", "approx", "no", "fig", "mt", "inc", "ltd", "co", "ca",
	"cf", "al", "ave", "dept", "est", "min", "max", "sec", "hr", "jan",
	"feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
	"dec",
};

void chunker_init(struct chunker *c)
{
	c->len = 0;
	c->line_begin = 0;
	c->pending = 0;
	c->line_start = 1;
	c->sentences = 0;
	c->comma_min = 0;
}

void chunker_first_clause(struct chunker *c, size_t min)
{
	c->comma_min = min;
}

static int has_word(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* Emits buf[0..n) and keeps the rest. */
static int emit_part(struct chunker *c, size_t n, chunker_cb cb, void *ctx)
{
	char out[PARLEY_SENTENCE_MAX];
	size_t len = n;
	int r = 0;

	while (len && c->buf[len - 1] == ' ')
		len--;
	memcpy(out, c->buf, len);
	out[len] = '\0';
	while (n < c->len && c->buf[n] == ' ')
		n++;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	c->line_begin = c->line_begin > n ? c->line_begin - n : 0;
	if (has_word(out, len)) {
		c->sentences++;
		r = cb(out, len, ctx);
	}
	return r;
}

static int emit(struct chunker *c, chunker_cb cb, void *ctx)
{
	c->pending = 0;
	return emit_part(c, c->len, cb, ctx);
}

/* The word before the terminator run at the end of buf. */
static int ends_with_abbreviation(const struct chunker *c)
{
	size_t end = c->len, start;
	char word[16];

	while (end && strchr(".!?\"')", c->buf[end - 1]))
		end--;
	if (end == c->len || c->buf[end] != '.')
		return 0; /* only a dot can follow an abbreviation */
	start = end;
	while (start && c->buf[start - 1] != ' ')
		start--;
	while (start < end && strchr("(\"'", c->buf[start]))
		start++;
	if (end - start == 1 && isalpha((unsigned char)c->buf[start]))
		return 1; /* an initial */
	if (end - start == 0 || end - start >= sizeof(word))
		return 0;
	memcpy(word, c->buf + start, end - start);
	word[end - start] = '\0';
	for (size_t i = 0; i < sizeof(abbreviations) / sizeof(*abbreviations);
	     i++)
		if (!strcasecmp(word, abbreviations[i]))
			return 1;
	return 0;
}

static void append(struct chunker *c, char ch)
{
	c->buf[c->len++] = ch;
}

static int overflow(struct chunker *c, chunker_cb cb, void *ctx)
{
	size_t cut = c->len;

	while (cut > c->len / 2 && c->buf[cut - 1] != ' ')
		cut--;
	if (cut <= c->len / 2)
		cut = c->len;
	c->pending = 0;
	return emit_part(c, cut, cb, ctx);
}

static int feed_byte(struct chunker *c, char ch, chunker_cb cb, void *ctx)
{
	int r;

	/* control bytes (NUL among them) are never spoken */
	if ((unsigned char)ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
		return 0;
	if (ch == 0x7f)
		return 0;
	if (ch == '\n') {
		c->line_start = 1;
		return emit(c, cb, ctx);
	}
	if (ch == '\t' || ch == '\r')
		ch = ' ';
	if (c->line_start) {
		if (ch == ' ')
			return 0;
		c->line_start = 0;
		c->line_begin = c->len;
	}
	if (c->pending) {
		if (strchr(".!?\"')", ch)) {
			if (c->len >= sizeof(c->buf) - 2) {
				r = overflow(c, cb, ctx);
				if (r)
					return r;
			}
			append(c, ch);
			return 0;
		}
		c->pending = 0;
		if (ch == ' ') {
			if (!ends_with_abbreviation(c))
				return emit(c, cb, ctx);
		}
	}
	if (ch == ' ' && c->comma_min && c->sentences == 0 &&
	    c->len >= c->comma_min && c->buf[c->len - 1] == ',')
		return emit(c, cb, ctx); /* a long first clause goes early */
	if (ch == ' ' && (c->len == 0 || c->buf[c->len - 1] == ' '))
		return 0;
	if (c->len >= sizeof(c->buf) - 2) {
		r = overflow(c, cb, ctx);
		if (r)
			return r;
	}
	append(c, ch);
	if (ch == '.' || ch == '!' || ch == '?')
		c->pending = 1;
	return 0;
}

int chunker_feed(struct chunker *c, const char *text, size_t len,
		 chunker_cb cb, void *ctx)
{
	for (size_t i = 0; i < len; i++) {
		int r = feed_byte(c, text[i], cb, ctx);

		if (r)
			return r;
	}
	return 0;
}

int chunker_flush(struct chunker *c, chunker_cb cb, void *ctx)
{
	int r = emit(c, cb, ctx);

	c->line_start = 1;
	return r;
}
