/* SPDX-License-Identifier: MIT */
/*
 * MCP client: the tools of the servers in mcp.servers (config_mcp.h),
 * offered to the model beside the device tools (tools.h) and called for
 * it.  The transport is MCP's Streamable HTTP: JSON-RPC 2.0 POSTed to the
 * server's URL, answered with JSON or a server-sent event stream, the
 * session in Mcp-Session-Id, the version in MCP-Protocol-Version, and a
 * GET stream for the server's own notifications (tools/list_changed).
 * Every transfer runs on the control loop's curl multi handle (http.h).
 *
 * A server's life: initialize, notifications/initialized, tools/list
 * (every page), then ready; a failure leaves its tools out and retries
 * after a back-off that doubles up to MCP_BACKOFF_MAX_MS; a session the
 * server has forgotten (404) is initialised again at once, and the calls
 * waiting for it are sent after.
 */
#ifndef PARLEY_APP_MCP_H
#define PARLEY_APP_MCP_H

#include <stddef.h>

#include "config.h"
#include "mcp_proto.h"

#define MCP_TOOLS_MAX 64 /* tools offered, all servers together */
#define MCP_SCHEMAS_BUDGET 16384 /* names, descriptions, schemas offered */
#define MCP_CALLS_MAX 9 /* calls in flight: one reply's, and the console's */
#define MCP_BACKOFF_MIN_MS 500
#define MCP_BACKOFF_MAX_MS 30000
#define MCP_SESSION_MAX 128 /* bytes of an Mcp-Session-Id */
#define MCP_ERROR_MAX 200 /* the last error kept for the console */
#define MCP_TOKEN_MAX 512

struct cJSON;

/* The servers of cfg: tokens read and discovery started.  A server whose
 * token cannot be read is left out ("failed", with the error logged and
 * shown by the console's mcp); the others and the speaker go on. */
void mcp_start(const struct parley_config *cfg);
/* A reload: servers whose settings changed start again, the others list
 * their tools again. */
void mcp_reload(const struct parley_config *cfg);
/* Everything stops; tokens are wiped. */
void mcp_stop(void);

/* Adds the offered tools to a request's "tools" array; 0 or -ENOMEM. */
int mcp_add_tools(struct cJSON *arr);
/* 1 if name is an offered MCP tool's (SERVER__tool). */
int mcp_has_tool(const char *name);

/* A call ended: out holds the result, or "error: ..." (failed 1). */
typedef void (*mcp_done_fn)(void *ctx, int failed);
/*
 * Calls the tool the model knows as name with args (a JSON object as
 * text; "" for none).  out (outlen bytes) must stay valid until done,
 * which runs later on the loop.  Returns a handle > 0, or -1 with out
 * holding "error: ..." and no callback to come.
 */
int mcp_call(const char *name, const char *args, char *out, size_t outlen,
	     mcp_done_fn done, void *ctx);
/* The same by server and the server's own tool name (console). */
int mcp_call_direct(const char *server, const char *tool, const char *args,
		    char *out, size_t outlen, mcp_done_fn done, void *ctx);
/* Drops a call in flight (the server is sent notifications/cancelled
 * with reason); its callback does not run.  Unknown handles are
 * ignored. */
void mcp_cancel(int handle, const char *reason);

/* For the console: one server's state. */
struct mcp_info {
	const char *name, *url;
	const char *state; /* "off", "connecting", "listing", "ready", ... */
	const char *session; /* "" without one */
	const char *version; /* negotiated protocol version, or "" */
	const char *server; /* serverInfo name and version, or "" */
	const char *error; /* the last error, or "" */
	int tools, offered; /* listed and allowed, and offered now */
	int retry_ms; /* while backing off: until the next attempt */
	int get_stream; /* the notification stream is open */
};
int mcp_count(void);
void mcp_info(int i, struct mcp_info *info);
/* The i-th offered tool of server s, or NULL past the last. */
const char *mcp_tool_name(int s, int i);

#endif
