// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the sentence chunker.  Token text arrives in pieces of
 * varying size; every sentence must be non-empty, shorter than the limit
 * and on one line, free of control bytes.  Markdown markers may stay: the
 * speech filter (speech_text.h, its own target) removes them before the
 * chunker sees the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/chunker.h"

static int check(const char *s, size_t len, void *ctx)
{
	(void)ctx;
	if (len == 0 || len >= PARLEY_SENTENCE_MAX || strlen(s) != len ||
	    strpbrk(s, "\n\r\t\x01\x1f\x7f"))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunker c;
	size_t piece;

	if (size < 2)
		return 0;
	chunker_init(&c);
	chunker_first_clause(&c, data[0] % 2 ? (size_t)data[0] : 0);
	piece = (size_t)data[1] % 16 + 1;
	for (size_t off = 2; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		chunker_feed(&c, (const char *)data + off, n, check, NULL);
	}
	chunker_flush(&c, check, NULL);
	return 0;
}
