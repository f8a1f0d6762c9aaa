// SPDX-License-Identifier: MIT
/*
 * parleyctl: the console client.  Sends one command (from the arguments)
 * or one per line of standard input to parleyd's UNIX socket and prints
 * the reply; the exit status is 0 for OK and 1 for ERR.  "levels" is shown
 * in place on a terminal until Enter is pressed; "attach" prints events
 * until parleyd goes away or parleyctl is interrupted.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/parley/parleyd.sock"
#define REPLY_TIMEOUT_MS 10000

static void usage(FILE *f)
{
	fprintf(f, "usage: parleyctl [-s SOCKET] [COMMAND [ARG...]]\n"
		   "Sends COMMAND to parleyd, or reads commands from standard input.\n"
		   "SOCKET defaults to $PARLEY_SOCKET, then " DEFAULT_SOCKET ".\n"
		   "Try: parleyctl help\n");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "parleyctl: socket path too long: %s\n", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "parleyctl: cannot connect to %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int live; /* the command is a live view */
static int attached; /* print events after the reply */
/* SIGINT or SIGTERM arrived: the wait ends (set by the handler only) */
static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	stopping = sig;
}

/*
 * SIGINT and SIGTERM end a wait (attach, levels, a slow reply) the same
 * way whatever the signal dispositions parleyctl inherited: a shell's
 * background job or a CI runner may start it with SIGINT ignored.
 */
static void catch_stops(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll and read return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static char buf[8192]; /* reply bytes read and not yet printed */
static size_t len;

/* Prints reply lines until the final OK or ERR; returns 0, 1, or -1. */
static int read_reply(int fd)
{
	int tty = isatty(STDOUT_FILENO);

	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', len))) {
			size_t n = (size_t)(nl - buf);
			int done = -2;

			*nl = '\0';
			if (!strcmp(buf, "OK")) {
				done = 0;
			} else if (!strncmp(buf, "ERR", 3)) {
				fprintf(stderr, "%s\n", buf);
				done = 1;
			} else if (live && tty) {
				printf("\r\033[K%s", buf); /* in place */
			} else {
				printf("%s\n", buf);
			}
			fflush(stdout);
			if (done == 0 && live && tty)
				printf("\n");
			memmove(buf, nl + 1, len - n - 1);
			len -= n + 1;
			if (done != -2) {
				fflush(stdout);
				return done;
			}
		}
		struct pollfd pfd[2] = { { fd, POLLIN, 0 },
					 { STDIN_FILENO, POLLIN, 0 } };
		int r = poll(pfd, live ? 2 : 1,
			     live || attached ? -1 : REPLY_TIMEOUT_MS);
		ssize_t got;

		if (stopping)
			return -1;

		if (live && (pfd[1].revents & (POLLIN | POLLHUP))) {
			char junk[256];

			/* any line (Enter) ends the live view */
			if (read(STDIN_FILENO, junk, sizeof(junk)) <= 0)
				live = 0; /* no input: stop watching it */
			if (write(fd, "\n", 1) != 1)
				return -1;
			continue;
		}
		if (r == 0) {
			fprintf(stderr, "parleyctl: no reply within %d ms\n",
				REPLY_TIMEOUT_MS);
			return -1;
		}
		if (len == sizeof(buf)) {
			fprintf(stderr, "parleyctl: reply line too long\n");
			return -1;
		}
		got = read(fd, buf + len, sizeof(buf) - len);
		if (stopping)
			return -1;
		if (got <= 0) {
			fprintf(stderr, "parleyctl: connection closed\n");
			return -1;
		}
		len += (size_t)got;
	}
}

static int send_line(int fd, const char *line)
{
	size_t n = strlen(line);

	if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "parleyctl: send: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("PARLEY_SOCKET");
	char line[1024];
	int c, fd, status = 0;

	while ((c = getopt(argc, argv, "s:h")) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path)
		path = DEFAULT_SOCKET;
	catch_stops();
	fd = connect_to(path);
	if (fd < 0)
		return 2;
	if (optind < argc) {
		size_t n = 0;

		for (int i = optind; i < argc; i++) {
			int w = snprintf(line + n, sizeof(line) - n, "%s%s",
					 i > optind ? " " : "", argv[i]);

			if (w < 0 || (size_t)w >= sizeof(line) - n) {
				fprintf(stderr, "parleyctl: command too long\n");
				return 2;
			}
			n += (size_t)w;
		}
		live = !strcmp(argv[optind], "levels");
		attached = !strcmp(argv[optind], "attach");
		if (send_line(fd, line))
			return 2;
		status = read_reply(fd);
		if (attached && status == 0) {
			ssize_t got = (ssize_t)len;

			/* events until parleyd goes away or we are stopped */
			do {
				if (fwrite(buf, 1, (size_t)got, stdout) !=
					    (size_t)got ||
				    fflush(stdout))
					break;
			} while (!stopping &&
				 (got = read(fd, buf, sizeof(buf))) > 0);
			stopping = 0; /* stopping is how attach ends */
		}
	} else {
		while (fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[strspn(line, " \t")])
				continue;
			if (send_line(fd, line))
				return 2;
			c = read_reply(fd);
			if (c < 0)
				return 2;
			status |= c;
		}
	}
	close(fd);
	if (stopping) /* interrupted: as a shell reports a signal */
		return 128 + stopping;
	return status < 0 ? 2 : status;
}
