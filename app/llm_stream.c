// SPDX-License-Identifier: MIT
/*
 * The common part of a streamed chat: the reply is split into lines in a
 * fixed buffer and each line goes to the protocol.  A non-200 reply's body
 * is kept (truncated) for its error message; a 404 that says "not found"
 * means the model is not installed.  A stream that ends before the
 * protocol's end marker is a failure.  First-token and stall timeouts are
 * loop timeouts; the connect timeout is curl's.
 */
#include "llm_stream.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"

static void finish(struct llm_stream *o, enum peer_error e, const char *detail)
{
	loop_cancel(o->timer);
	o->timer = 0;
	o->pause_wanted = o->paused = 0;
	o->ev->on_done(o->ctx, e, detail);
}

void llm_finish(struct llm_stream *o, enum peer_error e, const char *detail)
{
	finish(o, e, detail);
}

static void on_timeout(void *ctx)
{
	struct llm_stream *o = ctx;
	char why[96];

	o->timer = 0;
	snprintf(why, sizeof(why), "no %s from the model in %d ms",
		 o->tokens ? "further token" : "first token",
		 o->tokens ? o->stall_ms : o->first_token_ms);
	http_abort(&o->x);
	finish(o, PEER_TIMEOUT, why);
}

static void arm(struct llm_stream *o, int ms)
{
	loop_cancel(o->timer);
	o->timer = loop_timeout((uint64_t)ms, on_timeout, o);
}

const struct llm_proto *const llm_protos[] = { &llm_ollama, &llm_openai,
					       NULL };

const struct llm_proto *llm_find(const char *name)
{
	for (int i = 0; llm_protos[i]; i++)
		if (!strcmp(llm_protos[i]->name, name))
			return llm_protos[i];
	return NULL;
}

static int add_calls(cJSON *m, const struct llm_message *msg,
		     int args_as_string)
{
	cJSON *arr = cJSON_AddArrayToObject(m, "tool_calls");

	if (!arr)
		return -ENOMEM;
	for (int i = 0; i < msg->ncalls; i++) {
		const struct llm_tool_call *c = &msg->calls[i];
		cJSON *call = cJSON_CreateObject(), *f, *args;

		if (!call)
			return -ENOMEM;
		cJSON_AddItemToArray(arr, call);
		if (c->id && c->id[0])
			cJSON_AddStringToObject(call, "id", c->id);
		cJSON_AddStringToObject(call, "type", "function");
		f = cJSON_AddObjectToObject(call, "function");
		if (!f || !cJSON_AddStringToObject(f, "name", c->name))
			return -ENOMEM;
		if (args_as_string) {
			if (!cJSON_AddStringToObject(f, "arguments",
						     c->args[0] ? c->args : "{}"))
				return -ENOMEM;
			continue;
		}
		args = cJSON_Parse(c->args);
		if (!cJSON_IsObject(args)) /* arguments we could not read */
			args = cJSON_CreateObject();
		if (!args)
			return -ENOMEM;
		cJSON_AddItemToObject(f, "arguments", args);
	}
	return 0;
}

int llm_add_messages_tools(cJSON *root, const struct llm_message *msgs,
			   int n, int openai)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "messages");

	if (!arr)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		cJSON *m = cJSON_CreateObject();

		if (!m || !cJSON_AddStringToObject(m, "role", msgs[i].role) ||
		    !cJSON_AddStringToObject(m, "content", msgs[i].content))
			return -ENOMEM;
		cJSON_AddItemToArray(arr, m);
		if (msgs[i].ncalls && add_calls(m, &msgs[i], openai))
			return -ENOMEM;
		if (msgs[i].tool_name && !openai &&
		    !cJSON_AddStringToObject(m, "tool_name", msgs[i].tool_name))
			return -ENOMEM;
		if (msgs[i].tool_call_id && msgs[i].tool_call_id[0] &&
		    !cJSON_AddStringToObject(m, "tool_call_id",
					     msgs[i].tool_call_id))
			return -ENOMEM;
	}
	return 0;
}

int llm_add_messages(cJSON *root, const struct llm_message *msgs, int n)
{
	return llm_add_messages_tools(root, msgs, n, 0);
}

void llm_error_text(const char *body, size_t len, char *out, size_t outlen)
{
	cJSON *j, *e, *m;

	json_arena_reset();
	j = cJSON_ParseWithLength(body, len);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	m = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(m)) /* OpenAI: {"error": {"message": ...}} */
		snprintf(out, outlen, "%s", m->valuestring);
	else if (cJSON_IsString(e)) /* Ollama, whisper.cpp: {"error": "..."} */
		snprintf(out, outlen, "%s", e->valuestring);
	else
		snprintf(out, outlen, "%.200s", body);
}

int llm_token(struct llm_stream *o, const char *text, size_t len)
{
	if (!len)
		return 0;
	o->tokens++;
	if (o->ev->on_token(o->ctx, text, len)) {
		o->fail = PEER_OK; /* stopped by the listener */
		snprintf(o->detail, sizeof(o->detail), "stopped");
		return -1;
	}
	return 0;
}

int llm_tool(struct llm_stream *o, const char *id, const char *name,
	     const cJSON *args)
{
	/* cJSON's printer wants a byte to spare past the text's end */
	char text[PARLEY_TOOL_ARGS_MAX + 1];
	const char *a = text;

	text[0] = '\0';
	if (cJSON_IsString(args)) {
		if (strlen(args->valuestring) >= PARLEY_TOOL_ARGS_MAX)
			a = NULL;
		else
			snprintf(text, sizeof(text), "%s", args->valuestring);
	} else if (args && (!cJSON_PrintPreallocated((cJSON *)args, text,
						      (int)sizeof(text), 0) ||
			    strlen(text) >= PARLEY_TOOL_ARGS_MAX)) {
		a = NULL; /* longer than PARLEY_TOOL_ARGS_MAX - 1 */
	}
	return llm_tool_text(o, id, name, a);
}

int llm_tool_text(struct llm_stream *o, const char *id, const char *name,
		  const char *a)
{
	o->tokens++; /* a call is progress, as a token is */
	if (!o->ev->on_tool_call)
		return 0;
	if (o->ev->on_tool_call(o->ctx, id ? id : "", name, a)) {
		o->fail = PEER_OK;
		snprintf(o->detail, sizeof(o->detail), "stopped");
		return -1;
	}
	return 0;
}

static int line_cb(char *line, size_t len, void *ctx)
{
	struct llm_stream *o = ctx;
	int r;

	if (o->complete)
		return 0; /* anything after the end marker is ignored */
	r = o->proto->line(o, line, len);
	if (r == 1)
		o->complete = 1;
	return r < 0 ? r : 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct llm_stream *o = ctx;
	long status = 0;
	int r;

	curl_easy_getinfo(o->x.easy, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200 && o->pause_wanted) {
		/* curl offers this piece again after llm_resume() */
		o->pause_wanted = 0;
		o->paused = 1;
		loop_cancel(o->timer); /* we are slow, not the model */
		o->timer = 0;
		LOGD("llm", "reply paused: the speech queue is full");
		return CURL_WRITEFUNC_PAUSE;
	}
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

/*
 * A server that cannot take tools for this model says so in the error:
 * Ollama, for a model whose template has no tools
 * (server/routes.go: "%s does not support tools"), and llama.cpp's
 * server started without --jinja ("tools param requires --jinja flag").
 */
static int refuses_tools(const char *msg)
{
	return strstr(msg, "does not support tools") ||
	       strstr(msg, "tools param requires");
}

static void tools_key(const struct llm_stream *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s", o->proto->name, o->cfg->llm_url,
		 o->cfg->llm_model);
}

int llm_tools_on(const struct llm_stream *o, const struct parley_config *cfg)
{
	char key[sizeof(o->no_tools)];

	if (!cfg->tools_enable)
		return 0;
	if (!o->no_tools[0])
		return 1;
	tools_key(o, key, sizeof(key));
	return strcmp(key, o->no_tools) != 0;
}

const char *llm_tools_refused(const struct llm_stream *o)
{
	return o->cfg->tools_enable && !llm_tools_on(o, o->cfg) ?
		       o->no_tools_why :
		       NULL;
}

static int send_request(struct llm_stream *o);

/* The same turn again, without tools; remembered for this model. */
static int retry_without_tools(struct llm_stream *o, const char *msg)
{
	const struct llm_message *msgs = o->msgs;
	int r;

	tools_key(o, o->no_tools, sizeof(o->no_tools));
	snprintf(o->no_tools_why, sizeof(o->no_tools_why), "%s", msg);
	LOGW("llm", "model %s refuses tools (%s); asking without them from now on",
	     o->cfg->llm_model, msg);
	json_arena_reset();
	r = o->proto->build(o, o->cfg, msgs, o->nmsgs);
	json_arena_reset();
	return r ? r : send_request(o);
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct llm_stream *o = ctx;
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
		o->proto->error_text(o->errbody, o->errlen, msg, sizeof(msg));
		if (o->sent_tools && refuses_tools(msg) && !retry_without_tools(o, msg))
			return;
		snprintf(why, sizeof(why), "HTTP %ld: %s", status, msg);
		finish(o, status == 404 && strstr(msg, "not found") &&
				  strstr(msg, "model") ?
				  PEER_MODEL_MISSING : PEER_HTTP,
		       why);
		return;
	}
	if (ndjson_pending(&o->nd) && !o->complete) {
		finish(o, PEER_PROTOCOL, "stream ended inside a line");
		return;
	}
	if (!o->complete) {
		snprintf(why, sizeof(why), "stream ended without %s",
			 o->proto->end_marker);
		finish(o, PEER_PROTOCOL, why);
		return;
	}
	finish(o, PEER_OK, "");
}


void llm_init(struct llm_stream *o, const struct parley_config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	llm_select(o);
}

void llm_select(struct llm_stream *o)
{
	const struct llm_proto *proto = llm_find(o->cfg->llm_backend);

	llm_abort(o);
	/* the configuration allows only the names in the registry */
	o->proto = proto ? proto : &llm_ollama;
	o->no_tools[0] = '\0'; /* a new backend: ask with tools again */
}

void llm_describe(const struct parley_config *cfg, char *buf, size_t len)
{
	const struct llm_proto *proto = llm_find(cfg->llm_backend);

	if (proto)
		proto->describe(cfg, buf, len);
	else
		snprintf(buf, len, "%s (unknown backend)", cfg->llm_backend);
}

static const struct http_handlers handlers = { .on_data = on_data,
						.on_done = on_done };

/* POSTs o->req, built by the protocol. */
static int send_request(struct llm_stream *o)
{
	const struct parley_config *cfg = o->cfg;
	const struct llm_proto *proto = o->proto;
	struct http_opts opts = {
		.connect_timeout_ms = cfg->connect_timeout_ms,
		.timeout_ms = 0,
		.content_type = "application/json",
		.bearer = o->token,
	};
	int r;

	o->sent_tools = llm_tools_on(o, cfg);
	snprintf(o->url, sizeof(o->url), "%s%s", cfg->llm_url, proto->path);
	ndjson_init(&o->nd, PARLEY_LINE_MAX);
	o->errlen = 0;
	o->errbody[0] = '\0';
	o->detail[0] = '\0';
	o->fail = PEER_OK;
	o->complete = 0;
	o->truncated = 0;
	o->pause_wanted = o->paused = 0;
	o->npartial = 0;
	o->first_token_ms = cfg->first_token_timeout_ms;
	o->stall_ms = cfg->stall_timeout_ms;
	LOGD("llm", "%s request: %s", proto->name, o->req);
	r = http_start(&o->x, o->url, o->req, strlen(o->req), NULL, &opts,
		       &handlers, o);
	if (r)
		return r;
	arm(o, o->first_token_ms);
	return 0;
}

int llm_chat(struct llm_stream *o, const char *token,
	     const struct llm_message *msgs, int n,
	     const struct llm_events *ev, void *ctx)
{
	int r;

	llm_abort(o);
	o->ev = ev;
	o->ctx = ctx;
	o->tokens = 0;
	o->token = token;
	o->msgs = msgs;
	o->nmsgs = n;
	if (o->proto->start)
		return o->proto->start(o, msgs, n);
	json_arena_reset();
	r = o->proto->build(o, o->cfg, msgs, n);
	json_arena_reset();
	return r ? r : send_request(o);
}

void llm_pause(struct llm_stream *o)
{
	if (o->x.active && !o->paused)
		o->pause_wanted = 1;
}

void llm_resume(struct llm_stream *o)
{
	o->pause_wanted = 0;
	if (!o->paused)
		return;
	o->paused = 0;
	arm(o, o->stall_ms);
	LOGD("llm", "reply resumed");
	/* may hand the held piece to on_data before it returns */
	curl_easy_pause(o->x.easy, CURLPAUSE_CONT);
}

int llm_truncated(const struct llm_stream *o)
{
	return o->truncated;
}

void llm_abort(struct llm_stream *o)
{
	loop_cancel(o->timer);
	o->timer = 0;
	o->pause_wanted = o->paused = 0;
	http_abort(&o->x);
	if (o->proto && o->proto->abort)
		o->proto->abort(o);
}
