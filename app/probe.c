// SPDX-License-Identifier: MIT
/* GET probes: the body is kept up to PROBE_BODY_MAX bytes, the rest is
 * counted as truncated. */
#include "probe.h"

#include <stdio.h>
#include <string.h>

#include "loop.h"

static int on_data(void *ctx, const char *data, size_t len)
{
	struct probe *pr = ctx;
	size_t room = PROBE_BODY_MAX - pr->len;

	if (len > room) {
		pr->truncated = 1;
		len = room;
	}
	memcpy(pr->body + pr->len, data, len);
	pr->len += len;
	pr->body[pr->len] = '\0';
	return 0;
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct probe *pr = ctx;

	pr->done(pr, (int)code, status, err, pr->ctx);
}

static const struct http_handlers handlers = { on_data, on_done };

int probe_get(struct probe *pr, const char *url, long timeout_ms,
	      void (*done)(struct probe *pr, int code, long status,
			   const char *err, void *ctx),
	      void *ctx)
{
	struct http_opts o = { .connect_timeout_ms = timeout_ms,
			       .timeout_ms = timeout_ms };

	http_abort(&pr->x);
	snprintf(pr->url, sizeof(pr->url), "%s", url);
	pr->len = 0;
	pr->body[0] = '\0';
	pr->truncated = 0;
	pr->done = done;
	pr->ctx = ctx;
	pr->t0 = loop_now_ms();
	return http_start(&pr->x, pr->url, NULL, 0, NULL, &o, &handlers, pr);
}

unsigned probe_rtt_ms(const struct probe *pr)
{
	return (unsigned)(loop_now_ms() - pr->t0);
}

void probe_abort(struct probe *pr)
{
	http_abort(&pr->x);
}
