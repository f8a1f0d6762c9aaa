// SPDX-License-Identifier: MIT
/* Unit tests: app/mcp_proto.c, MCP's messages and their framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../app/json_arena.h"
#include "../../app/mcp_proto.h"

static char events[8][256];
static int nevents;

static int collect(char *data, size_t len, void *ctx)
{
	(void)ctx;
	assert_int_equal(strlen(data), len);
	snprintf(events[nevents++], sizeof(events[0]), "%s", data);
	return 0;
}

static void feed_bytewise(struct mcp_sse *e, const char *s)
{
	for (size_t i = 0; i < strlen(s); i++)
		assert_int_equal(mcp_sse_feed(e, s + i, 1, collect, NULL), 0);
}

/* The SDK's framing (server/webStandardStreamableHttp.js writeSSEEvent,
 * the priming event, the keep-alive comment), and the format's own rules:
 * data lines joined by newlines, CR LF and CR line ends, one space after
 * the colon dropped, a last event with no blank line after it. */
static void sse_events(void **state)
{
	static struct mcp_sse e;

	(void)state;
	nevents = 0;
	mcp_sse_init(&e);
	feed_bytewise(&e, "id: 7\ndata: \n\n: keepalive\n\n"
			  "event: message\nid: 8\ndata: {\"a\":1}\n\n"
			  "data:x\r\ndata:  y\r\rdata\n\nretry: 5\n"
			  "datax: no\ndata: last");
	assert_int_equal(nevents, 2);
	assert_string_equal(events[0], "{\"a\":1}");
	assert_string_equal(events[1], "x\n y");
	assert_int_equal(mcp_sse_end(&e, collect, NULL), 0);
	assert_int_equal(nevents, 3);
	assert_string_equal(events[2], "last");
}

static void sse_event_too_long(void **state)
{
	static struct mcp_sse e;
	static char big[MCP_REPLY_MAX + 16];

	(void)state;
	nevents = 0;
	mcp_sse_init(&e);
	memcpy(big, "data: ", 6);
	/* one byte more than an event may hold */
	memset(big + 6, 'a', MCP_REPLY_MAX + 1);
	big[MCP_REPLY_MAX + 7] = '\n';
	big[MCP_REPLY_MAX + 8] = '\n';
	assert_int_equal(mcp_sse_feed(&e, big, MCP_REPLY_MAX + 9, collect,
				      NULL),
			 -EMSGSIZE);
	assert_int_equal(nevents, 0);
	/* the next event is whole again */
	assert_int_equal(mcp_sse_feed(&e, "data: ok\n\n", 10, collect, NULL),
			 0);
	assert_int_equal(nevents, 1);
	assert_string_equal(events[0], "ok");
}

static struct mcp_msg got[4];
static int ngot;

static void each(const struct mcp_msg *m, void *ctx)
{
	(void)ctx;
	got[ngot++] = *m;
}

static void jsonrpc_kinds(void **state)
{
	char why[128];

	(void)state;
	ngot = 0;
	json_arena_reset();
	assert_int_equal(mcp_parse("[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"},"
				   "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"},"
				   "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32001,\"message\":\"Session not found\"}},"
				   "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}]",
				   each, NULL, why, sizeof(why)),
			 4);
	assert_int_equal(got[0].kind, MK_NOTIFICATION);
	assert_int_equal(got[1].kind, MK_REQUEST);
	assert_string_equal(got[1].id_text, "\"p\"");
	assert_int_equal(got[2].kind, MK_ERROR);
	assert_int_equal(got[2].code, -32001);
	assert_string_equal(got[2].message, "Session not found");
	assert_int_equal(got[3].kind, MK_RESULT);
	assert_int_equal(got[3].id, 4);
	assert_int_equal(mcp_parse("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}",
				   each, NULL, why, sizeof(why)),
			 -1);
	assert_int_equal(mcp_parse("not json", each, NULL, why, sizeof(why)),
			 -1);
}

static void initialize_versions(void **state)
{
	char v[16], who[80], why[200];
	int tools = -1;
	cJSON *r;

	(void)state;
	json_arena_reset();
	r = cJSON_Parse("{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
			"\"serverInfo\":{\"name\":\"home-assistant\",\"version\":\"1.26.0\"}}");
	assert_int_equal(mcp_initialize_result(r, v, sizeof(v), &tools, who,
					       sizeof(who), why, sizeof(why)),
			 0);
	assert_string_equal(v, "2025-06-18");
	assert_int_equal(tools, 1);
	assert_string_equal(who, "home-assistant 1.26.0");
	r = cJSON_Parse("{\"protocolVersion\":\"2024-11-05\",\"capabilities\":{}}");
	assert_int_equal(mcp_initialize_result(r, v, sizeof(v), &tools, who,
					       sizeof(who), why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "2024-11-05"));
}

static int ntools;
static char last_schema[MCP_SCHEMA_MAX];

static void tool(const struct mcp_tool_desc *t, void *ctx)
{
	(void)ctx;
	ntools++;
	snprintf(last_schema, sizeof(last_schema), "%s", t->schema);
}

static void tools_pages(void **state)
{
	char cursor[MCP_CURSOR_MAX], why[200];
	int skipped = 0;
	cJSON *r;

	(void)state;
	ntools = 0;
	json_arena_reset();
	r = cJSON_Parse("{\"tools\":[{\"name\":\"ok\",\"inputSchema\":{\"type\":\"object\"}},"
			"{\"name\":\"no schema\"},{\"name\":\"\",\"inputSchema\":{\"type\":\"object\"}},"
			"{\"name\":\"str\",\"inputSchema\":{\"type\":\"string\"}}],\"nextCursor\":\"c2\"}");
	assert_int_equal(mcp_tools_page(r, tool, NULL, cursor, sizeof(cursor),
					&skipped, why, sizeof(why)),
			 0);
	assert_int_equal(ntools, 1);
	assert_int_equal(skipped, 3);
	assert_string_equal(cursor, "c2");
	assert_string_equal(last_schema, "{\"type\":\"object\"}");
	r = cJSON_Parse("{\"nextCursor\":\"x\"}");
	assert_int_equal(mcp_tools_page(r, tool, NULL, cursor, sizeof(cursor),
					&skipped, why, sizeof(why)),
			 -1);
}

static void call_text(void **state)
{
	char out[64];
	int err = -1;
	cJSON *r;

	(void)state;
	json_arena_reset();
	r = cJSON_Parse("{\"content\":[{\"type\":\"text\",\"text\":\"one\"},"
			"{\"type\":\"image\",\"data\":\"AA==\",\"mimeType\":\"image/png\"}],"
			"\"structuredContent\":{\"n\":1}}");
	assert_int_equal(mcp_call_text(r, out, sizeof(out), &err), 0);
	assert_string_equal(out, "one\n[image/png image, not shown]\n{\"n\":1}");
	assert_int_equal(err, 0);
	/* cut at the buffer, on a character boundary, with "..." */
	r = cJSON_Parse("{\"isError\":true,\"content\":[{\"type\":\"text\",\"text\":"
			"\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}]}");
	assert_int_equal(mcp_call_text(r, out, sizeof(out), &err), 0);
	assert_int_equal(err, 1);
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out + strlen(out) - 3, "...");
	assert_int_equal((unsigned char)out[strlen(out) - 4], 0xa9);
	r = cJSON_Parse("{\"content\":\"no\"}");
	assert_int_equal(mcp_call_text(r, out, sizeof(out), &err), -1);
}

static void exposed_names(void **state)
{
	char out[MCP_TOOL_NAME_MAX];
	char longname[80];

	(void)state;
	assert_int_equal(mcp_exposed_name("home", "get-sum.v2", out,
					  sizeof(out)),
			 0);
	assert_string_equal(out, "home__get-sum_v2");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(mcp_exposed_name("home", longname, out, sizeof(out)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sse_events),
		cmocka_unit_test(sse_event_too_long),
		cmocka_unit_test(jsonrpc_kinds),
		cmocka_unit_test(initialize_versions),
		cmocka_unit_test(tools_pages),
		cmocka_unit_test(call_text),
		cmocka_unit_test(exposed_names),
	};

	json_arena_install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
