// SPDX-License-Identifier: MIT
/*
 * Wyoming framing and a non-blocking TCP client driven by the control
 * loop.  Output is buffered and written as the socket accepts it; input is
 * parsed an event at a time from a fixed buffer.  The client closes with an
 * error naming what was wrong if the peer breaks the framing.
 */
#include "wyoming.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"

long wy_parse(const uint8_t *buf, size_t len, struct wy_event *ev, char *why,
	      size_t whylen)
{
	const uint8_t *nl = memchr(buf, '\n', len < WY_HEADER_MAX ? len :
								  WY_HEADER_MAX);
	cJSON *h, *type, *dl, *pl, *data, *block, *item;
	size_t hlen, dlen = 0, plen = 0;

	if (!nl) {
		if (len >= WY_HEADER_MAX) {
			snprintf(why, whylen, "header line longer than %d bytes",
				 WY_HEADER_MAX);
			return -1;
		}
		return 0;
	}
	hlen = (size_t)(nl - buf);
	h = cJSON_ParseWithLength((const char *)buf, hlen);
	type = cJSON_GetObjectItemCaseSensitive(h, "type");
	if (!cJSON_IsObject(h) || !cJSON_IsString(type)) {
		snprintf(why, whylen, "header is not a JSON object with a type");
		return -1;
	}
	dl = cJSON_GetObjectItemCaseSensitive(h, "data_length");
	pl = cJSON_GetObjectItemCaseSensitive(h, "payload_length");
	if ((dl && !cJSON_IsNull(dl) &&
	     (!cJSON_IsNumber(dl) || dl->valuedouble < 0 ||
	      dl->valuedouble > WY_DATA_MAX)) ||
	    (pl && !cJSON_IsNull(pl) &&
	     (!cJSON_IsNumber(pl) || pl->valuedouble < 0 ||
	      pl->valuedouble > WY_PAYLOAD_MAX))) {
		snprintf(why, whylen,
			 "'%.32s' claims a data or payload length outside 0..%d",
			 type->valuestring, WY_PAYLOAD_MAX);
		return -1;
	}
	if (cJSON_IsNumber(dl))
		dlen = (size_t)dl->valueint;
	if (cJSON_IsNumber(pl))
		plen = (size_t)pl->valueint;
	if (len < hlen + 1 + dlen + plen)
		return 0;
	data = cJSON_GetObjectItemCaseSensitive(h, "data");
	if (data && !cJSON_IsObject(data)) {
		snprintf(why, whylen, "'%.32s' data is not an object",
			 type->valuestring);
		return -1;
	}
	if (!data) {
		data = cJSON_CreateObject();
		if (!data) {
			snprintf(why, whylen, "out of JSON memory");
			return -1;
		}
	}
	if (dlen) {
		block = cJSON_ParseWithLength((const char *)buf + hlen + 1, dlen);
		if (!cJSON_IsObject(block)) {
			snprintf(why, whylen, "'%.32s' data block is not a JSON object",
				 type->valuestring);
			return -1;
		}
		/* the block's keys win over the header's */
		while ((item = block->child)) {
			cJSON_DetachItemViaPointer(block, item);
			cJSON_DeleteItemFromObjectCaseSensitive(data, item->string);
			cJSON_AddItemToObject(data, item->string, item);
		}
	}
	ev->type = type->valuestring;
	ev->data = data;
	ev->payload = plen ? buf + hlen + 1 + dlen : NULL;
	ev->payload_len = plen;
	return (long)(hlen + 1 + dlen + plen);
}

long wy_format(uint8_t *out, size_t cap, const char *type,
	       const char *data_json, const void *payload, size_t plen)
{
	size_t dlen = data_json ? strlen(data_json) : 0;
	int n = snprintf((char *)out, cap,
			 "{\"type\": \"%s\", \"data_length\": %zu, \"payload_length\": %zu}\n",
			 type, dlen, plen);

	if (n < 0 || (size_t)n + dlen + plen > cap)
		return -1;
	memcpy(out + n, data_json ? data_json : "", dlen);
	if (plen)
		memcpy(out + n + dlen, payload, plen);
	return (long)((size_t)n + dlen + plen);
}

static void fail(struct wyoming *w, int err, const char *why)
{
	wy_close_cb cb = w->on_close;
	void *ctx = w->ctx;

	wyoming_close(w);
	if (cb)
		cb(w, err, why, ctx);
}

static void on_fd(int fd, short revents, void *ctx);

static void rewatch(struct wyoming *w)
{
	short ev = POLLIN;

	if (w->connecting || w->out_len)
		ev |= POLLOUT;
	loop_watch(w->fd, ev, on_fd, w);
}

static void flush_out(struct wyoming *w)
{
	while (w->out_len) {
		ssize_t n = send(w->fd, w->out, w->out_len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			fail(w, -errno, strerror(errno));
			return;
		}
		memmove(w->out, w->out + n, w->out_len - (size_t)n);
		w->out_len -= (size_t)n;
	}
	rewatch(w);
}

static void parse_in(struct wyoming *w);

static void retry(void *ctx)
{
	struct wyoming *w = ctx;

	w->timer = 0;
	if (w->fd < 0)
		return;
	rewatch(w);
	parse_in(w);
}

static void parse_in(struct wyoming *w)
{
	char why[160];

	while (w->fd >= 0 && w->in_len) {
		struct wy_event ev;
		long n;

		json_arena_reset();
		n = wy_parse(w->in, w->in_len, &ev, why, sizeof(why));
		if (n < 0) {
			fail(w, -EPROTO, why);
			return;
		}
		if (n == 0)
			return;
		if (w->on_event(w, &ev, w->ctx)) {
			/* no room downstream: stop reading, offer it again soon */
			loop_watch(w->fd, w->out_len ? POLLOUT : 0, on_fd, w);
			w->timer = loop_timeout(5, retry, w);
			return;
		}
		if (w->fd < 0)
			return; /* closed by the handler */
		memmove(w->in, w->in + n, w->in_len - (size_t)n);
		w->in_len -= (size_t)n;
	}
}

static void on_fd(int fd, short revents, void *ctx)
{
	struct wyoming *w = ctx;
	int err = 0;
	socklen_t l = sizeof(err);

	if (w->connecting && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			char why[200];

			snprintf(why, sizeof(why), "%s: %s", w->peer,
				 strerror(err));
			fail(w, -err, why);
			return;
		}
		w->connecting = 0;
		loop_cancel(w->timer);
		w->timer = 0;
	}
	if (revents & POLLOUT)
		flush_out(w);
	if (w->fd < 0 || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (w->in_len == sizeof(w->in)) {
		fail(w, -EMSGSIZE, "event larger than the input buffer");
		return;
	}
	ssize_t n = recv(fd, w->in + w->in_len, sizeof(w->in) - w->in_len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (w->in_len)
			fail(w, -EPROTO, "connection closed inside an event");
		else
			fail(w, n ? -errno : 0, n ? strerror(errno) : "closed");
		return;
	}
	w->in_len += (size_t)n;
	parse_in(w);
}

static void on_timeout(void *ctx)
{
	struct wyoming *w = ctx;
	char why[200];

	w->timer = 0;
	snprintf(why, sizeof(why), "%s: connect timed out", w->peer);
	fail(w, -ETIMEDOUT, why);
}

int wyoming_connect(struct wyoming *w, const char *uri, int timeout_ms,
		    wy_event_cb on_event, wy_close_cb on_close, void *ctx,
		    char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[128], port[16];
	const char *hp = strncmp(uri, "tcp://", 6) ? uri : uri + 6;
	const char *colon = strrchr(hp, ':');
	int r, one = 1;

	w->fd = -1;
	if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof(host) ||
	    strlen(colon + 1) >= sizeof(port) || !colon[1]) {
		snprintf(why, whylen, "'%s' is not tcp://HOST:PORT", uri);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
	snprintf(port, sizeof(port), "%s", colon + 1);
	snprintf(w->peer, sizeof(w->peer), "%s:%s", host, port);
	/* LAN peers are given as addresses or local names; resolving here
	 * is quick, and it happens at the start of a turn only */
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		snprintf(why, whylen, "%s: %s", w->peer, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	w->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (w->fd < 0) {
		freeaddrinfo(ai);
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = connect(w->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r < 0 && errno != EINPROGRESS) {
		snprintf(why, whylen, "%s: %s", w->peer, strerror(errno));
		r = -errno;
		close(w->fd);
		w->fd = -1;
		return r;
	}
	w->connecting = r < 0;
	w->in_len = w->out_len = 0;
	w->on_event = on_event;
	w->on_close = on_close;
	w->ctx = ctx;
	w->timer = w->connecting ?
			   loop_timeout((uint64_t)timeout_ms, on_timeout, w) :
			   0;
	rewatch(w);
	return 0;
}

int wyoming_send(struct wyoming *w, const char *type, const char *data_json,
		 const void *payload, size_t plen)
{
	long n;

	if (w->fd < 0)
		return -ENOTCONN;
	n = wy_format(w->out + w->out_len, sizeof(w->out) - w->out_len, type,
		      data_json, payload, plen);
	if (n < 0)
		return -ENOBUFS;
	w->out_len += (size_t)n;
	if (!w->connecting)
		flush_out(w);
	return 0;
}

void wyoming_close(struct wyoming *w)
{
	if (w->fd < 0)
		return;
	loop_cancel(w->timer);
	w->timer = 0;
	loop_unwatch(w->fd);
	close(w->fd);
	w->fd = -1;
}
