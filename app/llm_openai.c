// SPDX-License-Identifier: MIT
/*
 * OpenAI-compatible /v1/chat/completions with stream true, as llama.cpp's
 * server, vLLM, LocalAI and Ollama itself serve it.  The reply is
 * server-sent events: "data: {json}" lines with the text in
 * choices[0].delta.content (reasoning pieces are ignored), blank lines
 * between events, ":" comments, and "data: [DONE]" at the end; a stream
 * that ends before [DONE] is a failure.  Errors come as
 * {"error": {"message": ...}}.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "llm_stream.h"
#include "probe.h"
#include "tools.h"

static int build(struct llm_stream *s, const struct parley_config *cfg,
		 const struct llm_message *msgs, int n)
{
	cJSON *root = cJSON_CreateObject();

	if (!root)
		return -ENOMEM;
	cJSON_AddStringToObject(root, "model", cfg->llm_model);
	cJSON_AddBoolToObject(root, "stream", 1);
	cJSON_AddNumberToObject(root, "temperature", cfg->temperature);
	if (cfg->num_predict > 0)
		cJSON_AddNumberToObject(root, "max_tokens", cfg->num_predict);
	if (llm_add_messages_tools(root, msgs, n, 1))
		return -ENOMEM;
	/* after the messages, so a debug log of the request shows them */
	if (llm_tools_on(s, cfg) && tools_add_schema(root))
		return -ENOMEM;
	return cJSON_PrintPreallocated(root, s->req, sizeof(s->req), 0) ?
		       0 :
		       -EMSGSIZE;
}

static int fail(struct llm_stream *s, enum peer_error e, const char *why)
{
	s->fail = e;
	snprintf(s->detail, sizeof(s->detail), "%s", why);
	return -1;
}

/*
 * delta.tool_calls[]: the first piece of a call has its index, id and
 * name; later pieces (same index) carry more of the arguments string.
 */
static int gather_calls(struct llm_stream *s, cJSON *calls)
{
	cJSON *c;

	cJSON_ArrayForEach(c, calls)
	{
		cJSON *idx = cJSON_GetObjectItemCaseSensitive(c, "index");
		cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
		cJSON *f = cJSON_GetObjectItemCaseSensitive(c, "function");
		cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		cJSON *args = cJSON_GetObjectItemCaseSensitive(f, "arguments");
		int i = cJSON_IsNumber(idx) ? idx->valueint : s->npartial - 1;
		struct llm_partial_call *p;

		if (cJSON_IsString(name) && !cJSON_IsNumber(idx))
			i = s->npartial; /* no index: each named piece is new */
		if (i < 0 || i >= PARLEY_TOOL_CALLS_MAX)
			return fail(s, PEER_PROTOCOL,
				    "a tool call index out of range");
		while (s->npartial <= i) {
			memset(&s->partial[s->npartial], 0,
			       sizeof(s->partial[0]));
			s->npartial++;
		}
		p = &s->partial[i];
		if (cJSON_IsString(id))
			snprintf(p->id, sizeof(p->id), "%s", id->valuestring);
		if (cJSON_IsString(name))
			snprintf(p->name, sizeof(p->name), "%s",
				 name->valuestring);
		if (cJSON_IsString(args)) {
			size_t n = strlen(args->valuestring);

			if (p->len + n >= sizeof(p->args)) {
				p->too_long = 1;
				continue;
			}
			memcpy(p->args + p->len, args->valuestring, n + 1);
			p->len += n;
		} else if (cJSON_IsObject(args)) { /* lenient: an object */
			if (!cJSON_PrintPreallocated(args, p->args,
						     (int)sizeof(p->args), 0))
				p->too_long = 1;
			p->len = strlen(p->args);
		}
	}
	return 0;
}

/* The gathered calls go to the listener, once. */
static int flush_calls(struct llm_stream *s)
{
	int n = s->npartial;

	s->npartial = 0;
	for (int i = 0; i < n; i++) {
		struct llm_partial_call *p = &s->partial[i];

		if (!p->name[0])
			return fail(s, PEER_PROTOCOL,
				    "a tool call without a function name");
		if (llm_tool_text(s, p->id, p->name,
				  p->too_long ? NULL : p->args))
			return -1;
	}
	return 0;
}

/*
 * Older llama.cpp servers ended a failed stream with a line "error: {json}"
 * and no "data:" (examples/server/server.cpp, before errors became SSE
 * data events); the message is in error.message, or the object is the
 * error itself.
 */
static int stream_error(struct llm_stream *s, const char *rest)
{
	cJSON *j, *e, *m;

	json_arena_reset();
	j = cJSON_Parse(rest);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (!e)
		e = j;
	m = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(m))
		return fail(s, PEER_REMOTE, m->valuestring);
	if (cJSON_IsString(e))
		return fail(s, PEER_REMOTE, e->valuestring);
	while (*rest == ' ')
		rest++;
	return fail(s, PEER_REMOTE, *rest ? rest : "error without a message");
}

static int line(struct llm_stream *s, char *text, size_t len)
{
	cJSON *j, *choices, *choice, *delta, *content, *err, *reason;
	const char *data;

	(void)len;
	if (text[0] == ':')
		return 0; /* a comment, e.g. a keep-alive */
	if (!strncmp(text, "error:", 6))
		return stream_error(s, text + 6);
	if (strncmp(text, "data:", 5))
		return 0; /* event:, id:, retry: carry nothing we need */
	data = text + 5;
	while (*data == ' ')
		data++;
	if (!strcmp(data, "[DONE]"))
		return flush_calls(s) ? -1 : 1;
	json_arena_reset();
	j = cJSON_Parse(data);
	if (!cJSON_IsObject(j))
		return fail(s, PEER_PROTOCOL, "event data is not a JSON object");
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (err) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");

		return fail(s, PEER_REMOTE,
			    cJSON_IsString(m)	  ? m->valuestring :
			    cJSON_IsString(err) ? err->valuestring :
						  "error without a message");
	}
	choices = cJSON_GetObjectItemCaseSensitive(j, "choices");
	if (!cJSON_IsArray(choices))
		return fail(s, PEER_PROTOCOL, "event without choices");
	choice = cJSON_GetArrayItem(choices, 0);
	delta = cJSON_GetObjectItemCaseSensitive(choice, "delta");
	reason = cJSON_GetObjectItemCaseSensitive(choice, "finish_reason");
	if (cJSON_IsString(reason) && !strcmp(reason->valuestring, "length"))
		s->truncated = 1; /* max_tokens or the context ran out */
	content = cJSON_GetObjectItemCaseSensitive(delta, "content");
	if (cJSON_IsString(content) &&
	    llm_token(s, content->valuestring, strlen(content->valuestring)))
		return -1;
	if (gather_calls(s, cJSON_GetObjectItemCaseSensitive(delta,
							      "tool_calls")))
		return -1;
	return 0;
}

/*
 * The probe: GET /v1/models, the OpenAI list {"data":[{"id":...}]} that
 * llama.cpp's server, vLLM, LocalAI and Ollama's compatibility layer give;
 * is llm.model among them?
 */
static void models_reply(struct probe *pr, int code, long status,
			 const char *err)
{
	probe_openai_models(pr, code, status, err, pr->cfg->llm_model);
}

static int probe_openai(struct probe *pr)
{
	char url[CONFIG_STR_MAX + 32];

	snprintf(url, sizeof(url), "%s/v1/models", pr->cfg->llm_url);
	return probe_get(pr, url, PROBE_TIMEOUT_MS, models_reply);
}

static void describe(const struct parley_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "openai %s model %s", cfg->llm_url, cfg->llm_model);
}

const struct llm_proto llm_openai = {
	.name = "openai",
	.scheme = "http://",
	.path = "/v1/chat/completions",
	.end_marker = "[DONE]",
	.build = build,
	.line = line,
	.error_text = llm_error_text,
	.probe = probe_openai,
	.describe = describe,
};
