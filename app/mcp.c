// SPDX-License-Identifier: MIT
/*
 * The MCP client (mcp.h).  Facts from the specification's Streamable HTTP
 * transport and the reference SDK (@modelcontextprotocol/sdk 1.32.2):
 * client/streamableHttp.js sends "Accept: application/json,
 * text/event-stream" with each POST, the session id and the negotiated
 * version as headers after initialize, treats 202 as "accepted, no
 * body", and a 405 to the GET as "no stream offered";
 * server/webStandardStreamableHttp.js answers 404 to a session it does
 * not know (-32001 "Session not found") and 400 to a request without
 * one; shared/protocol.js cancels with notifications/cancelled
 * {requestId, reason}.
 */
#include "mcp.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "json_arena.h"
#include "log.h"
#include "loop.h"
#include "token.h"
#include "tools.h"

#define OUTBOX_MAX 8 /* notifications and answers waiting to go */
#define OUT_BODY_MAX 512
#define CALL_BODY_MAX (PARLEY_TOOL_ARGS_MAX + 512)
#define CTL_BODY_MAX (MCP_CURSOR_MAX + 512)
#define GET_RETRY_MS 2000
#define GET_FAILS_MAX 5 /* then the server is taken to offer none */

enum sstate { SS_OFF, SS_INIT, SS_NOTIFY, SS_LIST, SS_READY, SS_BACKOFF,
	      SS_FAILED };
static const char *const state_names[] = { "off", "connecting",
					   "connecting", "listing", "ready",
					   "retrying", "failed" };

enum xkind { XK_CTL, XK_GET, XK_CALL, XK_OUT };

struct server;
struct call;

struct xfer {
	struct http_xfer x;
	enum xkind kind;
	struct server *srv;
	struct call *call;
	struct mcp_sse *ev; /* NULL: the reply is not read */
	long status;
	int sse; /* the reply is an event stream */
	int answered; /* our response came; the rest is not needed */
	int sent_session; /* the request carried a session id */
	char session[MCP_SESSION_MAX]; /* Mcp-Session-Id of the reply */
	long long id; /* our request's id, or -1 */
	char why[MCP_ERROR_MAX];
	const char *hdr[4];
	char hdr_buf[2][MCP_SESSION_MAX + 32];
};

struct server {
	struct mcp_server_conf conf;
	enum sstate state;
	char token[MCP_TOKEN_MAX];
	char session[MCP_SESSION_MAX];
	char version[16];
	char info[80];
	char error[MCP_ERROR_MAX];
	char cursor[MCP_CURSOR_MAX];
	int pages;
	int has_tools;
	int list_again; /* list_changed while listing */
	int ntools, noffered;
	int backoff_ms;
	int retry_timer;
	uint64_t retry_at;
	long long next_id;
	struct xfer ctl, get, out;
	char ctl_body[CTL_BODY_MAX];
	int get_open, no_get, get_fails, get_timer;
	char outbox[OUTBOX_MAX][OUT_BODY_MAX];
	int nout;
	int lost; /* sessions lost since a request last had its response */
	int kick_timer; /* work found inside a curl callback, done after */
	int relist_due;
};

struct call {
	int handle; /* 0: free */
	struct server *srv;
	struct xfer xf;
	char body[CALL_BODY_MAX];
	size_t body_len;
	char tool[MCP_REMOTE_NAME_MAX];
	char *out;
	size_t outlen;
	mcp_done_fn done;
	void *ctx;
	int waiting; /* for the session to be initialised again */
	int resent;
	int failed; /* the response said so */
};

struct mtool {
	char name[MCP_TOOL_NAME_MAX];
	char remote[MCP_REMOTE_NAME_MAX];
	char description[MCP_DESC_MAX];
	char schema[MCP_SCHEMA_MAX];
	int server;
	int offered;
};

/* All of it is the control thread's. */
static struct server servers[MCP_SERVERS_MAX];
static int nservers;
static struct mtool table[MCP_TOOLS_MAX];
static int ntools;
static struct call calls[MCP_CALLS_MAX];
static int next_handle;
static struct mcp_sse sse_ctl[MCP_SERVERS_MAX], sse_get[MCP_SERVERS_MAX],
	sse_call[MCP_CALLS_MAX];

static void begin(struct server *s);
static void list_page(struct server *s);
static void open_get(struct server *s);
static void send_call(struct call *c);
static void call_end(struct call *c, int failed);
static void out_next(struct server *s);

static int idx(const struct server *s)
{
	return (int)(s - servers);
}

__attribute__((format(printf, 2, 3))) static void set_error(struct server *s,
							    const char *fmt,
							    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* ---- the tools table ---- */

static int allowed(const struct server *s, const char *tool)
{
	if (!s->conf.nallow)
		return 1;
	for (int i = 0; i < s->conf.nallow; i++)
		if (!fnmatch(s->conf.allow[i], tool, 0))
			return 1;
	return 0;
}

static void drop_tools(struct server *s)
{
	int k = 0;

	for (int i = 0; i < ntools; i++)
		if (table[i].server != idx(s))
			table[k++] = table[i];
	ntools = k;
	s->ntools = 0;
	s->noffered = 0;
}

/* Which tools go with requests: those of ready servers, in order, while
 * they fit in MCP_SCHEMAS_BUDGET.  quiet: no log lines. */
static void offer(int quiet)
{
	size_t used = 0;

	for (int i = 0; i < nservers; i++)
		servers[i].noffered = 0;
	for (int i = 0; i < ntools; i++) {
		struct mtool *t = &table[i];
		struct server *s = &servers[t->server];
		size_t need = strlen(t->name) + strlen(t->description) +
			      strlen(t->schema) + 64;

		t->offered = 0;
		if (s->state == SS_OFF || s->state == SS_BACKOFF ||
		    s->state == SS_FAILED)
			continue;
		if (used + need > MCP_SCHEMAS_BUDGET) {
			if (!quiet)
				LOGW("mcp", "%s: tool %s left out: the MCP tools' schemas would pass %d bytes (MCP_SCHEMAS_BUDGET)",
				     s->conf.name, t->remote,
				     MCP_SCHEMAS_BUDGET);
			continue;
		}
		used += need;
		t->offered = 1;
		s->noffered++;
	}
}

struct listing {
	struct server *s;
	int dropped;
};

static void add_tool(const struct mcp_tool_desc *d, void *ctx)
{
	struct listing *l = ctx;
	struct server *s = l->s;
	struct mtool *t;
	char name[MCP_TOOL_NAME_MAX];

	if (!allowed(s, d->name))
		return;
	if (mcp_exposed_name(s->conf.name, d->name, name, sizeof(name))) {
		LOGW("mcp", "%s: tool %.64s left out: %s__%.64s is longer than %d bytes",
		     s->conf.name, d->name, s->conf.name, d->name,
		     MCP_TOOL_NAME_MAX - 1);
		return;
	}
	if (d->schema_too_big) {
		LOGW("mcp", "%s: tool %.64s left out: its inputSchema is longer than %d bytes",
		     s->conf.name, d->name, MCP_SCHEMA_MAX - 1);
		return;
	}
	for (int i = 0; i < ntools; i++)
		if (!strcmp(table[i].name, name)) {
			LOGW("mcp", "%s: tool %.64s left out: its name %s is taken",
			     s->conf.name, d->name, name);
			return;
		}
	if (ntools == MCP_TOOLS_MAX) {
		l->dropped++;
		return;
	}
	t = &table[ntools++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->remote, sizeof(t->remote), "%s", d->name);
	snprintf(t->description, sizeof(t->description), "%s",
		 d->description);
	snprintf(t->schema, sizeof(t->schema), "%s", d->schema);
	t->server = idx(s);
	s->ntools++;
}

int mcp_add_tools(cJSON *arr)
{
	for (int i = 0; i < ntools; i++)
		if (table[i].offered &&
		    tools_add_function(arr, table[i].name,
				       table[i].description, table[i].schema))
			return -ENOMEM;
	return 0;
}

static struct mtool *find_tool(const char *name)
{
	for (int i = 0; i < ntools; i++)
		if (table[i].offered && !strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

int mcp_has_tool(const char *name)
{
	return find_tool(name) != NULL;
}

/* ---- transfers ---- */

static int on_header(void *ctx, const char *line, size_t len)
{
	struct xfer *x = ctx;

	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		const char *sp = memchr(line, ' ', len);

		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->sse = 0;
		x->session[0] = '\0';
		return 0;
	}
	if (len > 13 && !strncasecmp(line, "content-type:", 13)) {
		x->sse = memmem(line, len, "text/event-stream", 17) != NULL;
		return 0;
	}
	if (len > 15 && !strncasecmp(line, "mcp-session-id:", 15)) {
		const char *v = line + 15;
		size_t n = len - 15;

		while (n && *v == ' ')
			v++, n--;
		if (n >= sizeof(x->session))
			n = 0; /* too long: taken as none */
		for (size_t i = 0; i < n; i++)
			if (v[i] < 0x21 || v[i] > 0x7e)
				n = 0; /* the spec: visible ASCII only */
		memcpy(x->session, v, n);
		x->session[n] = '\0';
	}
	return 0;
}

static void on_message(const struct mcp_msg *m, void *ctx);

static int on_event(char *data, size_t len, void *ctx)
{
	struct xfer *x = ctx;
	char why[128];

	(void)len;
	json_arena_reset();
	if (mcp_parse(data, on_message, x, why, sizeof(why)) < 0)
		LOGD("mcp", "%s: an event passed over: %s", x->srv->conf.name,
		     why);
	return x->answered;
}

static int on_data(void *ctx, const char *data, size_t len)
{
	struct xfer *x = ctx;
	struct mcp_sse *e = x->ev;

	if (!e)
		return 0;
	if (x->status == 200 && x->sse) {
		int r = mcp_sse_feed(e, data, len, on_event, x);

		if (r == -EMSGSIZE)
			snprintf(x->why, sizeof(x->why),
				 "an event longer than %d bytes", MCP_REPLY_MAX);
		return r ? 1 : 0;
	}
	/* a JSON body (or an error's), whole before it is read */
	if (e->len + len > MCP_REPLY_MAX) {
		snprintf(x->why, sizeof(x->why), "a reply longer than %d bytes",
			 MCP_REPLY_MAX);
		return 1;
	}
	memcpy(e->data + e->len, data, len);
	e->len += len;
	e->data[e->len] = '\0';
	return 0;
}

static void xfer_done(void *ctx, CURLcode code, long status, const char *err);

static const struct http_handlers handlers = {
	.on_data = on_data,
	.on_done = xfer_done,
	.on_header = on_header,
};

/* POSTs body (or GETs, body NULL) to the server; 0 or -errno. */
static int post(struct server *s, struct xfer *x, const char *body,
		size_t len, long timeout_ms)
{
	struct http_opts o = {
		.connect_timeout_ms = 5000,
		.timeout_ms = timeout_ms,
		.bearer = s->token,
		.bearer_url = s->conf.url,
		.bearer_insecure = &s->conf.allow_insecure_token,
		.headers = x->hdr,
	};
	int n = 0, r;

	x->hdr[n++] = body ? "Accept: application/json, text/event-stream" :
			     "Accept: text/event-stream";
	x->sent_session = s->session[0] != '\0';
	if (s->session[0]) {
		snprintf(x->hdr_buf[0], sizeof(x->hdr_buf[0]),
			 "Mcp-Session-Id: %s", s->session);
		x->hdr[n++] = x->hdr_buf[0];
	}
	if (s->version[0] && s->state != SS_INIT) {
		snprintf(x->hdr_buf[1], sizeof(x->hdr_buf[1]),
			 "MCP-Protocol-Version: %s", s->version);
		x->hdr[n++] = x->hdr_buf[1];
	}
	x->hdr[n] = NULL;
	x->srv = s;
	x->status = 0;
	x->sse = 0;
	x->answered = 0;
	x->why[0] = '\0';
	x->session[0] = '\0';
	if (x->ev)
		mcp_sse_init(x->ev);
	r = http_start(&x->x, s->conf.url, body, len, NULL, &o, &handlers, x);
	if (r == -EACCES)
		set_error(s, "the token may not go to %.120s (plain http: set allow_insecure_token)",
			  s->conf.url);
	return r;
}

/* A JSON-RPC error reply's message, from an error body (the SDK's
 * createJsonErrorResponse), or the status alone. */
static void status_text(struct xfer *x, char *out, size_t outlen)
{
	const cJSON *j, *e, *m;

	json_arena_reset();
	j = x->ev && x->ev->len ? cJSON_Parse(x->ev->data) : NULL;
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	m = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(m))
		snprintf(out, outlen, "HTTP %ld: %.120s", x->status,
			 m->valuestring);
	else
		snprintf(out, outlen, "HTTP %ld", x->status);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* ---- the outbox: notifications and answers, one at a time ---- */

static void relist(struct server *s);

/* What a message asked for runs here, on the loop, not inside curl's
 * callback (which may neither add nor remove transfers). */
static void kicked(void *ctx)
{
	struct server *s = ctx;

	s->kick_timer = 0;
	out_next(s);
	if (s->relist_due) {
		s->relist_due = 0;
		relist(s);
	}
}

static void kick(struct server *s)
{
	if (s->kick_timer > 0)
		return;
	s->kick_timer = loop_timeout(0, kicked, s);
	if (s->kick_timer < 0)
		s->kick_timer = 0;
}

static void out_next(struct server *s)
{
	if (s->out.x.active || !s->nout)
		return;
	if (post(s, &s->out, s->outbox[0], strlen(s->outbox[0]),
		 s->conf.timeout_ms))
		LOGD("mcp", "%s: a notification was not sent", s->conf.name);
	s->nout--;
	memmove(s->outbox[0], s->outbox[1], (size_t)s->nout * OUT_BODY_MAX);
	if (!s->out.x.active)
		out_next(s);
}

__attribute__((format(printf, 2, 3))) static void send_out(struct server *s,
							   const char *fmt,
							   ...)
{
	va_list ap;

	if (s->nout == OUTBOX_MAX) {
		LOGW("mcp", "%s: %d messages wait to go; one dropped",
		     s->conf.name, OUTBOX_MAX);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s->outbox[s->nout++], OUT_BODY_MAX, fmt, ap);
	va_end(ap);
	kick(s);
}

/* ---- the server's life ---- */

static void retry(void *ctx)
{
	struct server *s = ctx;

	s->retry_timer = 0;
	begin(s);
}

static void fail_waiting(struct server *s, const char *why)
{
	for (int i = 0; i < MCP_CALLS_MAX; i++) {
		struct call *c = &calls[i];

		if (c->handle && c->srv == s && c->waiting) {
			snprintf(c->out, c->outlen,
				 "error: the tool server %s is not reachable: %s",
				 s->conf.name, why);
			call_end(c, 1);
		}
	}
}

/* Down: its tools are left out until a retry after the back-off. */
static void server_fail(struct server *s)
{
	http_abort(&s->ctl.x);
	http_abort(&s->get.x);
	loop_cancel(s->get_timer);
	s->get_timer = 0;
	s->get_open = 0;
	s->session[0] = '\0';
	drop_tools(s);
	s->state = SS_BACKOFF;
	offer(1);
	fail_waiting(s, s->error);
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : MCP_BACKOFF_MIN_MS;
	if (s->backoff_ms > MCP_BACKOFF_MAX_MS)
		s->backoff_ms = MCP_BACKOFF_MAX_MS;
	LOGW("mcp", "%s: %s; its tools are left out, next try in %d ms",
	     s->conf.name, s->error, s->backoff_ms);
	s->retry_at = loop_now_ms() + (uint64_t)s->backoff_ms;
	s->retry_timer = loop_timeout((uint64_t)s->backoff_ms, retry, s);
	if (s->retry_timer < 0)
		s->retry_timer = 0;
}

static void ctl_send(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ctl_send(struct server *s, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(s->ctl_body, sizeof(s->ctl_body), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->ctl_body)) {
		set_error(s, "a request did not fit in %zu bytes",
			  sizeof(s->ctl_body));
		server_fail(s);
		return;
	}
	r = post(s, &s->ctl, s->ctl_body, (size_t)n, s->conf.timeout_ms);
	if (r) {
		if (r != -EACCES)
			set_error(s, "the request could not start: %s",
				  strerror(-r));
		server_fail(s);
	}
}

static void begin(struct server *s)
{
	http_abort(&s->ctl.x);
	http_abort(&s->get.x);
	s->get_open = 0;
	s->session[0] = '\0';
	s->version[0] = '\0';
	s->state = SS_INIT;
	s->ctl.id = s->next_id++;
	LOGD("mcp", "%s: initialize", s->conf.name);
	ctl_send(s,
		 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"parleyd\",\"version\":\"%s\"}}}",
		 s->ctl.id, MCP_PROTOCOL_VERSION, PARLEY_VERSION);
}

static void list_page(struct server *s)
{
	char cur[MCP_CURSOR_MAX + 64] = "";

	s->state = SS_LIST;
	s->ctl.id = s->next_id++;
	if (s->cursor[0]) {
		cJSON *c;

		json_arena_reset();
		c = cJSON_CreateString(s->cursor);
		snprintf(cur, sizeof(cur), ",\"params\":{\"cursor\":");
		if (!c || !cJSON_PrintPreallocated(c, cur + strlen(cur),
						   (int)(sizeof(cur) - strlen(cur) - 2), 0)) {
			set_error(s, "a nextCursor that cannot be sent back");
			server_fail(s);
			return;
		}
		strcat(cur, "}");
	}
	ctl_send(s, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"tools/list\"%s}",
		 s->ctl.id, cur);
}

static void relist(struct server *s)
{
	if (s->state == SS_LIST || s->state == SS_INIT ||
	    s->state == SS_NOTIFY) {
		s->list_again = 1;
		return;
	}
	if (s->state != SS_READY)
		return;
	s->cursor[0] = '\0';
	s->pages = 0;
	list_page(s);
}

static void ready(struct server *s)
{
	s->state = SS_READY;
	s->backoff_ms = 0;
	s->error[0] = '\0';
	offer(0);
	LOGN("mcp", "%s: ready (%s%s%s, protocol %s): %d tool%s, %d offered",
	     s->conf.name, s->info[0] ? s->info : "unnamed server",
	     s->session[0] ? ", session " : ", no session",
	     s->session[0] ? "kept" : "", s->version, s->ntools,
	     s->ntools == 1 ? "" : "s", s->noffered);
	for (int i = 0; i < MCP_CALLS_MAX; i++)
		if (calls[i].handle && calls[i].srv == s && calls[i].waiting)
			send_call(&calls[i]);
	if (s->list_again) {
		s->list_again = 0;
		relist(s);
		return;
	}
	if (s->session[0] && !s->no_get && !s->get.x.active)
		open_get(s);
}

/*
 * The server answered 404 to a request with the session: it has forgotten
 * it (a restart), and a new one is made.  Twice with no response in
 * between is a server that loses every session: it is backed off.
 */
static void session_lost(struct server *s)
{
	if (++s->lost > 1) {
		set_error(s, "the server forgets each new session (HTTP 404)");
		server_fail(s);
		return;
	}
	LOGN("mcp", "%s: the server forgot the session; initialising again",
	     s->conf.name);
	begin(s);
}

/* Our request's response on the control transfer (inside curl's
 * callback: nothing here starts or stops a transfer; ctl_done goes on). */
static void ctl_response(struct server *s, struct xfer *x,
			 const struct mcp_msg *m)
{
	char why[MCP_ERROR_MAX];
	int skipped = 0;

	if (m->kind == MK_ERROR) {
		snprintf(x->why, sizeof(x->why), "%s failed: %.120s (%ld)",
			 s->state == SS_INIT ? "initialize" : "tools/list",
			 m->message, m->code);
		for (char *p = x->why; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return;
	}
	if (s->state == SS_INIT) {
		if (mcp_initialize_result(m->result, s->version,
					  sizeof(s->version), &s->has_tools,
					  s->info, sizeof(s->info), why,
					  sizeof(why))) {
			snprintf(x->why, sizeof(x->why), "%s", why);
			return;
		}
		s->state = SS_NOTIFY;
		return;
	}
	if (s->state == SS_LIST) {
		struct listing l = { s, 0 };

		if (!s->pages)
			drop_tools(s);
		if (mcp_tools_page(m->result, add_tool, &l, s->cursor,
				   sizeof(s->cursor), &skipped, why,
				   sizeof(why))) {
			snprintf(x->why, sizeof(x->why), "tools/list: %.180s", why);
			return;
		}
		if (l.dropped)
			LOGW("mcp", "%s: %d tools left out: more than %d MCP tools (MCP_TOOLS_MAX)",
			     s->conf.name, l.dropped, MCP_TOOLS_MAX);
		if (skipped)
			LOGW("mcp", "%s: %d tools passed over: no usable name or inputSchema",
			     s->conf.name, skipped);
		s->pages++;
	}
}

/* The control transfer ended: the next step. */
static void ctl_done(struct server *s, struct xfer *x, CURLcode code,
		     const char *err)
{
	char why[MCP_ERROR_MAX];

	if (x->status == 404 && x->sent_session) {
		session_lost(s);
		return;
	}
	if (x->answered && x->sent_session)
		s->lost = 0;
	if (x->id == -2) { /* notifications/initialized */
		if (code != CURLE_OK || (x->status != 202 && x->status != 200 &&
					 x->status != 204)) {
			if (code != CURLE_OK)
				set_error(s, "notifications/initialized: %s", err);
			else {
				status_text(x, why, sizeof(why));
				set_error(s, "notifications/initialized: %s", why);
			}
			server_fail(s);
			return;
		}
		if (!s->has_tools) {
			ready(s);
			return;
		}
		s->cursor[0] = '\0';
		s->pages = 0;
		list_page(s);
		return;
	}
	if (!x->answered && !x->why[0]) {
		if (code != CURLE_OK) {
			set_error(s, "%s", err);
		} else if (x->status != 200) {
			status_text(x, why, sizeof(why));
			set_error(s, "%s: %s", s->state == SS_INIT ? "initialize" : "tools/list", why);
		} else if (!x->sse && x->ev->len) {
			json_arena_reset();
			if (mcp_parse(x->ev->data, on_message, x, why,
				      sizeof(why)) < 0)
				set_error(s, "%s", why);
			else if (!x->answered)
				set_error(s, "the reply held no response");
		} else {
			set_error(s, "the reply held no response");
		}
	}
	if (x->why[0])
		set_error(s, "%s", x->why);
	if (!x->answered || x->why[0]) {
		server_fail(s);
		return;
	}
	if (s->state == SS_NOTIFY) {
		/* the session id came with the initialize reply */
		snprintf(s->session, sizeof(s->session), "%s", x->session);
		s->ctl.id = -2;
		ctl_send(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
		return;
	}
	if (s->state == SS_LIST) {
		if (s->cursor[0] && s->pages < MCP_LIST_PAGES_MAX) {
			list_page(s);
			return;
		}
		if (s->cursor[0])
			LOGW("mcp", "%s: tools/list has more than %d pages; the rest are left out",
			     s->conf.name, MCP_LIST_PAGES_MAX);
		ready(s);
	}
}

static void get_again(void *ctx)
{
	struct server *s = ctx;

	s->get_timer = 0;
	if (s->state == SS_READY && !s->get.x.active)
		open_get(s);
}

static void open_get(struct server *s)
{
	s->get.id = -1;
	if (post(s, &s->get, NULL, 0, 0) == 0)
		s->get_open = 1;
}

static void get_done(struct server *s, struct xfer *x, CURLcode code)
{
	s->get_open = 0;
	/* a 404 here (a forgotten session) is found by the next POST too,
	 * which makes a new one; the stream is tried again meanwhile */
	if (x->status == 405 || ++s->get_fails > GET_FAILS_MAX) {
		/* client/streamableHttp.js: 405, no stream at this server */
		s->no_get = 1;
		LOGI("mcp", "%s: no notification stream (HTTP %ld); tools are listed again at each reload",
		     s->conf.name, x->status);
		return;
	}
	if (x->status == 200 && code == CURLE_OK)
		s->get_fails = 0;
	if (s->state == SS_READY && !s->get_timer) {
		s->get_timer = loop_timeout(GET_RETRY_MS, get_again, s);
		if (s->get_timer < 0)
			s->get_timer = 0;
	}
}

/* ---- messages from the server ---- */

static void call_response(struct call *c, const struct mcp_msg *m)
{
	int is_error = 0;
	size_t n;

	if (m->kind == MK_ERROR) {
		snprintf(c->out, c->outlen, "error: %s: %.300s (JSON-RPC error %ld)",
			 c->tool, m->message, m->code);
		c->failed = 1;
		return;
	}
	n = (size_t)snprintf(c->out, c->outlen, "error: ");
	if (mcp_call_text(m->result, c->out + n, c->outlen - n, &is_error)) {
		char why[128];

		snprintf(why, sizeof(why), "%s", c->out + n);
		snprintf(c->out, c->outlen, "error: %s: %s", c->tool, why);
		c->failed = 1;
		return;
	}
	if (!is_error)
		memmove(c->out, c->out + n, strlen(c->out + n) + 1);
	c->failed = is_error;
}

static void on_message(const struct mcp_msg *m, void *ctx)
{
	struct xfer *x = ctx;
	struct server *s = x->srv;

	switch (m->kind) {
	case MK_RESULT:
	case MK_ERROR:
		if (!m->id_is_num || m->id != x->id || x->answered)
			return;
		x->answered = 1;
		if (x->kind == XK_CALL)
			call_response(x->call, m);
		else if (x->kind == XK_CTL)
			ctl_response(s, x, m);
		return;
	case MK_NOTIFICATION:
		if (!strcmp(m->method, "notifications/tools/list_changed")) {
			LOGN("mcp", "%s: its tools changed; listing them again",
			     s->conf.name);
			s->relist_due = 1;
			kick(s);
		} else {
			LOGD("mcp", "%s: %.64s", s->conf.name, m->method);
		}
		return;
	case MK_REQUEST:
		/* we declare no client capabilities: ping alone is ours */
		if (!strcmp(m->method, "ping"))
			send_out(s, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}",
				 m->id_text);
		else
			send_out(s, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}",
				 m->id_text);
		return;
	default:
		return;
	}
}

/* ---- calls ---- */

static void call_end(struct call *c, int failed)
{
	mcp_done_fn done = c->done;
	void *ctx = c->ctx;

	http_abort(&c->xf.x);
	c->handle = 0;
	c->waiting = 0;
	LOGI("mcp", "%s: %s %s", c->srv->conf.name, c->tool,
	     failed ? "failed" : "done");
	if (done)
		done(ctx, failed);
}

static void send_call(struct call *c)
{
	struct server *s = c->srv;
	int r;

	c->waiting = 0;
	c->xf.kind = XK_CALL;
	c->xf.call = c;
	r = post(s, &c->xf, c->body, c->body_len, s->conf.timeout_ms);
	if (r) {
		snprintf(c->out, c->outlen,
			 "error: the call to %s could not start: %s",
			 s->conf.name, strerror(-r));
		call_end(c, 1);
	}
}

static void call_done(struct call *c, struct xfer *x, CURLcode code,
		      const char *err)
{
	struct server *s = c->srv;
	char why[MCP_ERROR_MAX];

	if (x->answered) {
		if (x->sent_session)
			s->lost = 0;
		call_end(c, c->failed);
		return;
	}
	if (x->status == 404 && x->sent_session && !c->resent &&
	    s->state != SS_BACKOFF && s->state != SS_FAILED) {
		c->resent = 1;
		c->waiting = 1;
		if (s->state == SS_READY || s->state == SS_LIST)
			session_lost(s); /* the call goes again once ready */
		return;
	}
	if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(c->out, c->outlen,
			 "error: %s did not answer within %d ms", c->tool,
			 s->conf.timeout_ms);
		send_out(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":%lld,\"reason\":\"timed out\"}}",
			 x->id);
		call_end(c, 1);
		return;
	}
	if (code == CURLE_OK && x->status == 200 && !x->sse && x->ev->len) {
		json_arena_reset();
		if (mcp_parse(x->ev->data, on_message, x, why,
			      sizeof(why)) >= 0) {
			if (x->answered) {
				call_end(c, c->failed);
				return;
			}
			snprintf(why, sizeof(why),
				 "the reply held no response to the call");
		}
		snprintf(c->out, c->outlen, "error: %s: %s", c->tool, why);
		call_end(c, 1);
		return;
	}
	if (code != CURLE_OK && !x->why[0]) {
		snprintf(c->out, c->outlen,
			 "error: the tool server %s could not be reached: %s",
			 s->conf.name, err);
		set_error(s, "%s: %s", c->tool, err);
		call_end(c, 1);
		if (code == CURLE_COULDNT_CONNECT && s->state == SS_READY)
			server_fail(s);
		return;
	}
	if (x->why[0])
		snprintf(why, sizeof(why), "%s", x->why);
	else if (x->status != 200)
		status_text(x, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "the reply held no response");
	snprintf(c->out, c->outlen, "error: %s: %s", c->tool, why);
	set_error(s, "%s: %s", c->tool, why);
	call_end(c, 1);
}

static void xfer_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct xfer *x = ctx;
	struct server *s = x->srv;

	if (status)
		x->status = status;
	if (x->sse && x->ev && !x->answered && code == CURLE_OK)
		mcp_sse_end(x->ev, on_event, x);
	switch (x->kind) {
	case XK_CTL:
		ctl_done(s, x, code, err);
		break;
	case XK_GET:
		get_done(s, x, code);
		break;
	case XK_CALL:
		call_done(x->call, x, code, err);
		break;
	case XK_OUT:
		out_next(s);
		break;
	}
}

static int start_call(struct server *s, const char *tool, const char *args,
		      char *out, size_t outlen, mcp_done_fn done, void *ctx)
{
	struct call *c = NULL;
	cJSON *root, *params, *a = NULL;

	for (int i = 0; i < MCP_CALLS_MAX && !c; i++)
		if (!calls[i].handle)
			c = &calls[i];
	if (!c) {
		snprintf(out, outlen, "error: %d MCP calls are running already",
			 MCP_CALLS_MAX);
		return -1;
	}
	if (s->state != SS_READY && s->state != SS_LIST) {
		snprintf(out, outlen, "error: the tool server %s is not reachable now%s%.150s",
			 s->conf.name, s->error[0] ? ": " : "", s->error);
		return -1;
	}
	json_arena_reset();
	if (args && args[0]) {
		a = cJSON_Parse(args);
		if (!cJSON_IsObject(a)) {
			snprintf(out, outlen, "error: %s: the arguments are not a JSON object",
				 tool);
			return -1;
		}
	} else {
		a = cJSON_CreateObject();
	}
	root = cJSON_CreateObject();
	params = cJSON_CreateObject();
	if (!root || !params || !a) {
		snprintf(out, outlen, "error: %s: out of memory", tool);
		return -1;
	}
	c->xf.id = s->next_id++;
	cJSON_AddStringToObject(root, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(root, "id", (double)c->xf.id);
	cJSON_AddStringToObject(root, "method", "tools/call");
	cJSON_AddItemToObject(root, "params", params);
	cJSON_AddStringToObject(params, "name", tool);
	cJSON_AddItemToObject(params, "arguments", a);
	if (!cJSON_PrintPreallocated(root, c->body, (int)sizeof(c->body), 0)) {
		snprintf(out, outlen, "error: %s: the call is longer than %zu bytes",
			 tool, sizeof(c->body) - 1);
		return -1;
	}
	c->body_len = strlen(c->body);
	c->handle = ++next_handle > 0 ? next_handle : (next_handle = 1);
	c->srv = s;
	c->out = out;
	c->outlen = outlen;
	c->done = done;
	c->ctx = ctx;
	c->resent = 0;
	c->xf.ev = &sse_call[c - calls];
	snprintf(c->tool, sizeof(c->tool), "%s", tool);
	LOGI("mcp", "%s: calling %s", s->conf.name, tool);
	c->failed = 0;
	send_call(c);
	return c->handle ? c->handle : -1;
}

int mcp_call(const char *name, const char *args, char *out, size_t outlen,
	     mcp_done_fn done, void *ctx)
{
	struct mtool *t = find_tool(name);

	if (!t) {
		snprintf(out, outlen, "error: no tool %.64s", name);
		return -1;
	}
	return start_call(&servers[t->server], t->remote, args, out, outlen,
			  done, ctx);
}

int mcp_call_direct(const char *server, const char *tool, const char *args,
		    char *out, size_t outlen, mcp_done_fn done, void *ctx)
{
	for (int i = 0; i < nservers; i++)
		if (!strcasecmp(servers[i].conf.name, server))
			return start_call(&servers[i], tool, args, out, outlen,
					  done, ctx);
	snprintf(out, outlen, "error: no MCP server %.32s", server);
	return -1;
}

void mcp_cancel(int handle, const char *reason)
{
	for (int i = 0; i < MCP_CALLS_MAX; i++) {
		struct call *c = &calls[i];

		if (handle <= 0 || c->handle != handle)
			continue;
		if (c->xf.x.active) /* the spec: cancel what was sent */
			send_out(c->srv, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":%lld,\"reason\":\"%s\"}}",
				 c->xf.id, reason);
		LOGI("mcp", "%s: %s cancelled (%s)", c->srv->conf.name,
		     c->tool, reason);
		c->done = NULL;
		http_abort(&c->xf.x);
		c->handle = 0;
		c->waiting = 0;
	}
}

/* ---- start, reload, stop ---- */

static int load_token(struct server *s, char *err, size_t errlen)
{
	char path[MCP_URL_MAX + 64], what[64];
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	s->token[0] = '\0';
	if (s->conf.token_file[0]) {
		snprintf(path, sizeof(path), "%s", s->conf.token_file);
		snprintf(what, sizeof(what), "mcp server %s's token_file",
			 s->conf.name);
	} else {
		/* systemd: LoadCredential=mcp-NAME:PATH */
		if (!dir || dir[0] != '/')
			return 0;
		snprintf(path, sizeof(path), "%s/mcp-%s", dir, s->conf.name);
		if (access(path, F_OK))
			return 0;
		snprintf(what, sizeof(what), "the credential mcp-%s",
			 s->conf.name);
		if (http_in_clear(s->conf.url) &&
		    !s->conf.allow_insecure_token) {
			snprintf(err, errlen, "%s would go to %.120s as plain http; use https://, or set allow_insecure_token = true",
				 what, s->conf.url);
			return -1;
		}
	}
	return token_read(path, what, s->token, sizeof(s->token), err,
			  errlen);
}

static void server_init(struct server *s, const struct mcp_server_conf *c)
{
	memset(s, 0, sizeof(*s));
	s->conf = *c;
	s->next_id = 1;
	s->ctl.kind = XK_CTL;
	s->get.kind = XK_GET;
	s->out.kind = XK_OUT;
	s->ctl.ev = &sse_ctl[idx(s)];
	s->get.ev = &sse_get[idx(s)];
	s->out.ev = NULL;
}

/* Stops a server; its calls in flight end with an error (notify), or
 * silently when parleyd stops (the turn is gone by then). */
static void server_stop(struct server *s, int notify)
{
	for (int i = 0; i < MCP_CALLS_MAX; i++)
		if (calls[i].handle && calls[i].srv == s) {
			snprintf(calls[i].out, calls[i].outlen,
				 "error: the tool server %s was reconfigured",
				 s->conf.name);
			if (!notify)
				calls[i].done = NULL;
			call_end(&calls[i], 1);
		}
	http_abort(&s->ctl.x);
	http_abort(&s->get.x);
	http_abort(&s->out.x);
	loop_cancel(s->retry_timer);
	loop_cancel(s->get_timer);
	loop_cancel(s->kick_timer);
	drop_tools(s);
	explicit_bzero(s->token, sizeof(s->token));
	s->state = SS_OFF;
}

static void server_start(struct server *s)
{
	char err[300];

	if (load_token(s, err, sizeof(err))) {
		set_error(s, "%s", err);
		s->state = SS_FAILED;
		LOGE("mcp", "%s: %s; the server is left out", s->conf.name,
		     err);
		return;
	}
	begin(s);
}

static void stop_all(int notify)
{
	for (int i = 0; i < nservers; i++)
		server_stop(&servers[i], notify);
	nservers = 0;
	ntools = 0;
}

void mcp_start(const struct parley_config *cfg)
{
	nservers = cfg->mcp_count;
	for (int i = 0; i < nservers; i++)
		server_init(&servers[i], &cfg->mcp[i]);
	for (int i = 0; i < nservers; i++)
		server_start(&servers[i]);
}

void mcp_reload(const struct parley_config *cfg)
{
	int n = cfg->mcp_count;

	if (n != nservers) {
		LOGN("mcp", "mcp.servers changed: %d server%s now", n,
		     n == 1 ? "" : "s");
		stop_all(1);
		mcp_start(cfg);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct server *s = &servers[i];

		if (memcmp(&s->conf, &cfg->mcp[i], sizeof(cfg->mcp[i]))) {
			LOGN("mcp", "%s: changed; starting again",
			     cfg->mcp[i].name);
			server_stop(s, 1);
			server_init(s, &cfg->mcp[i]);
			server_start(s);
		} else if (s->state == SS_READY) {
			relist(s);
		} else if (s->state == SS_BACKOFF) {
			loop_cancel(s->retry_timer);
			s->retry_timer = 0;
			s->backoff_ms = 0;
			begin(s);
		}
	}
	offer(1);
}

void mcp_stop(void)
{
	stop_all(0);
}

/* ---- the console ---- */

int mcp_count(void)
{
	return nservers;
}

void mcp_info(int i, struct mcp_info *info)
{
	struct server *s = &servers[i];
	uint64_t now = loop_now_ms();

	*info = (struct mcp_info){
		.name = s->conf.name,
		.url = s->conf.url,
		.state = state_names[s->state],
		.session = s->session,
		.version = s->version,
		.server = s->info,
		.error = s->error,
		.tools = s->ntools,
		.offered = s->noffered,
		.retry_ms = s->state == SS_BACKOFF && s->retry_at > now ?
				    (int)(s->retry_at - now) :
				    0,
		.get_stream = s->get_open && s->get.status == 200,
	};
}

const char *mcp_tool_name(int s, int i)
{
	for (int k = 0; k < ntools; k++)
		if (table[k].server == s && table[k].offered && i-- == 0)
			return table[k].name;
	return NULL;
}
