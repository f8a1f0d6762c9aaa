// SPDX-License-Identifier: MIT
/* Unit tests: app/ndjson.c, the Ollama line handler, the STT reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/ndjson.h"
#include "../../app/llm_stream.h"
#include "../../app/stt.h"

static char lines[8][128];
static int nlines;

static int collect(char *line, size_t len, void *ctx)
{
	(void)ctx;
	assert_int_equal(strlen(line), len);
	snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
	return 0;
}

static void splits_lines_across_chunks(void **state)
{
	static struct ndjson n;
	const char *stream = "{\"a\":1}\n{\"b\":\r\n\n2}\n{\"c\":3}";

	(void)state;
	nlines = 0;
	ndjson_init(&n, 0);
	/* one byte at a time: the worst chunking a socket can give */
	for (size_t i = 0; i < strlen(stream); i++)
		assert_int_equal(ndjson_feed(&n, stream + i, 1, collect, NULL),
				 0);
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[0], "{\"a\":1}");
	assert_string_equal(lines[1], "{\"b\":");
	assert_string_equal(lines[2], "2}");
	assert_int_equal(ndjson_pending(&n), 7); /* {"c":3} has no newline */
}

static void overlong_line_is_an_error(void **state)
{
	static struct ndjson n;
	char big[100];

	(void)state;
	nlines = 0;
	memset(big, 'x', sizeof(big));
	ndjson_init(&n, 64);
	assert_int_equal(ndjson_feed(&n, "{}\n", 3, collect, NULL), 0);
	assert_int_equal(ndjson_feed(&n, big, 60, collect, NULL), 0);
	assert_int_equal(ndjson_feed(&n, big, 10, collect, NULL), -EMSGSIZE);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "{}");
	/* after the error the splitter starts clean */
	assert_int_equal(ndjson_pending(&n), 0);
}

/* ---- Ollama lines ---- */

static struct llm_stream o;
static char tokens[256];

static int on_token(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	strncat(tokens, text, len);
	return 0;
}

static void on_done(void *ctx, enum peer_error e, const char *detail)
{
	(void)ctx;
	(void)e;
	(void)detail;
}

static char calls[512];

/* "name(args);" for each call, args "TOOLONG" when they did not fit */
static int on_tool_call(void *ctx, const char *id, const char *name,
			const char *args)
{
	size_t n = strlen(calls);

	(void)ctx;
	snprintf(calls + n, sizeof(calls) - n, "%s:%s(%s);", id, name,
		 args ? args : "TOOLONG");
	return 0;
}

static const struct llm_events ev = { .on_token = on_token,
				       .on_done = on_done,
				       .on_tool_call = on_tool_call };

static int line(const char *s)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", s);
	return llm_ollama.line(&o, buf, strlen(buf));
}

static void ollama_lines_give_text_and_done(void **state)
{
	(void)state;
	json_arena_install();
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	tokens[0] = '\0';
	assert_int_equal(line("{\"model\":\"m\",\"created_at\":\"2023-08-04T08:52:19Z\","
			      "\"message\":{\"role\":\"assistant\",\"content\":\"The\"},"
			      "\"done\":false}"), 0);
	/* thinking pieces are not spoken */
	assert_int_equal(line("{\"message\":{\"role\":\"assistant\",\"content\":\"\","
			      "\"thinking\":\"hmm\"},\"done\":false}"), 0);
	assert_int_equal(line("{\"message\":{\"role\":\"assistant\",\"content\":\" sky\"},"
			      "\"done\":false}"), 0);
	assert_int_equal(o.complete, 0);
	assert_int_equal(line("{\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
			      "\"done\":true,\"done_reason\":\"stop\",\"eval_count\":2}"), 1);
	assert_string_equal(tokens, "The sky");
	assert_int_equal(o.tokens, 2);
}

static void ollama_errors_are_failures(void **state)
{
	(void)state;
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	assert_int_equal(line("{\"error\":\"an error was encountered while running the model\"}"),
			 -1);
	assert_int_equal(o.fail, PEER_REMOTE);
	assert_string_equal(o.detail,
			    "an error was encountered while running the model");
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	assert_int_equal(line("data: {\"choices\":[]}"), -1);
	assert_int_equal(o.fail, PEER_PROTOCOL);
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	assert_int_equal(line("[1,2,3]"), -1);
	assert_int_equal(o.fail, PEER_PROTOCOL);
}

/* ---- OpenAI-compatible SSE lines ---- */

static int sse(const char *s_)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", s_);
	return llm_openai.line(&o, buf, strlen(buf));
}

static void sse_events_give_text_and_done(void **state)
{
	(void)state;
	json_arena_install();
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	tokens[0] = '\0';
	assert_int_equal(sse(": keep-alive"), 0);
	assert_int_equal(sse("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
			     "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
			     "\"content\":\"The\"},\"finish_reason\":null}]}"), 0);
	assert_int_equal(sse("event: message"), 0);
	assert_int_equal(sse("data:{\"choices\":[{\"index\":0,\"delta\":"
			     "{\"reasoning\":\"hmm\"}}]}"), 0);
	assert_int_equal(sse("data: {\"choices\":[{\"index\":0,\"delta\":"
			     "{\"content\":\" sky\"}}]}"), 0);
	assert_int_equal(sse("data: {\"choices\":[{\"index\":0,\"delta\":{},"
			     "\"finish_reason\":\"stop\"}]}"), 0);
	assert_int_equal(sse("data: {\"choices\":[],\"usage\":{\"total_tokens\":9}}"), 0);
	assert_int_equal(sse("data: [DONE]"), 1);
	assert_string_equal(tokens, "The sky");
}

static void sse_errors_are_failures(void **state)
{
	char msg[128];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	assert_int_equal(sse("data: {\"error\":{\"message\":\"boom\",\"type\":\"api_error\"}}"), -1);
	assert_int_equal(o.fail, PEER_REMOTE);
	assert_string_equal(o.detail, "boom");
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	assert_int_equal(sse("data: not json"), -1);
	assert_int_equal(o.fail, PEER_PROTOCOL);
	const char *body = "{\"error\":{\"message\":\"model \\\"x\\\" not found\"}}";

	llm_openai.error_text(body, strlen(body), msg, sizeof(msg));
	assert_string_equal(msg, "model \"x\" not found");
}

/* ---- STT replies ---- */

static struct stt s;

static enum peer_error reply(long status, const char *body, char *why)
{
	snprintf(s.http.body, sizeof(s.http.body), "%s", body);
	s.http.body_len = strlen(body);
	return stt_parse_reply(&s, status, why, 256);
}

static void ollama_tool_calls_have_object_arguments(void **state)
{
	(void)state;
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	calls[0] = '\0';
	assert_int_equal(line("{\"message\":{\"role\":\"assistant\",\"content\":\"\","
			      "\"tool_calls\":[{\"id\":\"call_x\",\"function\":{\"index\":0,"
			      "\"name\":\"set_timer\",\"arguments\":{\"seconds\":90}}},"
			      "{\"function\":{\"name\":\"get_time\",\"arguments\":{}}}]},"
			      "\"done\":false}"), 0);
	assert_string_equal(calls, "call_x:set_timer({\"seconds\":90});:get_time({});");
	/* a call without a name is a bad reply */
	assert_int_equal(line("{\"message\":{\"tool_calls\":[{\"function\":{}}]}}"), -1);
	assert_int_equal(o.fail, PEER_PROTOCOL);
}

static void sse_tool_calls_are_gathered_from_pieces(void **state)
{
	(void)state;
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	calls[0] = '\0';
	assert_int_equal(sse("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
			     "\"id\":\"c0\",\"function\":{\"name\":\"set_timer\","
			     "\"arguments\":\"{\\\"sec\"}}]}}]}"), 0);
	assert_int_equal(sse("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,"
			     "\"id\":\"c1\",\"function\":{\"name\":\"get_date\","
			     "\"arguments\":\"\"}}]}}]}"), 0);
	assert_int_equal(sse("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
			     "\"function\":{\"arguments\":\"onds\\\": 5}\"}}]}}]}"), 0);
	assert_string_equal(calls, ""); /* nothing until the end */
	assert_int_equal(sse("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"), 0);
	assert_int_equal(sse("data: [DONE]"), 1);
	assert_string_equal(calls, "c0:set_timer({\"seconds\": 5});c1:get_date();");
	/* an index past PARLEY_TOOL_CALLS_MAX is a bad reply */
	assert_int_equal(sse("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99,"
			     "\"function\":{\"name\":\"x\"}}]}}]}"), -1);
	assert_int_equal(o.fail, PEER_PROTOCOL);
}

static void stt_reply_text_is_trimmed(void **state)
{
	char why[256];

	(void)state;
	json_arena_install();
	assert_int_equal(reply(200, "{\"text\":\" Go forward ten meters.\\n\"}", why),
			 PEER_OK);
	assert_string_equal(s.text, "Go forward ten meters.");
	assert_int_equal(reply(200, "{\"text\":\"  \"}", why), PEER_EMPTY);
	assert_int_equal(reply(200, "{}", why), PEER_PROTOCOL);
	assert_string_equal(why, "reply has no \"text\"");
	assert_int_equal(reply(400, "{\"error\":{\"message\":\"bad audio\","
				    "\"type\":\"invalid_request_error\"}}", why),
			 PEER_HTTP);
	assert_string_equal(why, "HTTP 400: bad audio");
	assert_int_equal(reply(500, "{\"error\":\"failed to read audio data\"}", why),
			 PEER_HTTP);
	assert_string_equal(why, "HTTP 500: failed to read audio data");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(splits_lines_across_chunks),
		cmocka_unit_test(overlong_line_is_an_error),
		cmocka_unit_test(ollama_lines_give_text_and_done),
		cmocka_unit_test(ollama_errors_are_failures),
		cmocka_unit_test(sse_events_give_text_and_done),
		cmocka_unit_test(sse_errors_are_failures),
		cmocka_unit_test(ollama_tool_calls_have_object_arguments),
		cmocka_unit_test(sse_tool_calls_are_gathered_from_pieces),
		cmocka_unit_test(stt_reply_text_is_trimmed),
	};

	return cmocka_run_group_tests_name("ndjson", tests, NULL, NULL);
}
