/* SPDX-License-Identifier: MIT */
/*
 * mcp.servers: the MCP servers whose tools the model may use (mcp.h), a
 * libconfig list of groups, parsed by config_mcp.c.  Every limit is fixed
 * here, at compile time; a file that asks for more is refused.
 */
#ifndef PARLEY_APP_CONFIG_MCP_H
#define PARLEY_APP_CONFIG_MCP_H

#include <stdio.h>

#define MCP_SERVERS_MAX 4 /* entries in mcp.servers */
#define MCP_SERVER_NAME_MAX 16 /* bytes of a server's name */
#define MCP_ALLOW_MAX 16 /* names or patterns in one allow list */
#define MCP_PATTERN_MAX 64 /* bytes of one, with its NUL */
#define MCP_URL_MAX 256
#define MCP_TIMEOUT_MS_MIN 1000
#define MCP_TIMEOUT_MS_MAX 300000
#define MCP_TIMEOUT_MS_DEFAULT 15000

struct mcp_server_conf {
	char name[MCP_SERVER_NAME_MAX + 1]; /* [A-Za-z0-9-]; the tools' prefix */
	char url[MCP_URL_MAX]; /* the Streamable HTTP endpoint */
	char token_file[MCP_URL_MAX]; /* "": the credential mcp-NAME */
	char allow[MCP_ALLOW_MAX][MCP_PATTERN_MAX]; /* fnmatch patterns */
	int nallow; /* 0: every tool */
	int timeout_ms; /* one request (a tool call) */
	int allow_insecure_token; /* the token may go over plain http */
};

struct config_setting_t;
/*
 * Parses the list s (mcp.servers) into servers (at most MCP_SERVERS_MAX,
 * count in *n).  Each problem goes to bad(ctx, line, text) naming the
 * key; returns the number of problems.
 */
int config_mcp_parse(struct config_setting_t *s,
		     struct mcp_server_conf *servers, int *n,
		     void (*bad)(void *ctx, int line, const char *text),
		     void *ctx);
/* The sample config's commented-out mcp group. */
void config_mcp_sample(FILE *f);

#endif
