// SPDX-License-Identifier: MIT
/*
 * curl multi glue: CURLMOPT_SOCKETFUNCTION maps curl's sockets onto
 * loop_watch(), CURLMOPT_TIMERFUNCTION onto one loop timeout.  Finished
 * transfers are collected with curl_multi_info_read after every action.
 * curl's heap goes through counting hooks with a hard cap, which also wipe
 * every block curl gives back (its copies of the bearer token among them).
 *
 * What a transfer may do is narrowed here, for every caller: http and
 * https only, no redirects followed, and the bearer token only to the
 * origin of llm.url, never over plain http to another host unless
 * llm.allow_insecure_token says so (an MCP server's token: to the origin
 * of that server's url, under its own allow_insecure_token; mcp.h).
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "loop.h"

static CURLM *multi;
static char ca_file[256]; /* empty: curl's default bundle */
static int timer_id;
static size_t heap_used, heap_high, heap_cap;
/* the live configuration's llm.url and llm.allow_insecure_token */
static const char *bearer_url;
static const int *bearer_insecure_ok;

/*
 * Counting allocator: a request over the cap fails as out of memory.
 * Whatever curl frees is wiped first: its copies of the token (the
 * option's string, the header it builds for each request) and of the
 * replies would otherwise stay readable in the process's free heap.
 */
static void *hmalloc(size_t n)
{
	void *p;

	if (heap_used + n > heap_cap)
		return NULL;
	p = malloc(n);
	if (p) {
		heap_used += malloc_usable_size(p);
		if (heap_used > heap_high)
			heap_high = heap_used;
	}
	return p;
}

static void hfree(void *p)
{
	if (p) {
		size_t n = malloc_usable_size(p);

		explicit_bzero(p, n);
		heap_used -= n;
		free(p);
	}
}

/* Never realloc(): a block it moves is freed unwiped.  A block that is
 * large enough already stays where it is. */
static void *hrealloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q;

	if (!p)
		return hmalloc(n);
	if (n <= old)
		return p;
	q = hmalloc(n);
	if (q) {
		memcpy(q, p, old);
		hfree(p);
	}
	return q;
}

static char *hstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = hmalloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static void *hcalloc(size_t a, size_t b)
{
	void *p;

	if (b && a > SIZE_MAX / b)
		return NULL;
	p = hmalloc(a * b);
	if (p)
		memset(p, 0, a * b);
	return p;
}

static void collect(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(multi, &left))) {
		struct http_xfer *x = NULL;
		long status = 0;
		CURLcode code;
		char err[CURL_ERROR_SIZE];

		if (m->msg != CURLMSG_DONE)
			continue;
		code = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
				  &status);
		if (!x)
			continue;
		if (code != CURLE_OK)
			snprintf(err, sizeof(err), "%s",
				 x->errbuf[0] ? x->errbuf :
						curl_easy_strerror(code));
		else
			err[0] = '\0';
		http_abort(x); /* releases the handle */
		x->h->on_done(x->ctx, code, status, err);
	}
}

static void on_socket(int fd, short revents, void *ctx)
{
	int flags = 0, running;

	(void)ctx;
	if (revents & POLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(multi, fd, flags, &running);
	collect();
}

static void on_timer(void *ctx)
{
	int running;

	(void)ctx;
	timer_id = 0;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	collect();
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	short ev = 0;

	(void)e;
	(void)userp;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_unwatch(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= POLLIN;
	if (what & CURL_POLL_OUT)
		ev |= POLLOUT;
	if (loop_watch(s, ev, on_socket, NULL) < 0) {
		LOGE("http", "too many sockets to watch");
		return -1;
	}
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	loop_cancel(timer_id);
	timer_id = 0;
	if (timeout_ms >= 0) {
		timer_id = loop_timeout((uint64_t)timeout_ms, on_timer, NULL);
		if (timer_id < 0) {
			timer_id = 0;
			return -1;
		}
	}
	return 0;
}

void http_set_ca_file(const char *path)
{
	snprintf(ca_file, sizeof(ca_file), "%s", path ? path : "");
}

void http_bearer_policy(const char *llm_url, const int *allow_insecure)
{
	bearer_url = llm_url;
	bearer_insecure_ok = allow_insecure;
}

/* The host part of an http(s) URL: [start, *end) and the port after it. */
static int split_url(const char *url, int *https, const char **host,
		     size_t *hlen, long *port)
{
	const char *a, *end, *at, *colon;
	char *pe;

	if (!strncasecmp(url, "http://", 7)) {
		*https = 0;
		a = url + 7;
	} else if (!strncasecmp(url, "https://", 8)) {
		*https = 1;
		a = url + 8;
	} else {
		return -1;
	}
	end = a + strcspn(a, "/?#");
	/* user:password@ belongs to no origin */
	for (at = a; at < end; at++)
		if (*at == '@')
			a = at + 1;
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));

		if (!rb)
			return -1;
		*host = a + 1;
		*hlen = (size_t)(rb - a - 1);
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		*host = a;
		*hlen = (size_t)((colon ? colon : end) - a);
	}
	if (!*hlen || *hlen > 255)
		return -1;
	*port = *https ? 443 : 80;
	if (colon && colon + 1 < end) {
		errno = 0;
		*port = strtol(colon + 1, &pe, 10);
		if (errno || pe != end || *port < 1 || *port > 65535)
			return -1;
	}
	return 0;
}

int http_origin(const char *url, char *out, size_t len)
{
	const char *host;
	size_t hlen, n;
	long port;
	int https;

	if (split_url(url, &https, &host, &hlen, &port))
		return -1;
	n = (size_t)snprintf(out, len, "%s://", https ? "https" : "http");
	for (size_t i = 0; i < hlen && n + 1 < len; i++)
		out[n++] = (char)tolower((unsigned char)host[i]);
	if (n < len)
		snprintf(out + n, len - n, ":%ld", port);
	return 0;
}

int http_in_clear(const char *url)
{
	const char *h;
	size_t hlen;
	long port;
	int https;

	/*
	 * Every plain http address counts, loopback too: a token to
	 * 127.0.0.1 goes to whoever listens on that port, and the
	 * configuration says so explicitly (llm.allow_insecure_token) or
	 * not at all.
	 */
	if (split_url(url, &https, &h, &hlen, &port))
		return 0; /* not http at all: other rules refuse it */
	return !https;
}

/* May the token go with a request to url?  0, or -EACCES, logged. */
static int bearer_allowed(const char *url, const struct http_opts *o)
{
	const char *home_url = o->bearer_url ? o->bearer_url : bearer_url;
	const int *insecure = o->bearer_url ? o->bearer_insecure :
					      bearer_insecure_ok;
	const char *whose = o->bearer_url ? "its server's" : "llm.url's";
	char to[300] = "", home[300] = "";

	if (!home_url || http_origin(home_url, home, sizeof(home)) ||
	    http_origin(url, to, sizeof(to)) || strcmp(to, home)) {
		LOGE("http", "the bearer token was not sent: %s is not %s origin",
		     to, whose);
		return -EACCES;
	}
	if (http_in_clear(url) && !(insecure && *insecure)) {
		LOGE("http", "the bearer token was not sent: %s is plain http; use https, or allow_insecure_token",
		     home);
		return -EACCES;
	}
	return 0;
}

int http_init(size_t cap)
{
	heap_cap = cap;
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, hmalloc, hfree, hrealloc,
				 hstrdup, hcalloc) != CURLE_OK)
		return -EIO;
	multi = curl_multi_init();
	if (!multi)
		return -ENOMEM;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	return 0;
}

void http_cleanup(void)
{
	if (multi)
		curl_multi_cleanup(multi);
	multi = NULL;
	loop_cancel(timer_id);
	curl_global_cleanup();
}

static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_xfer *x = userp;

	int r = x->h->on_data ? x->h->on_data(x->ctx, data, size * n) : 0;

	if (r == CURL_WRITEFUNC_PAUSE)
		return CURL_WRITEFUNC_PAUSE; /* delivered again after a resume */
	if (r)
		return 0; /* abort: CURLE_WRITE_ERROR */
	return size * n;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_xfer *x = userp;
	size_t len = size * n, l = len;

	while (l && (data[l - 1] == '\n' || data[l - 1] == '\r'))
		l--;
	return x->h->on_header(x->ctx, data, l) ? 0 : len;
}

curl_mime *http_mime(struct http_xfer *x)
{
	if (!x->easy)
		x->easy = curl_easy_init();
	if (!x->easy)
		return NULL;
	if (!x->mime)
		x->mime = curl_mime_init(x->easy);
	return x->mime;
}

/* One more request header; 0, or -1 (the transfer is dropped). */
static int add_header(struct http_xfer *x, const char *h)
{
	struct curl_slist *l = curl_slist_append(x->headers, h);

	if (!l) {
		http_abort(x);
		return -1;
	}
	x->headers = l;
	return 0;
}

int http_start(struct http_xfer *x, const char *url, const char *body,
	       size_t body_len, curl_mime *mime, const struct http_opts *o,
	       const struct http_handlers *h, void *ctx)
{
	char ct[128];

	if (x->active)
		return -EBUSY;
	if (o->bearer && o->bearer[0] && bearer_allowed(url, o))
		return -EACCES;
	if (!x->easy)
		x->easy = curl_easy_init();
	if (!x->easy)
		return -ENOMEM;
	x->h = h;
	x->ctx = ctx;
	x->errbuf[0] = '\0';
	/* http and https only, whatever the URL says; no redirect is
	 * followed (a peer's Location must not take a request, or the token,
	 * elsewhere), and should one ever be, it stays on http(s) */
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0: the _STR forms */
	if (curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR,
			     "http,https")) {
#else
	if (curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS,
			     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) ||
	    curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS,
			     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS))) {
#endif
		http_abort(x);
		return -EPROTONOSUPPORT;
	}
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	if (h->on_header) {
		curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	}
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "parleyd/" PARLEY_VERSION);
	/* https peers are always verified; the bundle may be our own */
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file[0])
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, ca_file);
	if (o->bearer && o->bearer[0]) {
		/* curl keeps its own copy of the token (and builds the
		 * header from it for each request), so two copies live
		 * while this transfer does: ours, and curl's; hfree wipes
		 * curl's when the handle goes.  The header then passes
		 * through the TLS library's buffers, which are not ours to
		 * wipe.  As an auth option, not a custom header, curl would
		 * not send it on to another host either. */
		curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(x->easy, CURLOPT_XOAUTH2_BEARER, o->bearer);
	}
	if (mime) {
		curl_easy_setopt(x->easy, CURLOPT_MIMEPOST, mime);
	} else if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 o->content_type ? o->content_type :
					   "application/json");
		if (add_header(x, ct))
			return -ENOMEM;
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	}
	for (int i = 0; o->headers && o->headers[i]; i++)
		if (add_header(x, o->headers[i]))
			return -ENOMEM;
	if (x->headers)
		curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	if (curl_multi_add_handle(multi, x->easy) != CURLM_OK) {
		http_abort(x);
		return -EIO;
	}
	x->active = 1;
	return 0;
}

void http_abort(struct http_xfer *x)
{
	if (x->easy) {
		if (x->active)
			curl_multi_remove_handle(multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_mime_free(x->mime);
	curl_slist_free_all(x->headers);
	x->easy = NULL;
	x->mime = NULL;
	x->headers = NULL;
	x->active = 0;
}

size_t http_heap_used(void)
{
	return heap_used;
}

size_t http_heap_high_water(void)
{
	return heap_high;
}
