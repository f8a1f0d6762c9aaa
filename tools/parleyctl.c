// SPDX-License-Identifier: MIT
/*
 * parleyctl: the console client.  Sends one command (from the arguments)
 * or one per line of standard input to parleyd's UNIX socket and prints
 * the reply.  "levels" is shown in place on a terminal until Enter is
 * pressed; "attach" prints events until parleyd goes away or parleyctl is
 * interrupted.  "ask" follows its turn (unless -n): it attaches, asks,
 * and prints each sentence of the answer as it is queued for speech, then
 * the outcome and the stage times.  "record" waits as
 * long as the recording takes.  "help" and -h list the commands from the
 * table parleyd is built from (app/commands_list.h), so they work with no
 * parleyd running.
 *
 * The reply's framing (README, "The console"): content lines, then a final
 * "OK" or "ERR <why>" line; "EVENT <text>" lines may come between them
 * once attached.  A content line that would read as one of those comes
 * with a backslash in front, which is dropped here; control bytes arrive
 * already escaped (\xHH) and are printed as they came.
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

#include "../app/commands_list.h"

#define DEFAULT_SOCKET "/run/parley/parleyd.sock"
#define REPLY_TIMEOUT_MS 10000
/* a recording's reply comes when it ends: this long after its length */
#define RECORD_MARGIN_MS 10000

/* Exit statuses, as the usage text and the README list them. */
enum {
	EXIT_OK = 0, /* every command answered OK */
	EXIT_ERR = 1, /* a command answered ERR */
	EXIT_USAGE = 2, /* parleyctl's own arguments are wrong */
	EXIT_CONN = 3, /* no connection, or it was lost or went silent */
	EXIT_OUTPUT = 4, /* standard output cannot be written */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: parleyctl [-s SOCKET] [-w|-n] [COMMAND [ARG...]]\n"
		   "Sends COMMAND to parleyd, or reads commands from standard input.\n"
		   "SOCKET defaults to $PARLEY_SOCKET, then " DEFAULT_SOCKET ".\n"
		   "ask TEXT waits for the answer and prints it, sentence by sentence,\n"
		   "then the outcome and the stage times; with -n it returns once the\n"
		   "turn has started (-w, the default, waits).\n"
		   "Exit status: 0 OK; 1 a command answered ERR; 2 usage;\n"
		   "3 cannot connect, connection lost or no reply (parleyd closed it:\n"
		   "its reason is printed); 4 standard output failed; 128+N signal N.\n");
}

#define HELP_ROW(name, usage, help, min, max, role)                   \
	{ #name " " usage, CONSOLE_ROLE_TEXT_##role, help },

/* The commands as parleyd's help lists them, without asking parleyd. */
static void command_list(FILE *f)
{
	static const struct {
		const char *left, *role, *help;
	} rows[] = { CONSOLE_COMMANDS(HELP_ROW) };

	fprintf(f, "Commands (the role each needs: parleyd gives yours when you connect):\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fprintf(f, CONSOLE_HELP_FMT "\n", rows[i].left, rows[i].role,
			rows[i].help);
	}
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
	if (fd < 0) {
		fprintf(stderr, "parleyctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	close(fd);
	return -errno;
}

/*
 * connect_to, and what a failure means to the user: no socket, or one
 * left behind with nobody listening, is a daemon that is not running,
 * and the way on is to start it.
 */
static int connect_or_say(const char *path)
{
	int fd = connect_to(path);

	if (fd == -ENOENT || fd == -ECONNREFUSED)
		fprintf(stderr, "parleyctl: cannot connect: parleyd is not running (%s %s): start it with systemctl start parleyd, or parleyd -f -c FILE\n",
			fd == -ENOENT ? "no socket at" : "nobody listens on",
			path);
	else if (fd < -1)
		fprintf(stderr, "parleyctl: cannot connect to %s: %s\n", path,
			strerror(-fd));
	return fd;
}

static int live; /* the command is a live view */
static int attached; /* print events after the reply */
/*
 * Following an ask: the events of its turn become its output.  Our turn's
 * first event is its transcript (emitted as parleyd accepts the ask), so
 * events before it belong to no turn of ours and are passed over.
 */
static struct {
	int on; /* events are read as the turn's output */
	int seen; /* the turn's transcript event arrived */
	int done; /* its "turn" event arrived: it is stored */
} follow;
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

/*
 * What one whole line of a reply is.  Content goes to standard output
 * (without the backslash that marks a content line looking like framing),
 * ERR lines to standard error.  "ERR disconnected: why" is parleyd
 * closing the connection (idle, crowded out), not an answer.
 */
enum line_kind { L_CONTENT, L_OK, L_ERR, L_GONE };

/*
 * "turn ID outcome=O stage=ms ...", as turn.c emits it, as a person would
 * write it: "outcome: O" and "stage times: first_token 120 ms, ...".
 */
static void print_turn(const char *ev)
{
	const char *o = strstr(ev, " outcome=");
	size_t n;

	if (!o) {
		printf("%s\n", ev);
		return;
	}
	o += strlen(" outcome=");
	n = strcspn(o, " ");
	printf("outcome: %.*s\n", (int)n, o);
	o += n;
	printf("stage times:");
	for (int first = 1; *o == ' '; first = 0) {
		const char *eq;

		o++;
		n = strcspn(o, " ");
		eq = memchr(o, '=', n);
		if (!eq) /* not a time: as it came */
			printf("%s %.*s", first ? "" : ",", (int)n, o);
		else
			printf("%s %.*s %.*s ms", first ? "" : ",",
			       (int)(eq - o), o, (int)(n - (size_t)(eq - o) - 1),
			       eq + 1);
		o += n;
	}
	printf("\n");
}

/* An event while following an ask (see follow). */
static void follow_event(const char *ev)
{
	if (!strncmp(ev, "transcript ", 11))
		follow.seen = 1;
	else if (!follow.seen)
		return;
	else if (!strncmp(ev, "sentence ", 9))
		printf("%s\n", ev + 9);
	else if (!strncmp(ev, "turn ", 5)) {
		print_turn(ev);
		follow.done = 1;
	}
}

static enum line_kind take_line(char *line, int tty)
{
	if (follow.on && !strncmp(line, "EVENT ", 6)) {
		follow_event(line + 6);
		return L_CONTENT;
	}
	if (!strcmp(line, "OK"))
		return L_OK;
	if (!strncmp(line, "ERR", 3)) {
		fprintf(stderr, "%s\n", line);
		return strncmp(line, "ERR disconnected:", 17) ? L_ERR : L_GONE;
	}
	if (line[0] == '\\')
		line++;
	if (live && tty)
		printf("\r\033[K%s", line); /* in place */
	else
		printf("%s\n", line);
	return L_CONTENT;
}

/* Standard output failed (a closed pipe: SIGPIPE is ignored). */
static int output_failed(void)
{
	if (!ferror(stdout) && !fflush(stdout))
		return 0;
	if (errno != EPIPE) /* a reader that left wanted no more: quiet */
		fprintf(stderr, "parleyctl: standard output: %s\n",
			strerror(errno));
	return 1;
}

/*
 * How long a command's reply may take: a recording answers when it ends.
 * The line is "record SECONDS NAME ..." as the user typed it; a bad
 * SECONDS is parleyd's to refuse, at once.
 */
static int reply_timeout_ms(const char *line)
{
	long secs;

	if (strncmp(line, "record ", 7))
		return REPLY_TIMEOUT_MS;
	secs = strtol(line + 7, NULL, 10);
	if (secs <= 0 || secs > 24 * 3600)
		return REPLY_TIMEOUT_MS;
	return (int)secs * 1000 + RECORD_MARGIN_MS;
}

/*
 * What read_reply waits for: the final OK or ERR; parleyd closing the
 * connection (attach); or the end of the followed ask's turn.
 */
enum wait_for { W_REPLY, W_EOF, W_TURN };

/*
 * Prints reply lines until what it waits for; timeout_ms -1 waits as long
 * as it takes.  Returns an exit status.
 */
static int read_reply(int fd, enum wait_for w, int timeout_ms)
{
	int until_eof = w != W_REPLY;

	int tty = isatty(STDOUT_FILENO);

	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', len))) {
			size_t n = (size_t)(nl - buf);
			enum line_kind k;

			*nl = '\0';
			k = take_line(buf, tty);
			if (k == L_OK && live && tty)
				printf("\n");
			memmove(buf, nl + 1, len - n - 1);
			len -= n + 1;
			if (output_failed())
				return EXIT_OUTPUT;
			if (k == L_GONE)
				return EXIT_CONN;
			if (w == W_TURN && follow.done)
				return EXIT_OK;
			if (until_eof)
				continue;
			if (k == L_OK)
				return EXIT_OK;
			if (k == L_ERR)
				return EXIT_ERR;
		}
		struct pollfd pfd[2] = { { fd, POLLIN, 0 },
					 { STDIN_FILENO, POLLIN, 0 } };
		int r = poll(pfd, live ? 2 : 1, live ? -1 : timeout_ms);
		ssize_t got;

		if (stopping)
			return EXIT_CONN;

		if (live && (pfd[1].revents & (POLLIN | POLLHUP))) {
			char junk[256];

			/* any line (Enter) ends the live view */
			if (read(STDIN_FILENO, junk, sizeof(junk)) <= 0)
				live = 0; /* no input: stop watching it */
			if (write(fd, "\n", 1) != 1) {
				fprintf(stderr, "parleyctl: connection lost: %s\n",
					strerror(errno));
				return EXIT_CONN;
			}
			continue;
		}
		if (r == 0) {
			fprintf(stderr, "parleyctl: no reply within %d ms\n",
				timeout_ms);
			return EXIT_CONN;
		}
		if (len == sizeof(buf)) {
			fprintf(stderr, "parleyctl: reply line too long\n");
			return EXIT_CONN;
		}
		got = read(fd, buf + len, sizeof(buf) - len);
		if (stopping)
			return EXIT_CONN;
		if (got <= 0) {
			if (w == W_EOF && !got)
				return EXIT_OK; /* parleyd went away: events end */
			fprintf(stderr, "parleyctl: connection closed%s%s\n",
				got ? ": " : w == W_TURN ?
					" before the turn ended" : " before the reply",
				got ? strerror(errno) : "");
			return EXIT_CONN;
		}
		len += (size_t)got;
	}
}

/*
 * Sends one command.  A write to a connection parleyd has closed fails
 * with EPIPE (SIGPIPE is ignored, so parleyctl lives to say so); what
 * parleyd wrote before it closed (why: too many connections, idle) is
 * still there to read, and is printed.
 */
static int send_line(int fd, const char *line)
{
	char out[1100]; /* a line (main's, 1 024 at most) and its newline */
	int n = snprintf(out, sizeof(out), "%s\n", line);

	/* one write: parleyd sees the command whole or not at all */
	if (n > 0 && (size_t)n < sizeof(out) && write(fd, out, (size_t)n) == n)
		return 0;
	fprintf(stderr, "parleyctl: connection lost: %s\n", strerror(errno));
	for (;;) {
		ssize_t got = read(fd, buf + len, sizeof(buf) - len - 1);
		char *nl;

		if (got <= 0)
			break;
		len += (size_t)got;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (!strncmp(buf, "ERR", 3))
				fprintf(stderr, "%s\n", buf);
			memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
			len = strlen(buf);
		}
		if (len >= sizeof(buf) - 1)
			break;
	}
	return -1;
}

/*
 * ask, followed: attach first, so that no event of the turn is missed,
 * then ask; the turn's events are its output until it is stored.
 */
static int ask_followed(int fd, const char *line)
{
	int status;

	if (send_line(fd, "attach"))
		return EXIT_CONN;
	status = read_reply(fd, W_REPLY, REPLY_TIMEOUT_MS);
	if (status != EXIT_OK)
		return status;
	follow.on = 1;
	if (send_line(fd, line))
		return EXIT_CONN;
	status = read_reply(fd, W_REPLY, REPLY_TIMEOUT_MS);
	if (status != EXIT_OK || follow.done)
		return status;
	/* the turn's own timeouts end it: no clock of ours */
	return read_reply(fd, W_TURN, -1);
}

int main(int argc, char **argv)
{
	const char *path = getenv("PARLEY_SOCKET");
	char line[1024];
	int c, fd, status = EXIT_OK;
	/* follow an ask to its end, unless told not to (-n) */
	int wait_ask = 1;

	while ((c = getopt(argc, argv, "s:hwn")) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'w':
			wait_ask = 1;
			break;
		case 'n':
			wait_ask = 0;
			break;
		case 'h':
			usage(stdout);
			command_list(stdout);
			return output_failed() ? EXIT_OUTPUT : EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!path)
		path = DEFAULT_SOCKET;
	/* a closed connection or pipe is an error to report, not a death */
	signal(SIGPIPE, SIG_IGN);
	catch_stops();
	if (optind < argc) {
		size_t n = 0;

		for (int i = optind; i < argc; i++) {
			int w = snprintf(line + n, sizeof(line) - n, "%s%s",
					 i > optind ? " " : "", argv[i]);

			if (w < 0 || (size_t)w >= sizeof(line) - n) {
				fprintf(stderr, "parleyctl: command too long\n");
				return EXIT_USAGE;
			}
			n += (size_t)w;
		}
		live = !strcmp(argv[optind], "levels");
		attached = !strcmp(argv[optind], "attach");
		fd = connect_or_say(path);
		if (fd < 0 && !strcmp(argv[optind], "help") && optind + 1 == argc) {
			/* the list is known here; parleyd would add your role */
			command_list(stdout);
			return output_failed() ? EXIT_OUTPUT : EXIT_OK;
		}
		if (fd < 0)
			return EXIT_CONN;
		if (wait_ask && !strcmp(argv[optind], "ask")) {
			status = ask_followed(fd, line);
			goto out;
		}
		if (send_line(fd, line))
			return EXIT_CONN;
		status = read_reply(fd, W_REPLY, reply_timeout_ms(line));
		if (attached && status == EXIT_OK) {
			/* events until parleyd goes away or we are stopped */
			status = read_reply(fd, W_EOF, -1);
			if (stopping) { /* stopping is how attach ends */
				stopping = 0;
				status = EXIT_OK;
			}
		}
	} else {
		fd = connect_or_say(path);
		if (fd < 0)
			return EXIT_CONN;
		while (fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[strspn(line, " \t")])
				continue;
			if (send_line(fd, line))
				return EXIT_CONN;
			c = read_reply(fd, W_REPLY, reply_timeout_ms(line));
			if (c != EXIT_OK && c != EXIT_ERR) {
				status = c;
				break;
			}
			status |= c;
		}
	}
out:
	close(fd);
	if (stopping) /* interrupted: as a shell reports a signal */
		return 128 + stopping;
	return status;
}
