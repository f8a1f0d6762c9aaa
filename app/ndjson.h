/* SPDX-License-Identifier: MIT */
/*
 * Newline-delimited JSON: splits a byte stream into lines in a fixed
 * buffer.  A line longer than the buffer is an error, never growth.
 */
#ifndef PARLEY_APP_NDJSON_H
#define PARLEY_APP_NDJSON_H

#include <stddef.h>

#include "../dsp/sizes.h"

struct ndjson {
	char buf[PARLEY_LINE_MAX + 1];
	size_t len;
	size_t cap; /* at most PARLEY_LINE_MAX; tests use smaller */
};

/* Called with each complete line, NUL-terminated, without the newline or a
 * trailing CR.  Empty lines are skipped.  A non-zero return stops feeding
 * and is returned by ndjson_feed. */
typedef int (*ndjson_line_cb)(char *line, size_t len, void *ctx);

void ndjson_init(struct ndjson *n, size_t cap);
/* Returns 0, the callback's non-zero value, or -EMSGSIZE if a line is
 * longer than cap. */
int ndjson_feed(struct ndjson *n, const char *data, size_t len,
		ndjson_line_cb cb, void *ctx);
/* Bytes of an unfinished last line still held. */
size_t ndjson_pending(const struct ndjson *n);

#endif
