// SPDX-License-Identifier: MIT
/*
 * Console transport over a UNIX stream socket.  Clients are non-blocking;
 * each has a fixed line buffer, and a line longer than it is answered with
 * an error and discarded up to its newline.  Lines are split into words;
 * a command whose max_args is -1 takes the rest of the line as its last
 * argument (for "ask" and "say").
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define MAX_ARGS 8

static int listen_fd = -1;
static char sock_path[108];
static struct console_client clients[PARLEY_CONSOLE_CLIENTS];
static struct parley *the_parley;

void console_printf(struct console_client *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (c->fd >= 0 && send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		LOGD("console", "reply dropped: %s", strerror(errno));
}

static const struct console_cmd *find(const char *name)
{
	for (int i = 0; console_cmds[i].name; i++)
		if (!strcmp(console_cmds[i].name, name))
			return &console_cmds[i];
	return NULL;
}

void console_execute(struct parley *p, struct console_client *c, char *line)
{
	char *argv[MAX_ARGS + 1], why[512];
	const struct console_cmd *cmd;
	int argc = 0;
	char *s = line;

	for (char *q = line; *q; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			console_printf(c, "ERR control character 0x%02x in the line",
				       (unsigned char)*q);
			return;
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return; /* empty line: nothing to answer */
	argv[argc++] = s;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	cmd = find(argv[0]);
	if (!cmd) {
		console_printf(c, "ERR unknown command '%.64s' (try 'help')",
			       argv[0]);
		return;
	}
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (cmd->max_args < 0 && argc == cmd->min_args) {
			argv[argc++] = s; /* the rest of the line */
			break;
		}
		if (argc == MAX_ARGS) {
			console_printf(c, "ERR too many arguments; usage: %s %s",
				       cmd->name, cmd->usage);
			return;
		}
		argv[argc++] = s;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
	argv[argc] = NULL;
	if (argc - 1 < cmd->min_args ||
	    (cmd->max_args >= 0 && argc - 1 > cmd->max_args)) {
		console_printf(c, "ERR usage: %s %s", cmd->name, cmd->usage);
		return;
	}
	why[0] = '\0';
	if (cmd->run(p, c, argc - 1, argv + 1, why, sizeof(why)))
		console_printf(c, "ERR %s", why[0] ? why : "failed");
	else
		console_printf(c, "OK");
}

static void drop(struct console_client *c)
{
	loop_unwatch(c->fd);
	close(c->fd);
	c->fd = -1;
}

static void on_client(int fd, short revents, void *ctx)
{
	struct console_client *c = ctx;
	char buf[512];
	ssize_t n;

	(void)fd;
	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
		    (revents & (POLLHUP | POLLERR)))
			drop(c);
		return;
	}
	for (ssize_t i = 0; i < n && c->fd >= 0; i++) {
		char ch = buf[i];

		if (ch == '\n') {
			if (c->overlong) {
				c->overlong = 0;
			} else {
				if (c->len && c->line[c->len - 1] == '\r')
					c->len--;
				c->line[c->len] = '\0';
				console_execute(the_parley, c, c->line);
			}
			c->len = 0;
			continue;
		}
		if (c->overlong)
			continue;
		if (c->len >= sizeof(c->line) - 1) {
			console_printf(c, "ERR line longer than %d bytes",
				       PARLEY_CONSOLE_LINE_MAX - 1);
			c->overlong = 1;
			c->len = 0;
			continue;
		}
		c->line[c->len++] = ch;
	}
}

static void on_accept(int fd, short revents, void *ctx)
{
	int cfd;

	(void)revents;
	(void)ctx;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	for (int i = 0; i < PARLEY_CONSOLE_CLIENTS; i++) {
		if (clients[i].fd < 0) {
			clients[i] = (struct console_client){ .fd = cfd };
			if (loop_watch(cfd, POLLIN, on_client, &clients[i]) == 0)
				return;
			clients[i].fd = -1;
			break;
		}
	}
	dprintf(cfd, "ERR too many console clients (%d)\n",
		PARLEY_CONSOLE_CLIENTS);
	close(cfd);
}

int console_open(struct parley *p, const char *path, char *err,
		 size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;

	the_parley = p;
	for (int i = 0; i < PARLEY_CONSOLE_CLIENTS; i++)
		clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "console.socket '%s': path longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	if (listen_fd < 0)
		goto fail;
	unlink(path);
	old = umask(0117); /* socket mode 0660 */
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(listen_fd, 4) < 0)
		goto fail;
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	return loop_watch(listen_fd, POLLIN, on_accept, NULL);
fail:
	snprintf(err, errlen, "console socket '%s': %s", path, strerror(errno));
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
	return -errno;
}

void console_close(void)
{
	for (int i = 0; i < PARLEY_CONSOLE_CLIENTS; i++)
		if (clients[i].fd >= 0)
			drop(&clients[i]);
	if (listen_fd >= 0) {
		loop_unwatch(listen_fd);
		close(listen_fd);
		unlink(sock_path);
	}
	listen_fd = -1;
}
