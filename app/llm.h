/* SPDX-License-Identifier: MIT */
/* What any language-model client reports to the conversation. */
#ifndef PARLEY_APP_LLM_H
#define PARLEY_APP_LLM_H

#include <stddef.h>

enum peer_error {
	PEER_OK = 0,
	PEER_UNREACHABLE, /* connect refused, DNS failure, no route */
	PEER_TIMEOUT, /* connect, first token, stall or whole request */
	PEER_MODEL_MISSING, /* the model is not on the host */
	PEER_HTTP, /* another HTTP error status */
	PEER_PROTOCOL, /* a reply we cannot read */
	PEER_REMOTE, /* the peer reported an error (mid-stream) */
	PEER_EMPTY, /* a valid reply with nothing in it */
};

const char *peer_error_name(enum peer_error e);

/* A function call the model asked for (tools.h). */
struct llm_tool_call {
	const char *id; /* "" when the server gives none */
	const char *name;
	const char *args; /* the arguments: a JSON object, as text */
};

struct llm_message {
	const char *role; /* "system", "user", "assistant", "tool" */
	const char *content;
	/* assistant: the tool calls it made (NULL, 0 for none) */
	const struct llm_tool_call *calls;
	int ncalls;
	/* tool: the call this result answers */
	const char *tool_name;
	const char *tool_call_id;
};

struct llm_events {
	/* A piece of answer text; non-zero stops the stream. */
	int (*on_token)(void *ctx, const char *text, size_t len);
	/* The end: e is PEER_OK after a complete answer. */
	void (*on_done)(void *ctx, enum peer_error e, const char *detail);
	/*
	 * A tool call in the reply (optional: NULL ignores calls); args is
	 * the arguments object as JSON text.  Non-zero stops the stream.
	 */
	int (*on_tool_call)(void *ctx, const char *id, const char *name,
			    const char *args);
};

#endif
