/* SPDX-License-Identifier: MIT */
/*
 * Host names looked up off the control loop.  getaddrinfo() blocks for as
 * long as the network's DNS takes (seconds, when a server is away), so it
 * runs on worker threads; the answer comes back to the loop through an
 * eventfd and the callback runs on the loop thread.  Requests live in a
 * fixed set of slots; nothing is allocated after resolve_init.
 *
 * A request that is cancelled never calls back, whether it was waiting,
 * being looked up or already answered: the owner may forget it at once.
 */
#ifndef PARLEY_APP_RESOLVE_H
#define PARLEY_APP_RESOLVE_H

#include <sys/socket.h>

#define RESOLVE_SLOTS 4 /* look-ups in flight: STT, TTS, a probe, spare */
#define RESOLVE_WORKERS 2 /* one slow name does not hold up every other */
#define RESOLVE_HOST_MAX 128
#define RESOLVE_PORT_MAX 16

/*
 * The answer, on the loop thread: err 0 with the first address found
 * (TCP), or err a getaddrinfo error (EAI_*, gai_strerror names it).
 */
typedef void (*resolve_cb)(void *ctx, int err, const struct sockaddr *sa,
			   socklen_t salen);

/* Starts the workers and watches their eventfd; 0 or -errno. */
int resolve_init(void);
/* Stops and joins the workers (a look-up under way is waited for). */
void resolve_stop(void);
/*
 * Looks up host and port (a number or a service name) for a TCP
 * connection; returns an id > 0 for resolve_cancel, -ENAMETOOLONG, or
 * -EAGAIN when every slot is busy.
 */
int resolve_start(const char *host, const char *port, resolve_cb cb,
		  void *ctx);
/* Forgets a request: cb is not called.  Ids <= 0 and old ids are ignored. */
void resolve_cancel(int id);

#endif
