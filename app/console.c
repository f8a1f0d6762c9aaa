// SPDX-License-Identifier: MIT
/*
 * Console transports.  Every client, whatever its transport, has a fixed
 * line buffer and a fixed output buffer.  Input is assembled into lines
 * from reads of any size; a line longer than the buffer is answered with
 * an error and discarded up to its end.  On a tty parley runs a small line
 * editor (prompt, echo, backspace, Ctrl-U, Ctrl-C) in raw mode, and a line
 * with control bytes in it is refused as binary garbage.  Output goes out
 * as the fd accepts it (POLLOUT); when a client's buffer is full the rest
 * is dropped and the client is told so, so a slow reader never stalls the
 * loop.  stdin/stdout (foreground only) are written plainly.
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 8
#define NCLIENTS (PARLEY_CONSOLE_CLIENTS + 2) /* sockets, tty, stdio */
#define PROMPT "parley> "
#define PARTIAL_MS 60000 /* an unfinished tty line is dropped after this */

static int listen_fd = -1;
static char sock_path[108];
static struct console_client clients[NCLIENTS];
/* what the command table's handlers get (console_open), opaque here */
static void *cmd_ctx;

static void on_client(int fd, short revents, void *ctx);

static void watch(struct console_client *c)
{
	short ev = POLLIN;

	if (c->out_len && c->kind != CON_STDIO)
		ev |= POLLOUT;
	loop_watch(c->in_fd, ev, on_client, c);
}

static void flush(struct console_client *c)
{
	while (c->out_len) {
		ssize_t n = write(c->out_fd, c->out, c->out_len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break; /* EAGAIN: POLLOUT will bring us back */
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->in_fd >= 0)
		watch(c);
}

/* Appends raw bytes; on a tty every \n becomes \r\n. */
static void put(struct console_client *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t need = c->kind == CON_TTY && s[i] == '\n' ? 2 : 1;

		if (c->out_len + need > sizeof(c->out) - 32) {
			c->dropped = 1;
			return;
		}
		if (need == 2)
			c->out[c->out_len++] = '\r';
		c->out[c->out_len++] = s[i];
	}
}

/*
 * How many bytes at s form one unit a terminal would obey rather than show:
 * a C0 control byte but tab, DEL, or a C1 control in UTF-8 (U+0080 to
 * U+009F, which some terminals take as CSI and the like).  0: plain text.
 */
static size_t control_len(const unsigned char *s, size_t n)
{
	if ((s[0] < 0x20 && s[0] != '\t') || s[0] == 0x7f)
		return 1;
	if (s[0] == 0xc2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

/* Appends text with every control unit written as \xHH: model output,
 * transcripts and peers' words reach terminals only as text. */
static void put_escaped(struct console_client *c, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = control_len(u + i, n - i), run = i;
		char hex[8];

		if (!k) {
			while (run < n && !control_len(u + run, n - run))
				run++;
			put(c, s + i, run - i);
			i = run;
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			snprintf(hex, sizeof(hex), "\\x%02x", u[i + j]);
			put(c, hex, 4);
		}
		i += k;
	}
}

/*
 * A content line that could be read as framing ("OK", "ERR ...", "EVENT
 * ...") gets a backslash in front; so does one that begins with a
 * backslash (or with a byte escaped into one), so that a client may always
 * drop one leading backslash and have the text.
 */
static int looks_like_frame(const char *s, size_t n)
{
	static const char *const heads[] = { "OK", "ERR", "EVENT", "\\" };

	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		size_t k = strlen(heads[i]);

		if (n >= k && !memcmp(s, heads[i], k))
			return 1;
	}
	return n && control_len((const unsigned char *)s, n);
}

/* The note for a client whose output was dropped, once it has room. */
static void dropped_note(struct console_client *c)
{
	static const char note[] =
		"[output dropped: the client reads too slowly]\n";

	if (c->dropped && c->out_len < sizeof(c->out) / 2) {
		c->dropped = 0;
		put(c, note, sizeof(note) - 1);
	}
}

/* A framing line: head as it is, then text escaped, on one line. */
static void frame(struct console_client *c, const char *head,
		  const char *text)
{
	if (c->in_fd < 0)
		return;
	dropped_note(c);
	put(c, head, strlen(head));
	put_escaped(c, text, strlen(text));
	put(c, "\n", 1);
	flush(c);
}

/*
 * One content line: a newline in what it carries (a transcript, a peer's
 * error) is escaped like any control byte, so one call is one line.
 */
__attribute__((format(printf, 3, 0))) static void
vprint(struct console_client *c, int newline, const char *fmt, va_list ap)
{
	char buf[2048];
	int n;

	if (c->in_fd < 0)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	dropped_note(c);
	if (looks_like_frame(buf, (size_t)n))
		put(c, "\\", 1);
	put_escaped(c, buf, (size_t)n);
	if (newline)
		put(c, "\n", 1);
	flush(c);
}

void console_printf(struct console_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(c, 1, fmt, ap);
	va_end(ap);
}

void console_live_line(struct console_client *c, const char *fmt, ...)
{
	va_list ap;

	if (c->kind == CON_TTY)
		put(c, "\r\033[K", 4);
	va_start(ap, fmt);
	vprint(c, c->kind != CON_TTY, fmt, ap);
	va_end(ap);
}

static void prompt(struct console_client *c)
{
	if (c->kind == CON_TTY && !c->pending && c->in_fd >= 0) {
		put(c, PROMPT, sizeof(PROMPT) - 1);
		flush(c);
	}
}

void console_finish(struct console_client *c, int ok, const char *why)
{
	if (c->live_tick) {
		loop_cancel(c->live_timer);
		c->live_tick = NULL;
		if (c->kind == CON_TTY)
			put(c, "\n", 1);
	}
	c->pending = 0;
	if (ok)
		frame(c, "OK", "");
	else
		frame(c, "ERR ", why && why[0] ? why : "failed");
	prompt(c);
}

struct console_ref console_ref(struct console_client *c)
{
	return (struct console_ref){ (int)(c - clients), c->gen };
}

struct console_client *console_get(struct console_ref ref)
{
	struct console_client *c;

	if (ref.idx < 0 || ref.idx >= NCLIENTS)
		return NULL;
	c = &clients[ref.idx];
	return c->in_fd >= 0 && c->gen == ref.gen ? c : NULL;
}

static void live_timer(void *ctx)
{
	struct console_client *c = ctx;

	c->live_timer = 0;
	if (!c->live_tick)
		return;
	c->live_tick(c, c->live_ctx);
	if (c->live_tick)
		c->live_timer = loop_timeout(c->live_ms, live_timer, c);
}

void console_live(struct console_client *c, unsigned ms,
		  void (*tick)(struct console_client *c, void *ctx), void *ctx)
{
	c->live_tick = tick;
	c->live_ctx = ctx;
	c->live_ms = ms;
	c->pending = 1;
	tick(c, ctx);
	c->live_timer = loop_timeout(ms, live_timer, c);
}

/*
 * The events a monitor sees: the device's state, never what was said.
 * An event of any other kind reaches admin clients only, until it is
 * named here: "transcript TEXT" (what was asked) and "sentence TEXT" (each
 * sentence as it is queued for speech) must stay off this list.
 */
static const char *const monitor_events[] = {
	"state ", /* turn states */
	"turn ", /* a stored turn's id, outcome and stage times */
	"ring ", /* a timer's label, as "timers" shows it */
	"tool ", /* a device tool's name and ok/error */
	"offline ", /* which offline answer, by name */
};

static int monitor_may_see(const char *event)
{
	for (size_t i = 0; i < ARRAY_SIZE(monitor_events); i++)
		if (!strncmp(event, monitor_events[i],
			     strlen(monitor_events[i])))
			return 1;
	return 0;
}

void console_event(const char *fmt, ...)
{
	/* a transcript, the longest text an event carries, and its kind */
	char buf[PARLEY_TRANSCRIPT_MAX + 32];
	va_list ap;
	int open_to_monitor;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	open_to_monitor = monitor_may_see(buf);
	for (int i = 0; i < NCLIENTS; i++) {
		struct console_client *c = &clients[i];

		if (c->in_fd < 0 || !c->attached)
			continue;
		if (console_role(c) == ROLE_ADMIN || open_to_monitor)
			frame(c, "EVENT ", buf);
	}
}

const char *const console_role_names[] = {
	[ROLE_MONITOR] = "monitor",
	[ROLE_ADMIN] = "admin",
};

enum console_role console_role(const struct console_client *c)
{
	struct console_settings s;

	switch (c->kind) {
	case CON_SOCKET:
		return c->role;
	case CON_TTY: /* a setting, live: whoever holds the cable */
		console_settings(cmd_ctx, &s);
		return s.serial_role;
	case CON_STDIO: /* the foreground's own terminal */
		break;
	}
	return ROLE_ADMIN;
}

/* Who ran it, for the log: "uid 1000 on the socket", "the serial console". */
static void who(const struct console_client *c, char *buf, size_t len)
{
	if (c->kind == CON_SOCKET)
		snprintf(buf, len, "uid %u on the socket", (unsigned)c->uid);
	else
		snprintf(buf, len, "%s", c->kind == CON_TTY ?
			 "the serial console" : "standard input");
}

/*
 * The role check, before a handler runs.  A command that needs admin is
 * logged with who ran it (never its arguments: "ask" and "say" carry what
 * the user would say); a refusal is logged too, at info.
 */
static int allowed(const struct console_cmd *cmd, struct console_client *c,
		   int nargs, const char *arg, char *why, size_t whylen)
{
	int admin = cmd->access == ACC_ADMIN ||
		    (cmd->access == ACC_VIEW && nargs > 0);
	char by[48];

	if (!admin)
		return 1;
	who(c, by, sizeof(by));
	if (console_role(c) == ROLE_ADMIN) {
		LOGN("console", "%s runs '%s'", by, cmd->name);
		return 1;
	}
	if (cmd->access == ACC_VIEW)
		snprintf(why, whylen, "%s %.32s needs the admin role (the monitor role may only view)",
			 cmd->name, arg);
	else
		snprintf(why, whylen, "%s needs the admin role", cmd->name);
	LOGI("console", "%s refused '%s': monitor role", by, cmd->name);
	return 0;
}

static const struct console_cmd *find(const char *name)
{
	for (int i = 0; console_cmds[i].name; i++)
		if (!strcmp(console_cmds[i].name, name))
			return &console_cmds[i];
	return NULL;
}

void console_execute(void *ctx, struct console_client *c, char *line)
{
	char *argv[MAX_ARGS + 1], why[512];
	const struct console_cmd *cmd;
	int argc = 0, r;
	char *s = line;

	for (char *q = line; *q; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			console_finish(c, 0, "binary data in the line; ignored");
			return;
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		prompt(c);
		return; /* empty line: nothing to answer */
	}
	argv[argc++] = s;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	cmd = find(argv[0]);
	if (!cmd) {
		snprintf(why, sizeof(why), "unknown command '%.64s' (try 'help')",
			 argv[0]);
		console_finish(c, 0, why);
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
			snprintf(why, sizeof(why),
				 "too many arguments; usage: %s %s", cmd->name,
				 cmd->usage);
			console_finish(c, 0, why);
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
		snprintf(why, sizeof(why), "usage: %s %s", cmd->name,
			 cmd->usage);
		console_finish(c, 0, why);
		return;
	}
	if (!allowed(cmd, c, argc - 1, argv[1], why, sizeof(why))) {
		console_finish(c, 0, why);
		return;
	}
	why[0] = '\0';
	c->pending = 1;
	r = cmd->run(ctx, c, argc - 1, argv + 1, why, sizeof(why));
	if (r != CONSOLE_PENDING)
		console_finish(c, r == 0, why);
}

static void drop(struct console_client *c)
{
	loop_cancel(c->live_timer);
	loop_cancel(c->partial_timer);
	loop_cancel(c->idle_timer);
	c->idle_timer = 0;
	c->live_tick = NULL;
	loop_unwatch(c->in_fd);
	if (c->kind != CON_STDIO)
		close(c->in_fd);
	c->in_fd = -1;
	c->out_fd = -1;
	c->gen++;
}

/* Says why, sends what it can and closes: the last line a client gets. */
static void hang_up(struct console_client *c, const char *why)
{
	frame(c, "ERR disconnected: ", why);
	drop(c);
}

static void idle_expired(void *ctx);

/* (Re)starts a socket client's idle clock with the current setting. */
static void arm_idle(struct console_client *c)
{
	struct console_settings s;

	c->active_ms = loop_now_ms();
	if (c->kind != CON_SOCKET)
		return;
	console_settings(cmd_ctx, &s);
	loop_cancel(c->idle_timer);
	c->idle_timer = s.idle_timeout_s > 0 ?
		loop_timeout((uint64_t)s.idle_timeout_s * 1000, idle_expired, c) :
		0;
}

/*
 * A socket client that sent no command for console.idle_timeout_s holds a
 * slot for nothing.  One that is attached (waiting for events is its job)
 * or whose command is still running (a recording, a live view) is not
 * idle; its clock starts again.
 */
static void idle_expired(void *ctx)
{
	struct console_client *c = ctx;
	struct console_settings s;
	char why[96];

	c->idle_timer = 0;
	if (c->attached || c->pending) {
		arm_idle(c);
		return;
	}
	console_settings(cmd_ctx, &s);
	snprintf(why, sizeof(why), "no command for %d s (console.idle_timeout_s)",
		 s.idle_timeout_s);
	LOGI("console", "uid %u disconnected: %s", (unsigned)c->uid, why);
	hang_up(c, why);
}

/* A whole line arrived. */
static void line_done(struct console_client *c)
{
	arm_idle(c);
	if (c->live_tick) { /* any input ends a live view */
		c->len = 0;
		console_finish(c, 1, NULL);
		return;
	}
	if (c->overlong) {
		c->overlong = 0;
		c->len = 0;
		return; /* already answered */
	}
	if (c->pending) {
		c->len = 0;
		console_printf(c, "ERR busy: the last command is still running");
		return;
	}
	if (c->garbage) {
		char why[96];

		snprintf(why, sizeof(why),
			 "binary data in the line (%u control bytes); ignored",
			 c->garbage);
		c->garbage = 0;
		c->len = 0;
		console_finish(c, 0, why);
		return;
	}
	c->line[c->len] = '\0';
	c->len = 0;
	console_execute(cmd_ctx, c, c->line);
}

static void add(struct console_client *c, char ch)
{
	if (c->overlong)
		return;
	if (c->len >= sizeof(c->line) - 1) {
		char why[64];

		snprintf(why, sizeof(why), "line longer than %d bytes",
			 PARLEY_CONSOLE_LINE_MAX - 1);
		c->overlong = 1;
		c->len = 0;
		if (c->kind == CON_TTY)
			put(c, "\n", 1);
		console_finish(c, 0, why);
		return;
	}
	c->line[c->len++] = ch;
	if (c->kind == CON_TTY)
		put(c, &ch, 1); /* echo */
}

static void stale_line(void *ctx)
{
	struct console_client *c = ctx;

	c->partial_timer = 0;
	if (!c->len && !c->overlong)
		return;
	c->len = 0;
	c->overlong = 0;
	c->garbage = 0;
	put(c, "\n", 1);
	console_finish(c, 0, "unfinished line dropped after 60 s without input");
}

/* The tty line editor, one byte at a time. */
static void tty_byte(struct console_client *c, unsigned char ch)
{
	if (c->esc) { /* skip ESC [ ... final byte (arrow keys and the like) */
		if (c->esc == 1 && ch == '[') {
			c->esc = 2;
			return;
		}
		if (c->esc == 2 && ch >= 0x20 && ch < 0x40)
			return;
		c->esc = 0;
		return;
	}
	if (ch == '\n' && c->last_cr) {
		c->last_cr = 0;
		return; /* CR LF: one end of line */
	}
	c->last_cr = ch == '\r';
	switch (ch) {
	case '\r':
	case '\n':
		put(c, "\n", 1);
		line_done(c);
		return;
	case 0x03: /* Ctrl-C: end a live view, or drop the line */
		if (c->live_tick) {
			console_finish(c, 1, NULL);
			return;
		}
		put(c, "^C\n", 3);
		c->len = 0;
		c->garbage = 0;
		c->overlong = 0;
		prompt(c);
		return;
	case 0x15: /* Ctrl-U: clear the line */
		c->len = 0;
		c->garbage = 0;
		put(c, "\r\033[K" PROMPT, 4 + sizeof(PROMPT) - 1);
		return;
	case 0x7f:
	case 0x08: /* backspace, over one UTF-8 character */
		if (c->live_tick)
			break;
		while (c->len && ((unsigned char)c->line[c->len - 1] & 0xc0) == 0x80)
			c->len--;
		if (c->len) {
			c->len--;
			put(c, "\b \b", 3);
		}
		return;
	case 0x1b:
		c->esc = 1;
		return;
	}
	if (c->live_tick) { /* any other key ends a live view */
		console_finish(c, 1, NULL);
		return;
	}
	if (ch < 0x20) {
		c->garbage++;
		return;
	}
	add(c, (char)ch);
}

static void on_client(int fd, short revents, void *ctx)
{
	struct console_client *c = ctx;
	char buf[512];
	ssize_t n;

	(void)fd;
	if (revents & POLLOUT)
		flush(c);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(c->in_fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (c->kind == CON_STDIO)
				LOGI("console", "standard input closed");
			else if (c->kind == CON_TTY)
				LOGW("console", "serial console closed: %s",
				     n ? strerror(errno) : "end of file");
			drop(c);
		}
		return;
	}
	for (ssize_t i = 0; i < n && c->in_fd >= 0; i++) {
		if (c->kind == CON_TTY) {
			tty_byte(c, (unsigned char)buf[i]);
			continue;
		}
		if (buf[i] == '\n') {
			if (c->len && c->line[c->len - 1] == '\r')
				c->len--;
			line_done(c);
		} else if (c->live_tick) {
			/* the view ends at the end of the line */
		} else {
			add(c, buf[i]);
		}
	}
	if (c->in_fd < 0)
		return;
	if (c->kind == CON_TTY) {
		loop_cancel(c->partial_timer);
		c->partial_timer = c->len ? loop_timeout(PARTIAL_MS, stale_line, c) : 0;
	}
	flush(c);
}

static struct console_client *take_slot(enum console_kind kind, int in_fd,
					int out_fd)
{
	int first = kind == CON_SOCKET ? 0 : PARLEY_CONSOLE_CLIENTS;
	int last = kind == CON_SOCKET ? PARLEY_CONSOLE_CLIENTS : NCLIENTS;

	for (int i = first; i < last; i++) {
		struct console_client *c = &clients[i];

		if (c->in_fd >= 0)
			continue;
		uint32_t gen = c->gen;

		memset(c, 0, sizeof(*c));
		c->gen = gen + 1;
		c->kind = kind;
		c->in_fd = in_fd;
		c->out_fd = out_fd;
		watch(c);
		return c;
	}
	return NULL;
}

/*
 * The peer's role from its credentials as the kernel took them at
 * connect(): uid 0, or group parley-admin among its groups (primary or
 * supplementary).  The groups are the process's own (SO_PEERGROUPS), as
 * for the socket file's permissions: a user added to the group has it
 * after logging in again.  Anything unknown gives the lesser role.
 */
static enum console_role peer_role(int fd, const struct ucred *cred)
{
	static gid_t groups[1024];
	socklen_t len = sizeof(groups);
	const struct group *gr;

	if (cred->uid == 0)
		return ROLE_ADMIN;
	gr = getgrnam(CONSOLE_ADMIN_GROUP);
	if (!gr)
		return ROLE_MONITOR;
	if (cred->gid == gr->gr_gid)
		return ROLE_ADMIN;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		LOGW("console", "uid %u: its groups cannot be read (%s); monitor role",
		     (unsigned)cred->uid, strerror(errno));
		return ROLE_MONITOR;
	}
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == gr->gr_gid)
			return ROLE_ADMIN;
	return ROLE_MONITOR;
}

/* Socket connections held by uid. */
static int uid_count(uid_t uid)
{
	int n = 0;

	for (int i = 0; i < PARLEY_CONSOLE_CLIENTS; i++)
		n += clients[i].in_fd >= 0 && clients[i].uid == uid;
	return n;
}

/*
 * All socket slots are taken and someone else wants one.  The newcomer
 * gets the slot of the idlest client of the uid holding the most, when
 * that uid holds at least two more than the newcomer would be left with
 * (a fair share: swapping one for one would gain nothing); an admin may
 * also take a monitor's slot whatever the counts, so that crowding never
 * keeps the owner out.  A client whose command is still running (not a
 * live view) keeps its slot.  NULL: nobody may be moved.
 */
static struct console_client *crowded_out(uid_t uid, enum console_role role)
{
	struct console_client *victim = NULL;
	int have = uid_count(uid), most = 0;

	for (int i = 0; i < PARLEY_CONSOLE_CLIENTS; i++) {
		struct console_client *c = &clients[i];
		int n = uid_count(c->uid);

		if (c->in_fd < 0 || c->uid == uid ||
		    (c->pending && !c->live_tick))
			continue;
		if (n < have + 2 &&
		    !(role == ROLE_ADMIN && c->role == ROLE_MONITOR))
			continue;
		if (!victim || n > most ||
		    (n == most && c->active_ms < victim->active_ms)) {
			victim = c;
			most = n;
		}
	}
	return victim;
}

static void refuse(int fd, uid_t uid, const char *why)
{
	LOGI("console", "uid %u refused: %s", (unsigned)uid, why);
	dprintf(fd, "ERR disconnected: %s\n", why);
	close(fd);
}

static void on_accept(int fd, short revents, void *ctx)
{
	struct console_client *c, *victim;
	struct console_settings s;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	enum console_role role;
	char why[160];
	int cfd;

	(void)revents;
	(void)ctx;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		LOGW("console", "a client without credentials: %s",
		     strerror(errno));
		close(cfd);
		return;
	}
	role = peer_role(cfd, &cred);
	console_settings(cmd_ctx, &s);
	/* the cap binds monitors; admins own the board (and may already stop
	 * it), and crowding by one is undone below all the same */
	if (role == ROLE_MONITOR && uid_count(cred.uid) >= s.per_uid) {
		snprintf(why, sizeof(why),
			 "uid %u already holds %d console connections (console.per_uid)",
			 (unsigned)cred.uid, s.per_uid);
		refuse(cfd, cred.uid, why);
		return;
	}
	c = take_slot(CON_SOCKET, cfd, cfd);
	if (!c && (victim = crowded_out(cred.uid, role))) {
		snprintf(why, sizeof(why),
			 "uid %u holds %d of the %d console connections and uid %u needed one",
			 (unsigned)victim->uid, uid_count(victim->uid),
			 PARLEY_CONSOLE_CLIENTS, (unsigned)cred.uid);
		LOGI("console", "%s", why);
		hang_up(victim, why);
		c = take_slot(CON_SOCKET, cfd, cfd);
	}
	if (!c) {
		snprintf(why, sizeof(why),
			 "all %d console connections are in use",
			 PARLEY_CONSOLE_CLIENTS);
		refuse(cfd, cred.uid, why);
		return;
	}
	c->uid = cred.uid;
	c->role = role;
	arm_idle(c);
}

int console_open(void *ctx, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;

	cmd_ctx = ctx;
	for (int i = 0; i < NCLIENTS; i++)
		clients[i].in_fd = clients[i].out_fd = -1;
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
	old = umask(0117); /* socket mode 0660: owner and group */
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

static speed_t baud_flag(int baud)
{
	static const struct {
		int baud;
		speed_t flag;
	} rates[] = {
		{ 9600, B9600 },     { 19200, B19200 },	  { 38400, B38400 },
		{ 57600, B57600 },   { 115200, B115200 }, { 230400, B230400 },
		{ 460800, B460800 }, { 921600, B921600 },
	};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i].baud == baud)
			return rates[i].flag;
	return B0;
}

int console_open_tty(const char *device, int baud, char *err, size_t errlen)
{
	struct termios tio;
	struct console_client *c;
	int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "console.device '%s': %s", device,
			 strerror(errno));
		return -errno;
	}
	if (tcgetattr(fd, &tio) < 0) {
		snprintf(err, errlen, "console.device '%s': not a tty: %s",
			 device, strerror(errno));
		close(fd);
		return -ENOTTY;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, baud_flag(baud));
	cfsetospeed(&tio, baud_flag(baud));
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		snprintf(err, errlen, "console.device '%s': cannot set %d baud raw mode: %s",
			 device, baud, strerror(errno));
		close(fd);
		return -errno;
	}
	c = take_slot(CON_TTY, fd, fd);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "console.device '%s': no slot", device);
		return -ENOSPC;
	}
	put(c, "\n", 1);
	console_printf(c, "parley console: type 'help'");
	prompt(c);
	LOGI("console", "serial console on %s at %d baud", device, baud);
	return 0;
}

int console_open_stdio(void)
{
	return take_slot(CON_STDIO, STDIN_FILENO, STDOUT_FILENO) ? 0 : -ENOSPC;
}

void console_close(void)
{
	for (int i = 0; i < NCLIENTS; i++) {
		if (clients[i].in_fd < 0)
			continue;
		flush(&clients[i]);
		drop(&clients[i]);
	}
	if (listen_fd >= 0) {
		loop_unwatch(listen_fd);
		close(listen_fd);
		unlink(sock_path);
	}
	listen_fd = -1;
}
