/* SPDX-License-Identifier: MIT */
/*
 * The control thread's event loop: one poll() over every fd, plus timeouts
 * cancelled by id.  Handlers run on the loop thread.
 */
#ifndef PARLEY_APP_LOOP_H
#define PARLEY_APP_LOOP_H

#include <stdint.h>

#define LOOP_MAX_FDS 32
#define LOOP_MAX_TIMEOUTS 32

typedef void (*loop_fd_cb)(int fd, short revents, void *ctx);
typedef void (*loop_timeout_cb)(void *ctx);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t loop_now_ms(void);
void loop_init(void);
/* Watches fd for events (POLLIN/POLLOUT); replaces an earlier watch. */
int loop_watch(int fd, short events, loop_fd_cb cb, void *ctx);
void loop_unwatch(int fd);
/* Calls cb once after ms; returns an id > 0, or -ENOSPC. */
int loop_timeout(uint64_t ms, loop_timeout_cb cb, void *ctx);
/* Cancels a pending timeout; ids <= 0 and fired ids are ignored. */
void loop_cancel(int id);
/* Runs until loop_stop(). */
void loop_run(void);
void loop_stop(void);

#endif
