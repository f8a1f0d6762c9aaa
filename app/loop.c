// SPDX-License-Identifier: MIT
/*
 * poll() loop with a fixed table of fds and timeouts (no allocation).
 * Timeout ids grow monotonically so a stale id never cancels a newer one.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

struct watch {
	int fd;
	short events;
	loop_fd_cb cb;
	void *ctx;
};

struct timeout {
	int id; /* 0 = free */
	uint64_t when;
	loop_timeout_cb cb;
	void *ctx;
};

static struct watch watches[LOOP_MAX_FDS];
static int nwatches;
static struct timeout timeouts[LOOP_MAX_TIMEOUTS];
static int next_id = 1;
static int running;

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void loop_init(void)
{
	nwatches = 0;
	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++)
		timeouts[i].id = 0;
}

int loop_watch(int fd, short events, loop_fd_cb cb, void *ctx)
{
	for (int i = 0; i < nwatches; i++) {
		if (watches[i].fd == fd) {
			watches[i] = (struct watch){ fd, events, cb, ctx };
			return 0;
		}
	}
	if (nwatches == LOOP_MAX_FDS)
		return -ENOSPC;
	watches[nwatches++] = (struct watch){ fd, events, cb, ctx };
	return 0;
}

void loop_unwatch(int fd)
{
	for (int i = 0; i < nwatches; i++) {
		if (watches[i].fd == fd) {
			watches[i] = watches[--nwatches];
			return;
		}
	}
}

int loop_timeout(uint64_t ms, loop_timeout_cb cb, void *ctx)
{
	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++) {
		if (timeouts[i].id == 0) {
			timeouts[i] = (struct timeout){ next_id++,
							loop_now_ms() + ms,
							cb, ctx };
			if (next_id <= 0)
				next_id = 1;
			return timeouts[i].id;
		}
	}
	return -ENOSPC;
}

void loop_cancel(int id)
{
	if (id <= 0)
		return;
	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].id == id)
			timeouts[i].id = 0;
}

static int next_wait(void)
{
	uint64_t now = loop_now_ms(), first = UINT64_MAX;

	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++)
		if (timeouts[i].id && timeouts[i].when < first)
			first = timeouts[i].when;
	if (first == UINT64_MAX)
		return 1000;
	if (first <= now)
		return 0;
	return first - now > 1000 ? 1000 : (int)(first - now);
}

static void run_timeouts(void)
{
	uint64_t now = loop_now_ms();

	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++) {
		if (timeouts[i].id && timeouts[i].when <= now) {
			struct timeout t = timeouts[i];

			timeouts[i].id = 0;
			t.cb(t.ctx);
		}
	}
}

void loop_run(void)
{
	struct pollfd pfd[LOOP_MAX_FDS];
	struct watch snap[LOOP_MAX_FDS];

	running = 1;
	while (running) {
		int n = nwatches, r;

		for (int i = 0; i < n; i++) {
			snap[i] = watches[i];
			pfd[i] = (struct pollfd){ watches[i].fd,
						  watches[i].events, 0 };
		}
		r = poll(pfd, (nfds_t)n, next_wait());
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; r > 0 && i < n && running; i++) {
			int still = 0;

			if (!pfd[i].revents)
				continue;
			/* skip fds unwatched by an earlier handler */
			for (int j = 0; j < nwatches; j++)
				if (watches[j].fd == snap[i].fd &&
				    watches[j].cb == snap[i].cb)
					still = 1;
			if (still)
				snap[i].cb(snap[i].fd, pfd[i].revents,
					   snap[i].ctx);
		}
		run_timeouts();
	}
}

void loop_stop(void)
{
	running = 0;
}
