/* SPDX-License-Identifier: MIT */
/*
 * Sentence chunker: turns streamed LLM tokens into speakable sentences.
 * Splits after . ! ? (and any closing quotes) followed by white space, and
 * at newlines; not inside numbers such as 3.5, not after common
 * abbreviations or initials.  Markdown markers are removed.
 */
#ifndef PARLEY_APP_CHUNKER_H
#define PARLEY_APP_CHUNKER_H

#include <stddef.h>

#include "../dsp/sizes.h"

/* Receives one sentence, NUL-terminated and trimmed; non-zero stops. */
typedef int (*chunker_cb)(const char *sentence, size_t len, void *ctx);

struct chunker {
	char buf[PARLEY_SENTENCE_MAX];
	size_t len;
	size_t line_begin; /* where the current line's text began in buf */
	int pending; /* a terminator was seen; waiting for the next byte */
	int line_start; /* no text yet on this line */
	int sentences; /* emitted since init */
	size_t comma_min; /* cut the first sentence at a comma after this
			   * many bytes (0: never), so first audio is early */
};

void chunker_init(struct chunker *c);
/* Lets the first sentence end at a comma once it is min bytes long. */
void chunker_first_clause(struct chunker *c, size_t min);
/* Feeds token text; calls cb for each sentence completed by it. */
int chunker_feed(struct chunker *c, const char *text, size_t len,
		 chunker_cb cb, void *ctx);
/* End of stream: emits what is left, if it has any word in it. */
int chunker_flush(struct chunker *c, chunker_cb cb, void *ctx);

#endif
