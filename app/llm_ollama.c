// SPDX-License-Identifier: MIT
/*
 * Ollama's /api/chat: stream true, think false (a thinking model would
 * otherwise think first), keep_alive and the model options.  The reply is
 * NDJSON: every line is checked for an "error" key (a failure after the
 * stream began), text comes from message.content, thinking pieces are
 * ignored, and only a line with done:true completes the stream.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_arena.h"
#include "llm_stream.h"
#include "probe.h"
#include "tools.h"

/*
 * keep_alive: Ollama reads a JSON number as seconds and a string with Go's
 * time.ParseDuration (api/types.go, Duration.UnmarshalJSON), which refuses
 * "-1" and "3600" with HTTP 400.  A setting that is a number goes as one.
 */
static void add_keep_alive(cJSON *root, const char *v)
{
	char *end;
	double secs = strtod(v, &end);

	if (end != v && !*end)
		cJSON_AddNumberToObject(root, "keep_alive", secs);
	else
		cJSON_AddStringToObject(root, "keep_alive", v);
}

static int build(struct llm_stream *s, const struct parley_config *cfg,
		 const struct llm_message *msgs, int n)
{
	cJSON *root = cJSON_CreateObject(), *opts;

	if (!root)
		return -ENOMEM;
	cJSON_AddStringToObject(root, "model", cfg->llm_model);
	cJSON_AddBoolToObject(root, "stream", 1);
	cJSON_AddBoolToObject(root, "think", 0);
	if (cfg->keep_alive[0])
		add_keep_alive(root, cfg->keep_alive);
	opts = cJSON_AddObjectToObject(root, "options");
	if (!opts)
		return -ENOMEM;
	cJSON_AddNumberToObject(opts, "temperature", cfg->temperature);
	if (cfg->num_ctx)
		cJSON_AddNumberToObject(opts, "num_ctx", cfg->num_ctx);
	cJSON_AddNumberToObject(opts, "num_predict", cfg->num_predict);
	if (llm_add_messages(root, msgs, n))
		return -ENOMEM;
	/* after the messages, so a debug log of the request shows them */
	if (llm_tools_on(s, cfg) && tools_add_schema(root))
		return -ENOMEM;
	return cJSON_PrintPreallocated(root, s->req, sizeof(s->req), 0) ?
		       0 :
		       -EMSGSIZE;
}

static int line(struct llm_stream *s, char *text, size_t len)
{
	cJSON *j, *err, *msg, *content, *call, *reason;

	json_arena_reset();
	j = cJSON_ParseWithLength(text, len);
	if (!cJSON_IsObject(j)) {
		s->fail = PEER_PROTOCOL;
		snprintf(s->detail, sizeof(s->detail),
			 "reply line is not a JSON object");
		return -1;
	}
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (err) {
		s->fail = PEER_REMOTE;
		snprintf(s->detail, sizeof(s->detail), "%s",
			 cJSON_IsString(err) ? err->valuestring :
					       "error without a message");
		return -1;
	}
	msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (cJSON_IsString(content) &&
	    llm_token(s, content->valuestring, strlen(content->valuestring)))
		return -1;
	/* tool calls: arguments are a JSON object (older servers: no id) */
	cJSON_ArrayForEach(call,
			   cJSON_GetObjectItemCaseSensitive(msg, "tool_calls"))
	{
		cJSON *f = cJSON_GetObjectItemCaseSensitive(call, "function");
		cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		cJSON *id = cJSON_GetObjectItemCaseSensitive(call, "id");

		if (!cJSON_IsString(name)) {
			s->fail = PEER_PROTOCOL;
			snprintf(s->detail, sizeof(s->detail),
				 "a tool call without a function name");
			return -1;
		}
		if (llm_tool(s, cJSON_IsString(id) ? id->valuestring : NULL,
			     name->valuestring,
			     cJSON_GetObjectItemCaseSensitive(f, "arguments")))
			return -1;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "done")))
		return 0;
	/* the last line says why it ended: "stop", or "length" when
	 * num_predict or the context ran out (server/routes.go, ChatHandler) */
	reason = cJSON_GetObjectItemCaseSensitive(j, "done_reason");
	if (cJSON_IsString(reason) && !strcmp(reason->valuestring, "length"))
		s->truncated = 1;
	return 1;
}

/*
 * The probe: GET /api/version (the server is Ollama, and which), then GET
 * /api/tags (is llm.model there?).  Ollama's routes: server/routes.go.
 */
static void tags_reply(struct probe *pr, int code, long status,
		       const char *err)
{
	const char *model = pr->cfg->llm_model;
	int n;

	if (code) {
		probe_finish(pr, 0, "; %s: unreachable (%s)", pr->url, err);
		return;
	}
	n = probe_count_models(pr, "models", "name");
	if (status != 200 || n < 0) {
		probe_finish(pr, 0, "; %s: HTTP %ld, not a model list", pr->url,
			     status);
		return;
	}
	pr->model_found = probe_models_hold(pr->models, model);
	probe_finish(pr, pr->model_found, "; model %s %s", model,
		     pr->model_found ? "present" : "MISSING");
}

static void version_reply(struct probe *pr, int code, long status,
			  const char *err)
{
	char url[CONFIG_STR_MAX + 32];
	cJSON *j, *v;

	if (code) {
		probe_finish(pr, 0, "%s: unreachable (%s) after %u ms", pr->url,
			     err, probe_rtt_ms(pr));
		return;
	}
	json_arena_reset();
	j = cJSON_ParseWithLength(pr->body, pr->len);
	v = cJSON_GetObjectItemCaseSensitive(j, "version");
	if (status != 200 || !cJSON_IsString(v)) {
		probe_finish(pr, 0, "%s: HTTP %ld in %u ms, but not Ollama's answer",
			     pr->url, status, probe_rtt_ms(pr));
		return;
	}
	probe_note(pr, "%s: HTTP %ld in %u ms; ollama %s", pr->url, status,
		   probe_rtt_ms(pr), v->valuestring);
	snprintf(url, sizeof(url), "%s/api/tags", pr->cfg->llm_url);
	if (probe_get(pr, url, PROBE_TIMEOUT_MS, tags_reply))
		probe_finish(pr, 0, "; cannot ask for the models");
}

static int probe_ollama(struct probe *pr)
{
	char url[CONFIG_STR_MAX + 32];

	snprintf(url, sizeof(url), "%s/api/version", pr->cfg->llm_url);
	return probe_get(pr, url, PROBE_TIMEOUT_MS, version_reply);
}

static void describe(const struct parley_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "ollama %s model %s", cfg->llm_url, cfg->llm_model);
}

const struct llm_proto llm_ollama = {
	.name = "ollama",
	.scheme = "http://",
	.path = "/api/chat",
	.end_marker = "done",
	.build = build,
	.line = line,
	.error_text = llm_error_text,
	.probe = probe_ollama,
	.describe = describe,
};
