/* SPDX-License-Identifier: MIT */
/*
 * Ollama client: POST /api/chat with stream true and think false; the
 * NDJSON reply is split into lines in a fixed buffer and each line parsed
 * with cJSON on the arena.
 */
#ifndef PARLEY_APP_OLLAMA_H
#define PARLEY_APP_OLLAMA_H

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "llm.h"
#include "ndjson.h"

struct ollama {
	struct http_xfer x;
	struct ndjson nd;
	char url[CONFIG_STR_MAX + 16];
	char req[PARLEY_REQUEST_MAX];
	char errbody[4096]; /* body of a non-200 reply, truncated */
	size_t errlen;
	char model[CONFIG_STR_MAX];
	char detail[512]; /* why a stream failed */
	enum peer_error fail; /* set by a line handler */
	int got_done;
	unsigned tokens;
	int timer;
	int first_token_ms, stall_ms;
	const struct llm_events *ev;
	void *ctx;
};

/* Starts a streamed chat.  0, or -errno if the request cannot be built. */
int ollama_chat(struct ollama *o, const struct parley_config *cfg,
		const struct llm_message *msgs, int n,
		const struct llm_events *ev, void *ctx);
/* Stops the stream now; no event follows. */
void ollama_abort(struct ollama *o);
/* Parses one NDJSON line (exposed for tests): 0, 1 on done, -1 on error
 * (o->fail and o->detail set). */
int ollama_line(struct ollama *o, char *line, size_t len);

#endif
