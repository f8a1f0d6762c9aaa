// SPDX-License-Identifier: MIT
/*
 * mcp.servers (config_mcp.h):
 *
 *   mcp = {
 *     servers = (
 *       { name = "home"; url = "https://ha.lan:8123/api/mcp";
 *         token_file = "/etc/parley/ha.token"; allow = [ "Hass*" ];
 *         timeout_ms = 15000; }
 *     );
 *   };
 *
 * Each problem names the entry and the key, e.g.
 * "mcp.servers[1].url = "ftp://x": must start with http:// or https://".
 */
#include "config_mcp.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

struct parse {
	void (*bad)(void *ctx, int line, const char *text);
	void *ctx;
	int problems;
};

__attribute__((format(printf, 3, 4))) static void bad(struct parse *p,
						      config_setting_t *s,
						      const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	p->bad(p->ctx, (int)config_setting_source_line(s), text);
	p->problems++;
}

/* A string setting of 1..max-1 bytes with no control byte; 0 or -1. */
static int get_str(struct parse *p, config_setting_t *e, int i,
		   const char *key, char *out, size_t max)
{
	const char *v;
	size_t n;

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		bad(p, e, "mcp.servers[%d].%s: must be a string", i, key);
		return -1;
	}
	v = config_setting_get_string(e);
	n = strlen(v);
	if (!n || n >= max) {
		bad(p, e, "mcp.servers[%d].%s: must be 1 to %zu bytes, not %zu",
		    i, key, max - 1, n);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f) {
			bad(p, e, "mcp.servers[%d].%s: has a control byte", i,
			    key);
			return -1;
		}
	memcpy(out, v, n + 1);
	return 0;
}

static int name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static void get_allow(struct parse *p, config_setting_t *e, int i,
		      struct mcp_server_conf *c)
{
	int n = config_setting_length(e);

	if (config_setting_type(e) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(e) != CONFIG_TYPE_LIST) {
		bad(p, e, "mcp.servers[%d].allow: must be a list of tool names or patterns: [ \"HassTurnOn\", \"Get*\" ]",
		    i);
		return;
	}
	if (n > MCP_ALLOW_MAX) {
		bad(p, e, "mcp.servers[%d].allow: %d entries; at most %d", i,
		    n, MCP_ALLOW_MAX);
		return;
	}
	for (int k = 0; k < n; k++) {
		char key[32];

		snprintf(key, sizeof(key), "allow[%d]", k);
		if (get_str(p, config_setting_get_elem(e, (unsigned)k), i,
			    key, c->allow[k], sizeof(c->allow[k])))
			return;
	}
	c->nallow = n;
}

static void get_timeout(struct parse *p, config_setting_t *e, int i,
			struct mcp_server_conf *c)
{
	long long v;

	if (config_setting_type(e) != CONFIG_TYPE_INT &&
	    config_setting_type(e) != CONFIG_TYPE_INT64) {
		bad(p, e, "mcp.servers[%d].timeout_ms: must be an integer from %d to %d",
		    i, MCP_TIMEOUT_MS_MIN, MCP_TIMEOUT_MS_MAX);
		return;
	}
	v = config_setting_get_int64(e);
	if (config_setting_type(e) == CONFIG_TYPE_INT)
		v = config_setting_get_int(e);
	if (v < MCP_TIMEOUT_MS_MIN || v > MCP_TIMEOUT_MS_MAX) {
		bad(p, e, "mcp.servers[%d].timeout_ms = %lld: must be from %d to %d",
		    i, v, MCP_TIMEOUT_MS_MIN, MCP_TIMEOUT_MS_MAX);
		return;
	}
	c->timeout_ms = (int)v;
}

/* One group of the list; 0 if it is whole. */
static int parse_server(struct parse *p, config_setting_t *g, int i,
			struct mcp_server_conf *c)
{
	int before = p->problems;
	char origin[300];

	memset(c, 0, sizeof(*c));
	c->timeout_ms = MCP_TIMEOUT_MS_DEFAULT;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		bad(p, g, "mcp.servers[%d]: must be a group: { name = \"home\"; url = \"https://...\"; }",
		    i);
		return -1;
	}
	for (int k = 0; k < config_setting_length(g); k++) {
		config_setting_t *e = config_setting_get_elem(g, (unsigned)k);
		const char *key = config_setting_name(e);

		if (!strcmp(key, "name"))
			get_str(p, e, i, key, c->name, sizeof(c->name));
		else if (!strcmp(key, "url"))
			get_str(p, e, i, key, c->url, sizeof(c->url));
		else if (!strcmp(key, "token_file"))
			get_str(p, e, i, key, c->token_file,
				sizeof(c->token_file));
		else if (!strcmp(key, "allow"))
			get_allow(p, e, i, c);
		else if (!strcmp(key, "timeout_ms"))
			get_timeout(p, e, i, c);
		else if (!strcmp(key, "allow_insecure_token")) {
			if (config_setting_type(e) != CONFIG_TYPE_BOOL)
				bad(p, e, "mcp.servers[%d].allow_insecure_token: must be true or false",
				    i);
			else
				c->allow_insecure_token =
					config_setting_get_bool(e);
		} else {
			bad(p, e, "mcp.servers[%d].%s: unknown key; known: name, url, token_file, allow, timeout_ms, allow_insecure_token",
			    i, key);
		}
	}
	if (p->problems != before)
		return -1;
	if (!c->name[0])
		bad(p, g, "mcp.servers[%d]: needs a name (letters, digits, '-'; at most %d bytes)",
		    i, MCP_SERVER_NAME_MAX);
	else if (!name_ok(c->name))
		bad(p, g, "mcp.servers[%d].name = \"%s\": only letters, digits and '-' (it prefixes the tools' names)",
		    i, c->name);
	if (!c->url[0])
		bad(p, g, "mcp.servers[%d]: needs a url (http:// or https://)",
		    i);
	else if ((strncasecmp(c->url, "http://", 7) &&
		  strncasecmp(c->url, "https://", 8)) ||
		 http_origin(c->url, origin, sizeof(origin)))
		bad(p, g, "mcp.servers[%d].url = \"%.128s\": must be an http:// or https:// URL with a host",
		    i, c->url);
	else if (c->token_file[0] && http_in_clear(c->url) &&
		 !c->allow_insecure_token)
		bad(p, g, "mcp.servers[%d].url = \"%.128s\": the token (token_file) would go as plain http, readable on the way; use https://, or set allow_insecure_token = true",
		    i, c->url);
	return p->problems != before ? -1 : 0;
}

int config_mcp_parse(config_setting_t *s, struct mcp_server_conf *servers,
		     int *n, void (*badfn)(void *ctx, int line,
					   const char *text),
		     void *ctx)
{
	struct parse p = { badfn, ctx, 0 };
	int len;

	*n = 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		bad(&p, s, "mcp.servers: must be a list of groups: ( { name = \"home\"; url = \"https://...\"; } )");
		return p.problems;
	}
	len = config_setting_length(s);
	if (len > MCP_SERVERS_MAX) {
		bad(&p, s, "mcp.servers: %d servers; at most %d", len,
		    MCP_SERVERS_MAX);
		return p.problems;
	}
	for (int i = 0; i < len; i++) {
		struct mcp_server_conf *c = &servers[*n];

		if (parse_server(&p, config_setting_get_elem(s, (unsigned)i),
				 i, c))
			continue;
		for (int k = 0; k < *n; k++)
			if (!strcasecmp(servers[k].name, c->name)) {
				bad(&p, config_setting_get_elem(s, (unsigned)i),
				    "mcp.servers[%d].name = \"%s\": servers[%d] has that name",
				    i, c->name, k);
				break;
			}
		(*n)++;
	}
	if (p.problems)
		*n = 0;
	return p.problems;
}

void config_mcp_sample(FILE *f)
{
	fprintf(f, "\nmcp = {\n"
		   "\t# MCP servers whose tools the model may use (Streamable HTTP),\n"
		   "\t# at most %d; each: name (letters, digits, '-'; the tools'\n"
		   "\t# prefix), url, token_file (or the credential mcp-NAME),\n"
		   "\t# allow (tool names or patterns; all by default), timeout_ms\n"
		   "\t# (%d..%d, default %d), allow_insecure_token (false)\n"
		   "\t#servers = (\n"
		   "\t#\t{ name = \"home\"; url = \"https://homeassistant.lan:8123/api/mcp\";\n"
		   "\t#\t  token_file = \"/etc/parley/ha.token\"; }\n"
		   "\t#);\n"
		   "};\n",
		MCP_SERVERS_MAX, MCP_TIMEOUT_MS_MIN, MCP_TIMEOUT_MS_MAX,
		MCP_TIMEOUT_MS_DEFAULT);
}
