// SPDX-License-Identifier: MIT
/*
 * MCP's messages (mcp_proto.h).  The facts come from the specification
 * (basic/transports: Streamable HTTP; basic/lifecycle; server/tools) and
 * the reference TypeScript SDK (@modelcontextprotocol/sdk 1.32.2:
 * types.js for the versions and the result shapes,
 * server/webStandardStreamableHttp.js for the event framing: each
 * message is one "event: message" with one "data:" line, a priming event
 * "id: N" with empty data, and ": keepalive" comments).
 */
#include "mcp_proto.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- server-sent events ---- */

enum { SS_FIELD, SS_SPACE, SS_VALUE, SS_SKIP, SS_CR };

void mcp_sse_init(struct mcp_sse *e)
{
	e->len = 0;
	e->flen = 0;
	e->state = SS_FIELD;
	e->has_data = 0;
	e->overflow = 0;
}

static int dispatch(struct mcp_sse *e, mcp_event_cb cb, void *ctx)
{
	int r = 0;

	if (e->overflow)
		r = -EMSGSIZE;
	else if (e->has_data && e->len && strlen(e->data) == e->len)
		/* (a NUL byte: no JSON text, so no message; passed over) */
		r = cb(e->data, e->len, ctx);
	e->len = 0;
	e->has_data = 0;
	e->overflow = 0;
	return r;
}

static void put(struct mcp_sse *e, char c)
{
	if (e->len >= MCP_REPLY_MAX) {
		e->overflow = 1;
		return;
	}
	e->data[e->len++] = c;
	e->data[e->len] = '\0';
}

/* The field name is complete (a ':' or the end of the line). */
static int is_data(const struct mcp_sse *e)
{
	return e->flen == 4 && !memcmp(e->field, "data", 4);
}

static void start_value(struct mcp_sse *e)
{
	if (!is_data(e))
		return;
	if (e->has_data)
		put(e, '\n'); /* lines of one event's data are joined */
	e->has_data = 1;
}

/* A line ended; r is 0 or what a dispatch returned. */
static int end_line(struct mcp_sse *e, mcp_event_cb cb, void *ctx)
{
	int blank = e->state == SS_FIELD && e->flen == 0;

	if (e->state == SS_FIELD && e->flen) /* "data" alone: empty value */
		start_value(e);
	e->flen = 0;
	e->state = SS_FIELD;
	return blank ? dispatch(e, cb, ctx) : 0;
}

int mcp_sse_feed(struct mcp_sse *e, const char *buf, size_t len,
		 mcp_event_cb cb, void *ctx)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		int r;

		if (e->state == SS_CR) {
			e->state = SS_FIELD;
			if (c == '\n')
				continue; /* CR LF is one line end */
		}
		if (c == '\r' || c == '\n') {
			int cr = c == '\r';

			r = end_line(e, cb, ctx);
			if (cr)
				e->state = SS_CR;
			if (r)
				return r;
			continue;
		}
		switch (e->state) {
		case SS_FIELD:
			if (c == ':') {
				/* a comment when the field is empty */
				if (!e->flen) {
					e->state = SS_SKIP;
					break;
				}
				start_value(e);
				e->state = is_data(e) ? SS_SPACE : SS_SKIP;
			} else if (e->flen < sizeof(e->field)) {
				e->field[e->flen++] = c;
			} else {
				e->state = SS_SKIP; /* no field we know */
			}
			break;
		case SS_SPACE:
			e->state = SS_VALUE;
			if (c == ' ')
				break; /* one space after the colon goes */
			/* fall through */
		case SS_VALUE:
			put(e, c);
			break;
		default:
			break;
		}
	}
	return 0;
}

int mcp_sse_end(struct mcp_sse *e, mcp_event_cb cb, void *ctx)
{
	if (e->state != SS_FIELD && e->state != SS_CR) {
		int r = end_line(e, cb, ctx);

		if (r)
			return r;
	}
	return dispatch(e, cb, ctx);
}

/* ---- JSON-RPC ---- */

static int one(const cJSON *j, struct mcp_msg *m)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "jsonrpc");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(j, "method");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(j) || !cJSON_IsString(v) ||
	    strcmp(v->valuestring, "2.0"))
		return -1;
	if (cJSON_IsNumber(id) && id->valuedouble >= 0 &&
	    id->valuedouble < 9e15 && id->valuedouble == (long long)id->valuedouble) {
		m->id = (long long)id->valuedouble;
		m->id_is_num = 1;
	}
	if (id && !cJSON_IsNull(id) &&
	    !cJSON_PrintPreallocated((cJSON *)id, m->id_text,
				     (int)sizeof(m->id_text), 0))
		return -1; /* an id we could not echo */
	if (cJSON_IsString(method)) {
		m->method = method->valuestring;
		m->params = cJSON_GetObjectItemCaseSensitive(j, "params");
		m->kind = id && !cJSON_IsNull(id) ? MK_REQUEST :
						     MK_NOTIFICATION;
		return 0;
	}
	if (err) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err,
								    "message");

		m->kind = MK_ERROR;
		m->code = cJSON_IsNumber(code) ? (long)code->valuedouble : 0;
		m->message = cJSON_IsString(msg) ? msg->valuestring :
						    "an error without a message";
		return 0;
	}
	m->result = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (!m->result || !id)
		return -1;
	m->kind = MK_RESULT;
	return 0;
}

int mcp_parse(const char *json, void (*each)(const struct mcp_msg *m,
					     void *ctx),
	      void *ctx, char *why, size_t whylen)
{
	cJSON *j = cJSON_Parse(json);
	struct mcp_msg m;
	const cJSON *e;
	int n = 0;

	if (!j) {
		snprintf(why, whylen, "the reply is not JSON (or too large)");
		return -1;
	}
	if (!cJSON_IsArray(j)) {
		if (one(j, &m)) {
			snprintf(why, whylen, "the reply is not a JSON-RPC 2.0 message");
			return -1;
		}
		each(&m, ctx);
		return 1;
	}
	cJSON_ArrayForEach(e, j)
	{
		if (one(e, &m))
			continue;
		each(&m, ctx);
		n++;
	}
	if (!n) {
		snprintf(why, whylen, "the reply holds no JSON-RPC 2.0 message");
		return -1;
	}
	return n;
}

/* ---- lifecycle ---- */

/* The versions whose Streamable HTTP transport we speak (the SDK's
 * SUPPORTED_PROTOCOL_VERSIONS less those of the older HTTP+SSE one). */
static const char *const versions[] = { MCP_PROTOCOL_VERSION, "2025-06-18",
					"2025-03-26", NULL };

static void printable(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *in && n + 1 < outlen; in++)
		out[n++] = (unsigned char)*in < 0x20 || *in == 0x7f ? '?' : *in;
	out[n] = '\0';
}

int mcp_initialize_result(const cJSON *result, char *version, size_t vlen,
			  int *has_tools, char *server, size_t slen,
			  char *why, size_t whylen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(result,
							  "protocolVersion");
	const cJSON *caps = cJSON_GetObjectItemCaseSensitive(result,
							     "capabilities");
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(result,
							     "serverInfo");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(info, "name");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(info, "version");
	char shown[40];

	if (!cJSON_IsString(v)) {
		snprintf(why, whylen, "the initialize result has no protocolVersion");
		return -1;
	}
	for (int i = 0; versions[i]; i++)
		if (!strcmp(v->valuestring, versions[i])) {
			snprintf(version, vlen, "%s", versions[i]);
			*has_tools = cJSON_IsObject(
				cJSON_GetObjectItemCaseSensitive(caps, "tools"));
			server[0] = '\0';
			if (cJSON_IsString(name)) {
				char n1[48], n2[24] = "";

				printable(name->valuestring, n1, sizeof(n1));
				if (cJSON_IsString(ver))
					printable(ver->valuestring, n2,
						  sizeof(n2));
				snprintf(server, slen, "%s%s%s", n1,
					 n2[0] ? " " : "", n2);
			}
			return 0;
		}
	printable(v->valuestring, shown, sizeof(shown));
	snprintf(why, whylen,
		 "the server speaks protocol version %s; parleyd speaks %s, %s and %s",
		 shown, versions[0], versions[1], versions[2]);
	return -1;
}

/* ---- tools ---- */

/* Copies s into out (outlen > 4), cut at a UTF-8 character boundary with
 * "..." if it does not fit; control bytes become spaces. */
static void bounded(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s), k;

	if (n < outlen) {
		k = n;
	} else {
		k = outlen - 4;
		while (k && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	}
	for (size_t i = 0; i < k; i++)
		out[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	if (k < n)
		memcpy(out + k, "...", 4);
	else
		out[k] = '\0';
}

static int tool_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= MCP_REMOTE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int mcp_tools_page(const cJSON *result,
		   void (*tool)(const struct mcp_tool_desc *t, void *ctx),
		   void *ctx, char *cursor, size_t clen, int *skipped,
		   char *why, size_t whylen)
{
	const cJSON *tools = cJSON_GetObjectItemCaseSensitive(result, "tools");
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(result,
							     "nextCursor");
	static struct mcp_tool_desc t; /* control thread only */
	const cJSON *e;

	cursor[0] = '\0';
	if (!cJSON_IsArray(tools)) {
		snprintf(why, whylen, "the tools/list result has no tools array");
		return -1;
	}
	if (cJSON_IsString(next)) {
		size_t n = strlen(next->valuestring);

		if (!n || n >= clen) {
			snprintf(why, whylen, "a nextCursor of %zu bytes (at most %zu)",
				 n, clen - 1);
			return -1;
		}
		memcpy(cursor, next->valuestring, n + 1);
	}
	cJSON_ArrayForEach(e, tools)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(
			e, "description");
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(e, "title");
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(
			e, "inputSchema");
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema,
								     "type");

		if (!cJSON_IsString(name) || !tool_name_ok(name->valuestring) ||
		    !cJSON_IsObject(schema) || !cJSON_IsString(type) ||
		    strcmp(type->valuestring, "object")) {
			(*skipped)++;
			continue;
		}
		t.name = name->valuestring;
		bounded(cJSON_IsString(desc)  ? desc->valuestring :
			cJSON_IsString(title) ? title->valuestring :
						name->valuestring,
			t.description, sizeof(t.description));
		t.schema_too_big = !cJSON_PrintPreallocated(
			(cJSON *)schema, t.schema, (int)sizeof(t.schema), 0);
		if (t.schema_too_big)
			t.schema[0] = '\0';
		tool(&t, ctx);
	}
	return 0;
}

struct out {
	char *buf;
	size_t len, cap;
	int cut;
};

static void add(struct out *o, const char *s, size_t n)
{
	if (o->cut)
		return;
	if (o->len + n + 4 > o->cap) {
		size_t k = o->cap > o->len + 4 ? o->cap - o->len - 4 : 0;

		while (k && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		memcpy(o->buf + o->len, "...", 4);
		o->cut = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void add_str(struct out *o, const char *s)
{
	if (o->len)
		add(o, "\n", 1);
	add(o, s, strlen(s));
}

int mcp_call_text(const cJSON *result, char *out, size_t outlen,
		  int *is_error)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(result,
								"content");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(result,
							   "structuredContent");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(result, "isError");
	struct out o = { out, 0, outlen, 0 };
	const cJSON *c;
	char note[96], shown[48];

	out[0] = '\0';
	*is_error = cJSON_IsTrue(err);
	if (outlen < 8)
		return -1;
	if (!cJSON_IsArray(content)) {
		snprintf(out, outlen, "the tools/call result has no content array");
		return -1;
	}
	cJSON_ArrayForEach(c, content)
	{
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "text");
		const cJSON *mime = cJSON_GetObjectItemCaseSensitive(c,
								     "mimeType");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(c,
								    "resource");
		const cJSON *rtext = cJSON_GetObjectItemCaseSensitive(res,
								      "text");

		if (!cJSON_IsString(type))
			continue;
		if (!strcmp(type->valuestring, "text") && cJSON_IsString(text)) {
			add_str(&o, text->valuestring);
			continue;
		}
		if (!strcmp(type->valuestring, "resource") &&
		    cJSON_IsString(rtext)) {
			add_str(&o, rtext->valuestring);
			continue;
		}
		printable(cJSON_IsString(mime) ? mime->valuestring :
						 type->valuestring,
			  shown, sizeof(shown));
		snprintf(note, sizeof(note), "[%s %s, not shown]", shown,
			 type->valuestring[0] == 'i' ? "image" :
			 type->valuestring[0] == 'a' ? "audio" :
						       "content");
		add_str(&o, note);
	}
	if (sc && !o.cut) {
		char *json = cJSON_PrintUnformatted(sc);

		if (json) {
			add_str(&o, json);
			cJSON_free(json);
		}
	}
	if (!o.len)
		snprintf(out, outlen, "%s", *is_error ? "the tool failed, with no message" :
							"done (the tool returned no text)");
	return 0;
}

int mcp_exposed_name(const char *server, const char *tool, char *out,
		     size_t outlen)
{
	int n = snprintf(out, outlen, "%s__%s", server, tool);

	if (n < 0 || (size_t)n >= outlen || n >= MCP_TOOL_NAME_MAX)
		return -1;
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	return 0;
}
