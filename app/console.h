/* SPDX-License-Identifier: MIT */
/*
 * The console: a line protocol over a UNIX socket (parleyctl), sharing one
 * command table with the serial console.  Each request is one line; the
 * reply is any number of lines and then a final "OK" or "ERR <why>" line.
 */
#ifndef PARLEY_APP_CONSOLE_H
#define PARLEY_APP_CONSOLE_H

#include <stddef.h>

#include "../dsp/sizes.h"

struct parley;

struct console_client {
	int fd;
	char line[PARLEY_CONSOLE_LINE_MAX];
	size_t len;
	int overlong; /* discarding the rest of an overlong line */
};

struct console_cmd {
	const char *name;
	const char *usage; /* arguments, "" for none */
	const char *help; /* one line */
	int min_args, max_args; /* -1 max: rest of line is one argument */
	/* Returns 0 (OK) or -1 (ERR, with why filled). */
	int (*run)(struct parley *p, struct console_client *c, int argc,
		   char **argv, char *why, size_t whylen);
};

extern const struct console_cmd console_cmds[];

int console_open(struct parley *p, const char *path, char *err,
		 size_t errlen);
void console_close(void);
/* Writes a reply line to a client (never blocks; drops if it cannot). */
void console_printf(struct console_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runs one command line for client c and writes the final line. */
void console_execute(struct parley *p, struct console_client *c, char *line);

#endif
