// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the console's input side, as a serial tty (the line
 * editor) and as a socket client, with a command table of its own that
 * records what it was given.  The real command handlers need a running
 * daemon; what is fuzzed here is everything between the bytes and them.
 */
#include "../../app/console.c"

#include <stdlib.h>

static int run_cmd(void *ctx, struct console_client *c, int argc,
		   char **argv, char *why, size_t whylen)
{
	(void)ctx;
	(void)c;
	for (int i = 0; i < argc; i++)
		if (!argv[i] || strlen(argv[i]) >= PARLEY_CONSOLE_LINE_MAX)
			abort();
	snprintf(why, whylen, "fuzz");
	return argc % 2 ? -1 : 0;
}

const struct console_cmd console_cmds[] = {
	{ "say", "TEXT", "", 1, -1, ACC_ADMIN, run_cmd },
	{ "set", "KEY VALUE", "", 2, -1, ACC_ADMIN, run_cmd },
	{ "button", "[press|release]", "", 0, 1, ACC_VIEW, run_cmd },
	{ "status", "", "", 0, 0, ACC_MONITOR, run_cmd },
	{ NULL, NULL, NULL, 0, 0, 0, NULL },
};

void console_settings(void *ctx, struct console_settings *s)
{
	(void)ctx;
	s->idle_timeout_s = 0;
	s->per_uid = 3;
	s->serial_role = ROLE_MONITOR;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct console_client *c = &clients[0];

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (size < 1)
		return 0;
	memset(c, 0, sizeof(*c));
	c->in_fd = devnull;
	c->out_fd = devnull;
	c->kind = data[0] & 1 ? CON_TTY : CON_SOCKET;
	for (size_t i = 1; i < size && c->in_fd >= 0; i++) {
		if (c->kind == CON_TTY) {
			tty_byte(c, data[i]);
		} else if (data[i] == '\n') {
			line_done(c);
		} else {
			add(c, (char)data[i]);
		}
		if (c->len >= sizeof(c->line))
			abort();
		c->out_len = 0; /* as if written */
		c->pending = 0;
	}
	return 0;
}
