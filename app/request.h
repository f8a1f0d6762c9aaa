/* SPDX-License-Identifier: MIT */
/*
 * The chat request of one turn: the system prompt (with the remembered
 * facts), the conversation's history from the store within its budget,
 * the user's words, and then each tool round: the model's calls, run on
 * the speaker, go back as one assistant message and one role "tool"
 * message per result.  Everything is in fixed arrays here.
 */
#ifndef PARLEY_APP_REQUEST_H
#define PARLEY_APP_REQUEST_H

#include <stddef.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "device.h"
#include "llm.h"
#include "store.h"

#define REQUEST_HISTORY_MSGS 66

/* One tool call of the model and what it gave. */
struct request_call {
	char id[64];
	char name[64];
	char args[PARLEY_TOOL_ARGS_MAX];
	char result[PARLEY_TOOL_RESULT_MAX];
	int too_long; /* the arguments did not fit */
	int handle; /* an MCP call in flight (mcp.h), or 0 */
	int failed;
	struct request *req;
};

struct request {
	char history[PARLEY_HISTORY_CHARS_MAX + 2 * 64];
	size_t history_len;
	char system[PARLEY_PROMPT_MAX + PARLEY_FACTS_CHARS_MAX];
	struct llm_message msgs[REQUEST_HISTORY_MSGS + 2 +
				PARLEY_TOOL_ROUNDS_MAX *
					(1 + PARLEY_TOOL_CALLS_MAX)];
	int nmsgs;
	int round; /* tool rounds done in this turn */
	int ncalls; /* calls in the reply being received */
	int tools_used;
	struct request_call call[PARLEY_TOOL_ROUNDS_MAX][PARLEY_TOOL_CALLS_MAX];
	struct llm_tool_call calls[PARLEY_TOOL_ROUNDS_MAX]
				  [PARLEY_TOOL_CALLS_MAX];
	char round_text[PARLEY_TOOL_ROUNDS_MAX][PARLEY_SENTENCE_MAX];
	/* the round in progress while MCP calls run */
	int round_calls; /* its calls */
	int pending; /* MCP calls not answered yet */
	void (*round_done)(void *ctx); /* then: the messages are in */
	void *round_ctx;
};

/*
 * The first request of a turn: system prompt and facts, the history of
 * conversation conv (none if conv < 0), and the user's words (kept by
 * reference: transcript must outlive the request).
 */
void request_begin(struct request *r, const struct parley_config *cfg,
		   struct store *st, int64_t conv, const char *transcript);
/* A tool call in the reply being received (from the LLM stream). */
void request_add_call(struct request *r, const char *id, const char *name,
		      const char *args);
/*
 * The reply asked for tools: runs the device tools through d and starts
 * the MCP tools' calls (mcp.h); when every result is in, appends the
 * assistant's message (its text so far, reply/len, and the calls) and one
 * role "tool" message per result.  0 when that is done already; 1 when
 * MCP calls run, and done(ctx) follows on the loop once the messages are
 * in; -E2BIG when the model has used up PARLEY_TOOL_ROUNDS_MAX rounds.
 */
int request_tool_round(struct request *r, struct device *d, const char *reply,
		       size_t len, void (*done)(void *ctx), void *ctx);
/* A turn stopped (barge-in, cancel): the MCP calls in flight are
 * cancelled (notifications/cancelled) and done is not called. */
void request_cancel_tools(struct request *r);

#endif
