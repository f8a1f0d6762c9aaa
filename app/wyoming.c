// SPDX-License-Identifier: MIT
/*
 * Wyoming framing and a non-blocking TCP client driven by the control
 * loop.  A host name is looked up off the loop (resolve.h); an address
 * given as numbers is connected to at once.  Output is buffered and
 * written as the socket accepts it; input is
 * parsed an event at a time from a fixed window, a large payload a piece
 * at a time.  The client closes with an error naming what was wrong if the
 * peer breaks the framing.
 */
#include "wyoming.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json_arena.h"
#include "log.h"
#include "loop.h"
#include "resolve.h"

/* A length field: absent, null, or a whole number in 0..max. */
static int length_ok(const cJSON *v, double max)
{
	if (!v || cJSON_IsNull(v))
		return 1;
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	       v->valuedouble <= max &&
	       v->valuedouble == (double)(long)v->valuedouble;
}

long wy_parse_head(const uint8_t *buf, size_t len, struct wy_event *ev,
		   size_t *plen, char *why, size_t whylen)
{
	const uint8_t *nl = memchr(buf, '\n', len < WY_HEADER_MAX ? len :
								  WY_HEADER_MAX);
	cJSON *h, *type, *dl, *pl, *data, *block, *item;
	size_t hlen, dlen;

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
	if (!length_ok(dl, WY_DATA_MAX)) {
		snprintf(why, whylen,
			 "'%.32s' claims a data length outside 0..%d",
			 type->valuestring, WY_DATA_MAX);
		return -1;
	}
	if (!length_ok(pl, WY_PAYLOAD_TOTAL_MAX)) {
		snprintf(why, whylen,
			 "'%.32s' claims a payload length outside 0..%u",
			 type->valuestring, WY_PAYLOAD_TOTAL_MAX);
		return -1;
	}
	dlen = cJSON_IsNumber(dl) ? (size_t)dl->valuedouble : 0;
	*plen = cJSON_IsNumber(pl) ? (size_t)pl->valuedouble : 0;
	if (len < hlen + 1 + dlen)
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
	ev->payload = NULL;
	ev->payload_len = ev->payload_at = ev->payload_total = 0;
	return (long)(hlen + 1 + dlen);
}

void wy_reader_init(struct wy_reader *r, size_t cap)
{
	r->cap = cap < 1 ? 1 : cap > sizeof(r->buf) ? sizeof(r->buf) : cap;
	r->len = r->head = r->total = r->at = r->piece = 0;
}

uint8_t *wy_reader_space(struct wy_reader *r, size_t *room)
{
	*room = r->cap - r->len;
	return r->buf + r->len;
}

void wy_reader_added(struct wy_reader *r, size_t n)
{
	r->len += n;
}

int wy_reader_next(struct wy_reader *r, struct wy_event *ev, char *why,
		   size_t whylen)
{
	size_t plen = 0, rest, avail;
	long h;

	r->head = r->piece = 0;
	if (!r->len)
		return 0;
	h = wy_parse_head(r->buf, r->len, ev, &plen, why, whylen);
	if (h < 0)
		return -1;
	/* the header and data must leave room for at least a byte of the
	 * payload, or its pieces could never move */
	if ((h == 0 && r->len == r->cap) || (plen && (size_t)h >= r->cap)) {
		snprintf(why, whylen,
			 "an event's header and data do not fit in %zu bytes",
			 r->cap);
		return -1;
	}
	if (h == 0)
		return 0;
	/* the bytes at the head are those parsed for the earlier pieces, so
	 * plen is the same and r->at <= plen */
	rest = plen - r->at;
	avail = r->len - (size_t)h;
	if (avail < rest && r->len < r->cap)
		return 0; /* wait for the rest, or for a full window */
	r->head = (size_t)h;
	r->total = plen;
	r->piece = avail < rest ? avail : rest;
	ev->payload = r->piece ? r->buf + h : NULL;
	ev->payload_len = r->piece;
	ev->payload_at = r->at;
	ev->payload_total = plen;
	return 1;
}

void wy_reader_take(struct wy_reader *r)
{
	size_t from, drop;

	if (!r->head)
		return;
	if (r->at + r->piece == r->total) {
		/* the event is over: its head goes too */
		from = 0;
		drop = r->head + r->piece;
		r->at = 0;
	} else {
		/* a middle piece: the head stays for the next one */
		from = r->head;
		drop = r->piece;
		r->at += r->piece;
	}
	memmove(r->buf + from, r->buf + from + drop, r->len - from - drop);
	r->len -= drop;
	r->head = r->piece = 0;
}

void wy_error_text(const struct wy_event *ev, char *buf, size_t len)
{
	cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	cJSON *code = cJSON_GetObjectItemCaseSensitive(ev->data, "code");
	const char *t = cJSON_IsString(text) ? text->valuestring : "?";

	if (cJSON_IsString(code) && code->valuestring[0])
		snprintf(buf, len, "%.200s (%.60s)", t, code->valuestring);
	else
		snprintf(buf, len, "%.200s", t);
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

	while (w->fd >= 0) {
		struct wy_event ev;
		int r;

		json_arena_reset();
		r = wy_reader_next(&w->rd, &ev, why, sizeof(why));
		if (r < 0) {
			fail(w, -EPROTO, why);
			return;
		}
		if (r == 0)
			return;
		if (w->on_event(w, &ev, w->ctx)) {
			/* no room downstream: stop reading, offer it again soon */
			loop_watch(w->fd, w->out_len ? POLLOUT : 0, on_fd, w);
			w->timer = loop_timeout(5, retry, w);
			return;
		}
		if (w->fd < 0)
			return; /* closed by the handler */
		wy_reader_take(&w->rd);
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
	size_t room;
	uint8_t *at = wy_reader_space(&w->rd, &room);

	/* a full window is always handed on before reading resumes */
	if (!room) {
		fail(w, -EMSGSIZE, "input window full");
		return;
	}
	ssize_t n = recv(fd, at, room, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (w->rd.len)
			fail(w, -EPROTO, "connection closed inside an event");
		else
			fail(w, n ? -errno : 0, n ? strerror(errno) : "closed");
		return;
	}
	wy_reader_added(&w->rd, (size_t)n);
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

/* A non-blocking TCP socket for family, Nagle off (events are small and
 * each one is waited for). */
static int open_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Starts connecting w->fd to sa: 0 (connected or under way, w->connecting
 * says which) or -errno. */
static int begin_connect(struct wyoming *w, const struct sockaddr *sa,
			 socklen_t salen)
{
	if (connect(w->fd, sa, salen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		w->connecting = 1;
		return 0;
	}
	w->connecting = 0;
	return 0;
}

/* The host's address, on the loop thread: connect to it now. */
static void on_resolved(void *ctx, int err, const struct sockaddr *sa,
			socklen_t salen)
{
	struct wyoming *w = ctx;
	char why[240];
	int r;

	w->resolving = 0;
	if (err) {
		snprintf(why, sizeof(why), "%s: %s", w->peer, gai_strerror(err));
		fail(w, -EHOSTUNREACH, why);
		return;
	}
	if (sa->sa_family != AF_INET) {
		/* the socket opened before the look-up is IPv4; the owner
		 * holds w->fd's number, so the new socket takes it over */
		int fd = open_socket(sa->sa_family);

		if (fd < 0 || dup3(fd, w->fd, O_CLOEXEC) < 0) {
			snprintf(why, sizeof(why), "socket: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			fail(w, -EAFNOSUPPORT, why);
			return;
		}
		close(fd);
	}
	r = begin_connect(w, sa, salen);
	if (r) {
		snprintf(why, sizeof(why), "%s: %s", w->peer, strerror(-r));
		fail(w, r, why);
		return;
	}
	if (!w->connecting) {
		loop_cancel(w->timer);
		w->timer = 0;
	}
	rewatch(w);
}

/* "tcp://host:port", "host:port" or "[v6]:port" into host and port. */
static int split_uri(const char *uri, char *host, size_t hlen, char *port,
		     size_t plen)
{
	const char *hp = strncmp(uri, "tcp://", 6) ? uri : uri + 6;
	const char *colon = strrchr(hp, ':');
	const char *h = hp;
	size_t n;

	if (!colon || colon == hp || !colon[1] || strlen(colon + 1) >= plen)
		return -1;
	n = (size_t)(colon - hp);
	if (hp[0] == '[' && colon[-1] == ']') {
		h = hp + 1;
		n -= 2;
	}
	if (!n || n >= hlen)
		return -1;
	snprintf(host, hlen, "%.*s", (int)n, h);
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

/* An address written as numbers needs no look-up. */
static int numeric(const char *host, const char *port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char *end;
	long p;

	errno = 0;
	p = strtol(port, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
		return 1;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 1;
	}
	return 0;
}

int wyoming_connect(struct wyoming *w, const char *uri, int timeout_ms,
		    wy_event_cb on_event, wy_close_cb on_close, void *ctx,
		    char *why, size_t whylen)
{
	char host[RESOLVE_HOST_MAX], port[RESOLVE_PORT_MAX];
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	int r, is_numeric;

	w->fd = -1;
	w->resolving = 0;
	if (split_uri(uri, host, sizeof(host), port, sizeof(port))) {
		snprintf(why, whylen, "'%s' is not tcp://HOST:PORT", uri);
		return -EINVAL;
	}
	snprintf(w->peer, sizeof(w->peer), "%s:%s", host, port);
	is_numeric = numeric(host, port, &ss, &sslen);
	/*
	 * A name is looked up on a worker (resolve.h): getaddrinfo can take
	 * seconds when DNS is away, and the loop carries the audio's
	 * events and the console.  Meanwhile w->fd is an IPv4 socket not
	 * yet connected, so the owner sees an open connection it can send
	 * on (the events queue) and close (the look-up is cancelled).
	 */
	w->fd = open_socket(is_numeric ? ss.ss_family : AF_INET);
	if (w->fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -errno;
	}
	wy_reader_init(&w->rd, WY_IN_MAX);
	w->out_len = 0;
	w->on_event = on_event;
	w->on_close = on_close;
	w->ctx = ctx;
	w->timer = 0;
	if (is_numeric) {
		r = begin_connect(w, (struct sockaddr *)&ss, sslen);
	} else {
		w->connecting = 1;
		r = resolve_start(host, port, on_resolved, w);
		if (r > 0) {
			w->resolving = r;
			r = 0;
		}
	}
	if (r < 0) {
		snprintf(why, whylen, "%s: %s", w->peer,
			 r == -EAGAIN ? "too many name look-ups at once" :
					strerror(-r));
		close(w->fd);
		w->fd = -1;
		w->resolving = 0;
		return r;
	}
	/* the timeout covers the look-up and the handshake together */
	if (w->connecting)
		w->timer = loop_timeout((uint64_t)timeout_ms, on_timeout, w);
	if (!w->resolving)
		rewatch(w);
	return 0;
}

void wyoming_adopt(struct wyoming *w, int fd, const char *peer,
		   wy_event_cb on_event, wy_close_cb on_close, void *ctx)
{
	int one = 1;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	w->fd = fd;
	w->connecting = 0;
	w->resolving = 0;
	w->timer = 0;
	w->out_len = 0;
	w->on_event = on_event;
	w->on_close = on_close;
	w->ctx = ctx;
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	wy_reader_init(&w->rd, WY_IN_MAX);
	rewatch(w);
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
	/* a look-up under way never calls back now */
	resolve_cancel(w->resolving);
	w->resolving = 0;
	loop_unwatch(w->fd);
	close(w->fd);
	w->fd = -1;
}
