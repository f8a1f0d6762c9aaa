/* SPDX-License-Identifier: MIT */
/*
 * Helpers the unit tests share: a temporary sqlite file, and running the
 * control loop until the callback a test waits for stops it.  Include
 * after <cmocka.h>.
 */
#ifndef PARLEY_TESTS_UNIT_UTIL_H
#define PARLEY_TESTS_UNIT_UTIL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../app/loop.h"

/*
 * The tail of a mkstemp or mkdtemp template: POSIX requires exactly six
 * 'X' characters there, which the call replaces with a unique name.
 */
#define UNIT_MKTEMP_TAIL "XXXXXX"

/* A fresh name for a test's store file (the file does not exist yet). */
static inline void unit_db_path(char *path, size_t len, const char *name)
{
	int fd;

	snprintf(path, len, "/tmp/parley-test-%s-" UNIT_MKTEMP_TAIL, name);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
}

/* Removes a store file and its -wal and -shm. */
static inline void unit_db_remove(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[256];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static volatile sig_atomic_t unit_hung;

static inline void unit_on_alarm(int sig)
{
	(void)sig;
	unit_hung = 1;
	loop_stop(); /* poll() returns EINTR and the loop ends */
}

/*
 * Runs the loop until a callback calls loop_stop(); fails the test after
 * 5 s instead of hanging (the wait is for the event, the alarm a guard).
 */
static inline void unit_run_loop(const char *awaited)
{
	struct sigaction sa = { .sa_handler = unit_on_alarm };

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	unit_hung = 0;
	alarm(5);
	loop_run();
	alarm(0);
	if (unit_hung)
		fail_msg("the loop ran 5 s without %s", awaited);
}

#endif
