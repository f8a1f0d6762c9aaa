// SPDX-License-Identifier: MIT
/*
 * curl multi glue: CURLMOPT_SOCKETFUNCTION maps curl's sockets onto
 * loop_watch(), CURLMOPT_TIMERFUNCTION onto one loop timeout.  Finished
 * transfers are collected with curl_multi_info_read after every action.
 * curl's heap goes through counting hooks with a hard cap.
 */
#include "http.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "loop.h"

static CURLM *multi;
static char ca_file[256]; /* empty: curl's default bundle */
static int timer_id;
static size_t heap_used, heap_high, heap_cap;

/* Counting allocator: a request over the cap fails as out of memory. */
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
		heap_used -= malloc_usable_size(p);
		free(p);
	}
}

static void *hrealloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q;

	if (heap_used - old + n > heap_cap)
		return NULL;
	q = realloc(p, n);
	if (q) {
		heap_used = heap_used - old + malloc_usable_size(q);
		if (heap_used > heap_high)
			heap_high = heap_used;
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

int http_start(struct http_xfer *x, const char *url, const char *body,
	       size_t body_len, curl_mime *mime, const struct http_opts *o,
	       const struct http_handlers *h, void *ctx)
{
	char ct[128];

	if (x->active)
		return -EBUSY;
	if (!x->easy)
		x->easy = curl_easy_init();
	if (!x->easy)
		return -ENOMEM;
	x->h = h;
	x->ctx = ctx;
	x->errbuf[0] = '\0';
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
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
		char auth[600];

		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 o->bearer);
		x->headers = curl_slist_append(x->headers, auth);
		memset(auth, 0, sizeof(auth));
		curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	}
	if (mime) {
		curl_easy_setopt(x->easy, CURLOPT_MIMEPOST, mime);
	} else if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 o->content_type ? o->content_type :
					   "application/json");
		x->headers = curl_slist_append(x->headers, ct);
		curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	}
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
