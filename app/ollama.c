// SPDX-License-Identifier: MIT
/*
 * Ollama /api/chat, streamed.  Every line is checked for an "error" key
 * (a failure after streaming began), text comes from message.content,
 * thinking pieces are ignored, and a stream that ends without done:true is
 * a failure.  Errors before streaming come as an HTTP status with
 * {"error": "..."}; a 404 naming the model means it is not installed.
 * First-token and stall timeouts are loop timeouts; the connect timeout is
 * curl's.
 */
#include "ollama.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"

static void finish(struct ollama *o, enum peer_error e, const char *detail)
{
	loop_cancel(o->timer);
	o->timer = 0;
	o->ev->on_done(o->ctx, e, detail);
}

static void on_timeout(void *ctx)
{
	struct ollama *o = ctx;
	char why[96];

	o->timer = 0;
	snprintf(why, sizeof(why), "no %s from the model in %d ms",
		 o->tokens ? "further token" : "first token",
		 o->tokens ? o->stall_ms : o->first_token_ms);
	http_abort(&o->x);
	finish(o, PEER_TIMEOUT, why);
}

static void arm(struct ollama *o, int ms)
{
	loop_cancel(o->timer);
	o->timer = loop_timeout((uint64_t)ms, on_timeout, o);
}

int ollama_line(struct ollama *o, char *line, size_t len)
{
	cJSON *j, *err, *msg, *content, *done;
	int r = 0;

	json_arena_reset();
	j = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(j)) {
		o->fail = PEER_PROTOCOL;
		snprintf(o->detail, sizeof(o->detail),
			 "reply line is not a JSON object");
		return -1;
	}
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (err) {
		o->fail = PEER_REMOTE;
		snprintf(o->detail, sizeof(o->detail), "%s",
			 cJSON_IsString(err) ? err->valuestring :
					       "error without a message");
		return -1;
	}
	msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (cJSON_IsString(content) && content->valuestring[0]) {
		o->tokens++;
		if (o->ev->on_token(o->ctx, content->valuestring,
				    strlen(content->valuestring))) {
			o->fail = PEER_OK; /* stopped by the listener */
			snprintf(o->detail, sizeof(o->detail), "stopped");
			return -1;
		}
	}
	done = cJSON_GetObjectItemCaseSensitive(j, "done");
	if (cJSON_IsTrue(done)) {
		o->got_done = 1;
		r = 1;
	}
	return r;
}

static int line_cb(char *line, size_t len, void *ctx)
{
	int r = ollama_line(ctx, line, len);

	return r < 0 ? r : 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct ollama *o = ctx;
	long status = 0;
	int r;

	curl_easy_getinfo(o->x.easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		size_t room = sizeof(o->errbody) - 1 - o->errlen;

		if (len > room)
			len = room;
		memcpy(o->errbody + o->errlen, data, len);
		o->errlen += len;
		o->errbody[o->errlen] = '\0';
		return 0;
	}
	arm(o, o->stall_ms);
	r = ndjson_feed(&o->nd, data, len, line_cb, o);
	if (r == -EMSGSIZE) {
		o->fail = PEER_PROTOCOL;
		snprintf(o->detail, sizeof(o->detail),
			 "reply line longer than %d bytes", PARLEY_LINE_MAX);
	}
	return r;
}

/* {"error": "..."} from an error reply, or the raw start of the body. */
static void error_text(struct ollama *o, char *out, size_t len)
{
	cJSON *j, *e;

	json_arena_reset();
	j = cJSON_ParseWithLength(o->errbody, o->errlen);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e))
		snprintf(out, len, "%s", e->valuestring);
	else
		snprintf(out, len, "%.200s", o->errbody);
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct ollama *o = ctx;
	char why[512], msg[400];

	if (o->fail != PEER_OK || (code == CURLE_WRITE_ERROR && o->detail[0])) {
		finish(o, o->fail, o->detail);
		return;
	}
	if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
	    code == CURLE_COULDNT_RESOLVE_PROXY) {
		snprintf(why, sizeof(why), "%s: %s", o->url, err);
		finish(o, PEER_UNREACHABLE, why);
		return;
	}
	if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof(why), "%s: %s", o->url, err);
		finish(o, PEER_TIMEOUT, why);
		return;
	}
	if (code != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s", o->url, err);
		finish(o, PEER_PROTOCOL, why);
		return;
	}
	if (status != 200) {
		error_text(o, msg, sizeof(msg));
		snprintf(why, sizeof(why), "HTTP %ld: %s", status, msg);
		finish(o, status == 404 && strstr(msg, "not found") ?
				  PEER_MODEL_MISSING : PEER_HTTP,
		       why);
		return;
	}
	if (ndjson_pending(&o->nd) && !o->got_done) {
		finish(o, PEER_PROTOCOL, "stream ended inside a line");
		return;
	}
	if (!o->got_done) {
		finish(o, PEER_PROTOCOL, "stream ended without done");
		return;
	}
	finish(o, PEER_OK, "");
}

static const struct http_handlers handlers = { on_data, on_done };

static int build(struct ollama *o, const struct parley_config *cfg,
		 const struct llm_message *msgs, int n)
{
	cJSON *root, *arr;
	int ok;

	json_arena_reset();
	root = cJSON_CreateObject();
	if (!root)
		return -ENOMEM;
	cJSON_AddStringToObject(root, "model", cfg->llm_model);
	cJSON_AddBoolToObject(root, "stream", 1);
	cJSON_AddBoolToObject(root, "think", 0);
	if (cfg->keep_alive[0])
		cJSON_AddStringToObject(root, "keep_alive", cfg->keep_alive);
	arr = cJSON_AddArrayToObject(root, "messages");
	if (!arr)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		cJSON *m = cJSON_CreateObject();

		if (!m)
			return -ENOMEM;
		cJSON_AddStringToObject(m, "role", msgs[i].role);
		if (!cJSON_AddStringToObject(m, "content", msgs[i].content))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, m);
	}
	ok = cJSON_PrintPreallocated(root, o->req, sizeof(o->req), 0);
	json_arena_reset();
	return ok ? 0 : -EMSGSIZE;
}

int ollama_chat(struct ollama *o, const struct parley_config *cfg,
		const struct llm_message *msgs, int n,
		const struct llm_events *ev, void *ctx)
{
	struct http_opts opts = {
		.connect_timeout_ms = cfg->connect_timeout_ms,
		.timeout_ms = 0,
		.content_type = "application/json",
	};
	int r;

	ollama_abort(o);
	r = build(o, cfg, msgs, n);
	if (r)
		return r;
	snprintf(o->url, sizeof(o->url), "%s/api/chat", cfg->llm_url);
	snprintf(o->model, sizeof(o->model), "%s", cfg->llm_model);
	ndjson_init(&o->nd, PARLEY_LINE_MAX);
	o->errlen = 0;
	o->errbody[0] = '\0';
	o->detail[0] = '\0';
	o->fail = PEER_OK;
	o->got_done = 0;
	o->tokens = 0;
	o->first_token_ms = cfg->first_token_timeout_ms;
	o->stall_ms = cfg->stall_timeout_ms;
	o->ev = ev;
	o->ctx = ctx;
	LOGD("ollama", "request: %s", o->req);
	r = http_start(&o->x, o->url, o->req, strlen(o->req), NULL, &opts,
		       &handlers, o);
	if (r)
		return r;
	arm(o, o->first_token_ms);
	return 0;
}

void ollama_abort(struct ollama *o)
{
	loop_cancel(o->timer);
	o->timer = 0;
	http_abort(&o->x);
}
