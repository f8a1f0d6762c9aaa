// SPDX-License-Identifier: MIT
/*
 * Name look-ups on worker threads (resolve.h).  A slot goes FREE ->
 * QUEUED (the loop asked) -> RUNNING (a worker is in getaddrinfo) -> DONE
 * (the answer waits for the loop) -> FREE (the loop called back).  A
 * cancel frees a QUEUED or DONE slot at once; a RUNNING one is marked
 * CANCELLED and freed by its worker when getaddrinfo returns, since the
 * call cannot be interrupted.  Slot ids carry a generation, so a late
 * cancel of a slot used again since is ignored.
 */
#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

/* getaddrinfo and the NSS modules it loads need far less than the
 * default 8 MiB, which audio.mlock's mlockall would make resident */
#define WORKER_STACK (256 * 1024)
#define GEN_SHIFT 3 /* an id is the generation, then the slot's index */

_Static_assert(RESOLVE_SLOTS <= (1 << GEN_SHIFT), "slot index in the id");

enum slot_state { S_FREE, S_QUEUED, S_RUNNING, S_CANCELLED, S_DONE };

struct slot {
	/* under lock */
	enum slot_state state;
	unsigned gen; /* 1.. 2^24-1, the slot's current use */
	unsigned seq; /* queued in this order */
	char host[RESOLVE_HOST_MAX];
	char port[RESOLVE_PORT_MAX];
	int err;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	/* the loop thread only */
	resolve_cb cb;
	void *ctx;
};

static struct slot slots[RESOLVE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t workers[RESOLVE_WORKERS];
static int nworkers;
static int stopping; /* under lock */
static unsigned next_seq; /* under lock */
static int done_fd = -1; /* workers write, the loop reads */

/* The queued slot asked for first, or NULL.  Under lock. */
static struct slot *oldest_queued(void)
{
	struct slot *best = NULL;

	for (int i = 0; i < RESOLVE_SLOTS; i++)
		if (slots[i].state == S_QUEUED &&
		    (!best || (int)(slots[i].seq - best->seq) < 0))
			best = &slots[i];
	return best;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
		struct addrinfo *ai = NULL;
		struct sockaddr_storage addr;
		char host[RESOLVE_HOST_MAX], port[RESOLVE_PORT_MAX];
		socklen_t addrlen = 0;
		struct slot *s = NULL;
		uint64_t one = 1;
		int err;

		while (!stopping && !(s = oldest_queued()))
			pthread_cond_wait(&wake, &lock);
		if (stopping)
			break;
		s->state = S_RUNNING;
		memcpy(host, s->host, sizeof(host));
		memcpy(port, s->port, sizeof(port));
		pthread_mutex_unlock(&lock);

		err = getaddrinfo(host, port, &hints, &ai);
		if (!err) {
			addrlen = ai->ai_addrlen <= sizeof(addr) ?
					  ai->ai_addrlen :
					  sizeof(addr);
			memcpy(&addr, ai->ai_addr, addrlen);
			freeaddrinfo(ai);
		}

		pthread_mutex_lock(&lock);
		if (s->state == S_CANCELLED) {
			s->state = S_FREE;
			continue;
		}
		s->err = err;
		s->addrlen = addrlen;
		if (!err)
			memcpy(&s->addr, &addr, addrlen);
		s->state = S_DONE;
		/* fails only with the counter near 2^64, and then the loop
		 * is awake anyway; no log from here (the log is the loop's) */
		if (write(done_fd, &one, sizeof(one)) < 0)
			continue;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* The loop: hands each answer to its owner, one at a time and with the
 * lock released, so a callback may cancel or start other look-ups. */
static void on_done(int fd, short revents, void *ctx)
{
	uint64_t n;

	(void)revents;
	(void)ctx;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOGE("resolve", "eventfd: %s", strerror(errno));
	for (;;) {
		struct sockaddr_storage addr;
		struct slot *s = NULL;
		socklen_t addrlen;
		resolve_cb cb;
		void *cctx;
		int err;

		pthread_mutex_lock(&lock);
		for (int i = 0; i < RESOLVE_SLOTS && !s; i++)
			if (slots[i].state == S_DONE)
				s = &slots[i];
		if (!s) {
			pthread_mutex_unlock(&lock);
			return;
		}
		s->state = S_FREE;
		err = s->err;
		addrlen = s->addrlen;
		memcpy(&addr, &s->addr, addrlen);
		cb = s->cb;
		cctx = s->ctx;
		pthread_mutex_unlock(&lock);
		cb(cctx, err, err ? NULL : (struct sockaddr *)&addr, addrlen);
	}
}

int resolve_init(void)
{
	pthread_attr_t attr;
	int r = 0;

	done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (done_fd < 0)
		return -errno;
	if (loop_watch(done_fd, POLLIN, on_done, NULL) < 0) {
		close(done_fd);
		done_fd = -1;
		return -ENOSPC;
	}
	/* the workers inherit the loop thread's blocked signals
	 * (signalfd), so no signal is ever delivered on them */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (nworkers = 0; nworkers < RESOLVE_WORKERS; nworkers++) {
		r = -pthread_create(&workers[nworkers], &attr, worker, NULL);
		if (r)
			break;
	}
	pthread_attr_destroy(&attr);
	if (r)
		resolve_stop();
	return r;
}

void resolve_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	while (nworkers > 0)
		pthread_join(workers[--nworkers], NULL);
	if (done_fd >= 0) {
		loop_unwatch(done_fd);
		close(done_fd);
	}
	done_fd = -1;
	for (int i = 0; i < RESOLVE_SLOTS; i++)
		slots[i].state = S_FREE;
	stopping = 0;
}

int resolve_start(const char *host, const char *port, resolve_cb cb,
		  void *ctx)
{
	struct slot *s = NULL;
	int i;

	if (strlen(host) >= RESOLVE_HOST_MAX || strlen(port) >= RESOLVE_PORT_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&lock);
	for (i = 0; i < RESOLVE_SLOTS && !s; i++)
		if (slots[i].state == S_FREE)
			s = &slots[i];
	if (!s || !nworkers) {
		pthread_mutex_unlock(&lock);
		return -EAGAIN;
	}
	s->gen = (s->gen + 1) & 0xffffff;
	if (!s->gen)
		s->gen = 1;
	s->seq = next_seq++;
	snprintf(s->host, sizeof(s->host), "%s", host);
	snprintf(s->port, sizeof(s->port), "%s", port);
	s->cb = cb;
	s->ctx = ctx;
	s->state = S_QUEUED;
	i = (int)(s->gen << GEN_SHIFT | (unsigned)(s - slots));
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	return i;
}

void resolve_cancel(int id)
{
	struct slot *s;

	if (id <= 0 || (id & ((1 << GEN_SHIFT) - 1)) >= RESOLVE_SLOTS)
		return;
	s = &slots[id & ((1 << GEN_SHIFT) - 1)];
	pthread_mutex_lock(&lock);
	if (s->gen == (unsigned)id >> GEN_SHIFT) {
		if (s->state == S_QUEUED || s->state == S_DONE)
			s->state = S_FREE;
		else if (s->state == S_RUNNING)
			s->state = S_CANCELLED;
	}
	pthread_mutex_unlock(&lock);
}
