/* SPDX-License-Identifier: MIT */
/*
 * MCP's wire format, apart from the transfers (mcp.c): JSON-RPC 2.0
 * messages as they come in a JSON reply body or in server-sent events,
 * the initialize result, a tools/list page and a tools/call result.
 * Everything here is untrusted input from the network: bounded, checked,
 * and parsed through the JSON arena (json_arena.h).
 */
#ifndef PARLEY_APP_MCP_PROTO_H
#define PARLEY_APP_MCP_PROTO_H

#include <stddef.h>

#define MCP_REPLY_MAX 65536 /* one JSON-RPC message (an SSE event's data) */
#define MCP_TOOL_NAME_MAX 64 /* the name the model sees, NUL included */
#define MCP_REMOTE_NAME_MAX 128 /* the server's name of a tool, NUL too */
#define MCP_DESC_MAX 384 /* a tool's description as offered */
#define MCP_SCHEMA_MAX 3072 /* one inputSchema as JSON text */
#define MCP_LIST_PAGES_MAX 16 /* tools/list pages followed */
#define MCP_CURSOR_MAX 256
#define MCP_PROTOCOL_VERSION "2025-11-25" /* what initialize asks for */

/*
 * Server-sent events (the WHATWG event stream format): "data:" lines are
 * joined with newlines, a blank line ends an event, ":" lines are
 * comments, and "event:", "id:" and "retry:" are read past.  Bytes go in
 * as they come; an event whose data does not fit is an error, never
 * growth, and one with a NUL byte is passed over (JSON has none).
 */
struct mcp_sse {
	char data[MCP_REPLY_MAX + 1];
	size_t len;
	char field[8]; /* the field name being read */
	size_t flen;
	int state; /* where in a line */
	int has_data; /* a data line was seen in this event */
	int overflow;
};

/* Called with each event's data, NUL-terminated; non-zero stops. */
typedef int (*mcp_event_cb)(char *data, size_t len, void *ctx);

void mcp_sse_init(struct mcp_sse *e);
/* 0, the callback's non-zero value, or -EMSGSIZE. */
int mcp_sse_feed(struct mcp_sse *e, const char *buf, size_t len,
		 mcp_event_cb cb, void *ctx);
/* The end of the stream: an event not closed by a blank line is given. */
int mcp_sse_end(struct mcp_sse *e, mcp_event_cb cb, void *ctx);

enum mcp_kind {
	MK_INVALID,
	MK_RESULT, /* a response with result */
	MK_ERROR, /* a response with error */
	MK_REQUEST, /* the server asks (ping, ...) */
	MK_NOTIFICATION
};

struct cJSON;
struct mcp_msg {
	enum mcp_kind kind;
	long long id; /* responses, requests: numeric ids only (ours are) */
	int id_is_num;
	char id_text[64]; /* a request's id as JSON, to answer it */
	const char *method; /* requests and notifications */
	const struct cJSON *result;
	const struct cJSON *params;
	long code; /* MK_ERROR */
	const char *message; /* MK_ERROR */
};

/*
 * One JSON-RPC message from json (arena reset by the caller; the message
 * points into the arena).  A JSON array (a batch) gives its members to
 * each(); one object gives itself.  Returns the number of messages, or -1
 * if json is not JSON-RPC at all (why filled).
 */
int mcp_parse(const char *json, void (*each)(const struct mcp_msg *m,
					     void *ctx),
	      void *ctx, char *why, size_t whylen);

/* The initialize result: the negotiated version (one we speak), whether
 * the server has tools, and its name.  0, or -1 with why. */
int mcp_initialize_result(const struct cJSON *result, char *version,
			  size_t vlen, int *has_tools, char *server,
			  size_t slen, char *why, size_t whylen);

/* One tool of a tools/list page, checked and bounded. */
struct mcp_tool_desc {
	const char *name; /* as the server calls it */
	char description[MCP_DESC_MAX];
	char schema[MCP_SCHEMA_MAX]; /* the inputSchema as JSON text */
	int schema_too_big;
};

/*
 * A tools/list result: each tool to tool(); nextCursor, if any, into
 * cursor (else ""); 0, or -1 with why (not a list, a bad cursor).  A tool
 * without a usable name or inputSchema is passed over and counted in
 * *skipped.
 */
int mcp_tools_page(const struct cJSON *result,
		   void (*tool)(const struct mcp_tool_desc *t, void *ctx),
		   void *ctx, char *cursor, size_t clen, int *skipped,
		   char *why, size_t whylen);

/*
 * A tools/call result as text for the model: the text contents joined,
 * other contents named ("[image/png image]"), structuredContent as
 * JSON; cut at outlen with "...".  *is_error is the result's isError.
 * 0, or -1 if the result is not a CallToolResult (out says why).
 */
int mcp_call_text(const struct cJSON *result, char *out, size_t outlen,
		  int *is_error);

/* A tool's name for the model: "SERVER__tool", with bytes outside
 * [A-Za-z0-9_-] as '_'.  0, or -1 if it is longer than
 * MCP_TOOL_NAME_MAX - 1. */
int mcp_exposed_name(const char *server, const char *tool, char *out,
		     size_t outlen);

#endif
