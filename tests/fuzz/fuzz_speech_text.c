// SPDX-License-Identifier: MIT
/*
 * Fuzz target: text for speech.  The first byte picks how the rest is
 * split into tokens.  The input goes through the filter whole and then
 * split; the two outputs must be the same, and the output must hold no
 * backtick, no "http://" or "https://", no control byte but the newline,
 * and be no longer than the input allows: each byte gives at most one
 * out, but a table's "|" becomes ", ", a line's end may gain a full stop
 * for the marker it lost, and a code block gives the phrase once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../app/speech_text.h"

#define IN_MAX 65536 /* the longest line an LLM reply may have (PARLEY_LINE_MAX) */
#define OUT_MAX (4 * IN_MAX)

struct sink {
	char buf[OUT_MAX];
	size_t len;
};

static struct sink whole, split;

static int collect(const char *text, size_t len, void *ctx)
{
	struct sink *s = ctx;

	if (len == 0 || s->len + len > sizeof(s->buf))
		abort();
	memcpy(s->buf + s->len, text, len);
	s->len += len;
	return 0;
}

static size_t count(const char *s, size_t n, const char *what)
{
	size_t k = 0, w = strlen(what);

	for (size_t i = 0; i + w <= n; i++)
		if (!strncasecmp(s + i, what, w))
			k++;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct speech_text st;
	const char *in = (const char *)data + 1;
	size_t n, bound, piece;

	if (size < 1 || size > IN_MAX)
		return 0;
	n = size - 1;
	whole.len = split.len = 0;

	speech_text_init(&st);
	speech_text_feed(&st, in, n, collect, &whole);
	speech_text_flush(&st, collect, &whole);

	/* the same struct again: flush must have started it afresh */
	for (size_t off = 0, i = 0; off < n; off += piece, i++) {
		piece = (size_t)(data[0] + i * 7) % (1 + data[0] % 13) + 1;
		if (piece > n - off)
			piece = n - off;
		speech_text_feed(&st, in + off, piece, collect, &split);
	}
	speech_text_flush(&st, collect, &split);

	if (whole.len != split.len || memcmp(whole.buf, split.buf, whole.len))
		abort();
	for (size_t i = 0; i < whole.len; i++) {
		unsigned char c = (unsigned char)whole.buf[i];

		if (c == '`' || (c < 0x20 && c != '\n') || c == 0x7f)
			abort();
	}
	if (count(whole.buf, whole.len, "http://") ||
	    count(whole.buf, whole.len, "https://"))
		abort();
	bound = n + count(in, n, "|") + 1 +
		count(whole.buf, whole.len, SPEECH_TEXT_CODE_PHRASE) *
			(strlen(SPEECH_TEXT_CODE_PHRASE) + 1);
	if (whole.len > bound)
		abort();
	return 0;
}
