/* SPDX-License-Identifier: MIT */
/*
 * The console: one command table (commands.c) behind three transports, the
 * UNIX socket (parleyctl), a serial tty and stdin in the foreground.  Each
 * request is one line; the reply is any number of lines, then a final "OK"
 * or "ERR <why>" line.  A client may "attach" to get "EVENT ..." lines for
 * state changes and turn timings.  Nothing here blocks the loop: output is
 * buffered per client and written as the fd accepts it.
 *
 * Replies cannot be forged by what they carry: control bytes are written
 * as \xHH, and a content line that would begin with "OK", "ERR", "EVENT"
 * or a backslash gets one more backslash in front (a client drops it).
 *
 * Each client has a role.  A socket client's comes from its credentials
 * (SO_PEERCRED, SO_PEERGROUPS): uid 0 and members of group parley-admin
 * are admin, anyone else who can connect is monitor.  The serial console's
 * is console.serial_role; standard input (-f) is admin.  Each command says
 * in the table which role it needs.
 */
#ifndef PARLEY_APP_CONSOLE_H
#define PARLEY_APP_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../dsp/sizes.h"

enum console_kind { CON_SOCKET, CON_TTY, CON_STDIO };

enum console_role { ROLE_MONITOR, ROLE_ADMIN };

/* What a command needs (the command table's role column). */
enum console_access {
	ACC_MONITOR, /* reads the device's state: anyone */
	ACC_ADMIN, /* changes, sounds, records, shows conversation content */
	ACC_VIEW, /* without arguments a view (monitor), with them admin */
};

#define CONSOLE_ADMIN_GROUP "parley-admin"

#define CONSOLE_OUT_MAX 32768 /* reply bytes buffered per client */
#define CONSOLE_PENDING 1 /* a handler's "the reply comes later" */

struct console_client {
	enum console_kind kind;
	int in_fd, out_fd; /* in_fd -1: a free slot */
	uint32_t gen; /* bumped each time the slot is reused */
	uid_t uid; /* the peer's (socket only) */
	enum console_role role; /* socket: from the credentials at connect */
	uint64_t active_ms; /* when it connected or last sent a line */
	int idle_timer; /* socket: disconnects it after idle_timeout_s */
	char line[PARLEY_CONSOLE_LINE_MAX];
	size_t len;
	int overlong; /* discarding the rest of an overlong line */
	unsigned garbage; /* control bytes seen in this line (tty) */
	int esc; /* tty: inside an escape sequence */
	int last_cr; /* tty: the last byte was CR */
	int partial_timer; /* tty: an unfinished line goes stale */
	char out[CONSOLE_OUT_MAX];
	size_t out_len;
	int dropped; /* output was dropped for lack of room */
	int attached; /* receives events */
	int pending; /* a command is still running */
	/* live view: ticks until any input arrives */
	void (*live_tick)(struct console_client *c, void *ctx);
	void *live_ctx;
	int live_timer;
	unsigned live_ms;
};

/* A handle that stays safe after the client goes away. */
struct console_ref {
	int idx;
	uint32_t gen;
};

struct console_cmd {
	const char *name;
	const char *usage; /* arguments, "" for none */
	const char *help; /* one line */
	int min_args, max_args; /* -1 max: rest of line is one argument */
	enum console_access access; /* the role it needs */
	/*
	 * Returns 0 (OK), -1 (ERR, with why filled), or CONSOLE_PENDING if it
	 * will call console_finish itself later.
	 */
	int (*run)(void *ctx, struct console_client *c, int argc, char **argv,
		   char *why, size_t whylen);
};

extern const struct console_cmd console_cmds[];

/* The console's own settings, read each time they are needed so that a
 * "set" or a reload applies to the next connection or command. */
struct console_settings {
	int idle_timeout_s; /* socket clients; 0: never */
	int per_uid; /* socket connections one uid may hold */
	enum console_role serial_role;
};

/* Given by the command table's owner (commands.c: from the configuration);
 * ctx is console_open's. */
void console_settings(void *ctx, struct console_settings *s);
/* The role a client has now. */
enum console_role console_role(const struct console_client *c);
extern const char *const console_role_names[];

/* The UNIX socket; path's directory must exist.  ctx is what the command
 * table's handlers get (commands.c: the whole daemon). */
int console_open(void *ctx, const char *path, char *err, size_t errlen);
/* A serial tty, put into raw mode at baud. */
int console_open_tty(const char *device, int baud, char *err, size_t errlen);
/* Standard input and output (foreground runs). */
int console_open_stdio(void);
void console_close(void);
/* Writes a reply line to a client (never blocks; drops if it cannot). */
void console_printf(struct console_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends a pending command or live view with OK, or ERR why. */
void console_finish(struct console_client *c, int ok, const char *why);
struct console_ref console_ref(struct console_client *c);
/* The client behind ref, or NULL if it has gone. */
struct console_client *console_get(struct console_ref ref);
/* Starts a live view: tick every ms until the client sends anything. */
void console_live(struct console_client *c, unsigned ms,
		  void (*tick)(struct console_client *c, void *ctx),
		  void *ctx);
/* One live line: in place on a tty, a plain line elsewhere. */
void console_live_line(struct console_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sends "EVENT <text>" to every attached client. */
void console_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs one command line for client c. */
void console_execute(void *ctx, struct console_client *c, char *line);

#endif
