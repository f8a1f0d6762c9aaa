/* SPDX-License-Identifier: MIT */
/*
 * The LLM's bearer token.  It comes from llm.token_file or, when that is
 * empty, from systemd's credential "llm-token" (LoadCredential=llm-token:
 * PATH in the unit puts it in $CREDENTIALS_DIRECTORY, readable by the
 * service alone); it is read once, at start-up, into the one buffer the
 * caller gives, and never logged.  While a token is held the process is
 * not dumpable: no core file, and /proc/PID/mem, environ and the like are
 * closed to everyone without CAP_SYS_PTRACE.
 */
#ifndef PARLEY_APP_TOKEN_H
#define PARLEY_APP_TOKEN_H

#include <stddef.h>

#include "config.h"

#define TOKEN_CREDENTIAL "llm-token"

/*
 * Where the token would come from: 1 with path filled and *what naming
 * the source ("llm.token_file" or "the credential llm-token"), or 0 if
 * there is none.
 */
int token_source(const struct parley_config *cfg, char *path, size_t len,
		 const char **what);
/*
 * Reads the token (its first line) into buf.  0 with buf empty if there
 * is no source; 0 with the token in buf; -1 with err naming the source
 * and what is wrong (unreadable, not a regular file, empty, too long, a
 * byte a bearer token cannot hold).  Nothing of it is left anywhere else.
 */
int token_load(const struct parley_config *cfg, char *buf, size_t len,
	       char *err, size_t errlen);
/*
 * The same for any token file (an MCP server's, mcp.h): what names the
 * source in err, e.g. "mcp.servers[0].token_file".
 */
int token_read(const char *path, const char *what, char *buf, size_t len,
	       char *err, size_t errlen);
/* Wipes buf (the token's one copy). */
void token_forget(char *buf, size_t len);
/*
 * The configuration rule (config_add_rule): a token, loaded or to be
 * loaded, goes over plain http only to loopback, or with
 * llm.allow_insecure_token = true.  0, or -1 with why naming the keys.
 */
int token_rule(const struct parley_config *cfg, char *why, size_t whylen);

#endif
