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
	if (llm_add_messages(root, msgs, n))
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

static int line(struct llm_stream *s, char *text, size_t len)
{
	cJSON *j, *choices, *delta, *content, *err;
	const char *data;

	(void)len;
	if (text[0] == ':')
		return 0; /* a comment, e.g. a keep-alive */
	if (strncmp(text, "data:", 5))
		return 0; /* event:, id:, retry: carry nothing we need */
	data = text + 5;
	while (*data == ' ')
		data++;
	if (!strcmp(data, "[DONE]"))
		return 1;
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
	delta = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(choices, 0), "delta");
	content = cJSON_GetObjectItemCaseSensitive(delta, "content");
	if (cJSON_IsString(content) &&
	    llm_token(s, content->valuestring, strlen(content->valuestring)))
		return -1;
	return 0;
}


const struct llm_proto llm_openai = {
	.name = "openai",
	.path = "/v1/chat/completions",
	.build = build,
	.line = line,
	.error_text = llm_error_text,
};
