// SPDX-License-Identifier: MIT
/*
 * Fuzz target: an MCP server's replies (mcp_proto.c), as they come off
 * the network: the first byte picks the framing (even: a server-sent
 * event stream fed in pieces of the second byte's size; odd: a JSON
 * body), the rest is the reply.  Each message is read as our client
 * does: JSON-RPC, then as an initialize result, a tools/list page and a
 * tools/call result.  Checked: every output is a C string within its
 * buffer; a tool offered has a name and a schema that is a JSON object;
 * a call's text has no byte the buffer cannot hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../app/json_arena.h"
#include "../../app/mcp_proto.h"

static void within(const char *s, size_t len)
{
	if (strnlen(s, len) >= len)
		abort();
}

static void tool(const struct mcp_tool_desc *t, void *ctx)
{
	char name[MCP_TOOL_NAME_MAX];

	(void)ctx;
	if (!t->name[0])
		abort();
	within(t->description, sizeof(t->description));
	within(t->schema, sizeof(t->schema));
	if (!t->schema_too_big && t->schema[0] != '{')
		abort();
	if (!mcp_exposed_name("srv", t->name, name, sizeof(name)))
		for (char *p = name; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p))
				abort();
}

static void message(const struct mcp_msg *m, void *ctx)
{
	char a[32], b[80], why[256], cursor[MCP_CURSOR_MAX], out[1024];
	int has_tools, skipped = 0, is_error;

	(void)ctx;
	within(m->id_text, sizeof(m->id_text));
	if (m->kind != MK_RESULT)
		return;
	if (!mcp_initialize_result(m->result, a, sizeof(a), &has_tools, b,
				   sizeof(b), why, sizeof(why))) {
		within(a, sizeof(a));
		within(b, sizeof(b));
	}
	within(why, sizeof(why));
	mcp_tools_page(m->result, tool, NULL, cursor, sizeof(cursor),
		       &skipped, why, sizeof(why));
	within(cursor, sizeof(cursor));
	mcp_call_text(m->result, out, sizeof(out), &is_error);
	within(out, sizeof(out));
}

static int event(char *data, size_t len, void *ctx)
{
	char why[128];

	(void)ctx;
	if (strlen(data) != len)
		abort();
	json_arena_reset();
	mcp_parse(data, message, NULL, why, sizeof(why));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mcp_sse e;
	static char body[MCP_REPLY_MAX + 1];
	size_t step;

	json_arena_install();
	if (size < 2)
		return 0;
	step = data[1] ? data[1] : 1;
	if (data[0] & 1) {
		size_t n = size - 2 < MCP_REPLY_MAX ? size - 2 : MCP_REPLY_MAX;

		memcpy(body, data + 2, n);
		body[n] = '\0';
		event(body, strlen(body), NULL);
		return 0;
	}
	mcp_sse_init(&e);
	for (size_t i = 2; i < size; i += step) {
		size_t n = size - i < step ? size - i : step;

		if (mcp_sse_feed(&e, (const char *)data + i, n, event, NULL))
			mcp_sse_init(&e);
	}
	mcp_sse_end(&e, event, NULL);
	return 0;
}
