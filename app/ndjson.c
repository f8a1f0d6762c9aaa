// SPDX-License-Identifier: MIT
/* NDJSON line splitter over a fixed buffer. */
#include "ndjson.h"

#include <errno.h>
#include <string.h>

void ndjson_init(struct ndjson *n, size_t cap)
{
	n->len = 0;
	n->cap = cap > PARLEY_LINE_MAX || cap == 0 ? PARLEY_LINE_MAX : cap;
}

static int emit(struct ndjson *n, ndjson_line_cb cb, void *ctx)
{
	size_t len = n->len;

	if (len && n->buf[len - 1] == '\r')
		len--;
	n->buf[len] = '\0';
	n->len = 0;
	if (len == 0)
		return 0;
	return cb(n->buf, len, ctx);
}

int ndjson_feed(struct ndjson *n, const char *data, size_t len,
		ndjson_line_cb cb, void *ctx)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		int r;

		if (n->len + take > n->cap) {
			n->len = 0;
			return -EMSGSIZE;
		}
		memcpy(n->buf + n->len, data, take);
		n->len += take;
		if (!nl)
			return 0;
		data += take + 1;
		len -= take + 1;
		r = emit(n, cb, ctx);
		if (r)
			return r;
	}
	return 0;
}

size_t ndjson_pending(const struct ndjson *n)
{
	return n->len;
}
