// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the console's input side, as a serial tty (the line
 * editor) and as a socket client, with a command table of its own that
 * records what it was given.  The real command handlers need a running
 * daemon; what is fuzzed here is everything between the bytes and them.
 *
 * And the reply framing (first byte's bit 1): any bytes a model, a
 * transcript or a peer might hand a content line, an ERR line or an event
 * come out as exactly one line with no control byte in it, and a content
 * line never reads as framing.
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

/* One line as a client reads it: checks it and returns its length. */
static size_t one_line(const struct console_client *c)
{
	const unsigned char *o = (const unsigned char *)c->out;
	size_t n = c->out_len;

	if (!n || o[n - 1] != '\n' || memchr(o, '\n', n - 1))
		abort(); /* one call, one line */
	for (size_t i = 0; i + 1 < n; i++) {
		if ((o[i] < 0x20 && o[i] != '\t') || o[i] == 0x7f)
			abort(); /* a control byte a terminal would obey */
		if (o[i] == 0xc2 && o[i + 1] >= 0x80 && o[i + 1] <= 0x9f)
			abort(); /* a C1 control */
	}
	return n - 1;
}

static int starts(const char *s, size_t n, const char *head)
{
	return n >= strlen(head) && !memcmp(s, head, strlen(head));
}

static void framing(struct console_client *c, const uint8_t *data,
		    size_t size)
{
	char text[4096];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1, k;

	memcpy(text, data, n);
	text[n] = '\0';
	c->kind = CON_SOCKET;
	c->out_fd = -1; /* writes fail: the line stays in c->out to check */

	c->out_len = 0;
	console_printf(c, "%s", text);
	k = one_line(c);
	if (starts(c->out, k, "OK") || starts(c->out, k, "ERR") ||
	    starts(c->out, k, "EVENT"))
		abort(); /* content read as framing */

	c->out_len = 0;
	console_finish(c, 0, text);
	k = one_line(c);
	if (!starts(c->out, k, "ERR "))
		abort();

	c->out_len = 0;
	c->attached = 1;
	c->role = ROLE_ADMIN;
	console_event("%s", text);
	k = one_line(c);
	if (!starts(c->out, k, "EVENT "))
		abort();
	c->out_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct console_client *c = &clients[0];

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (size < 1)
		return 0;
	if (data[0] & 2) {
		memset(c, 0, sizeof(*c));
		c->in_fd = devnull;
		framing(c, data + 1, size - 1);
		c->in_fd = -1;
		return 0;
	}
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
