/* SPDX-License-Identifier: MIT */
/*
 * HTTP through libcurl's multi interface, driven by the control loop: curl's
 * sockets are watched by the loop and its timer is a loop timeout, so a
 * transfer never blocks the loop and aborting one is immediate.
 */
#ifndef PARLEY_APP_HTTP_H
#define PARLEY_APP_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

struct http_xfer;

struct http_handlers {
	/* Body bytes as they arrive; CURL_WRITEFUNC_PAUSE pauses the
	 * transfer (the same bytes come again after a resume), any other
	 * non-zero aborts it, which then completes with CURLE_WRITE_ERROR. */
	int (*on_data)(void *ctx, const char *data, size_t len);
	/* Completion, on the loop thread.  err is empty on success. */
	void (*on_done)(void *ctx, CURLcode code, long status,
			const char *err);
	/* Optional: each response header line as it arrives (the status
	 * line too), without the CR LF; non-zero aborts the transfer. */
	int (*on_header)(void *ctx, const char *line, size_t len);
};

struct http_xfer {
	CURL *easy;
	struct curl_slist *headers;
	curl_mime *mime;
	const struct http_handlers *h;
	void *ctx;
	char errbuf[CURL_ERROR_SIZE];
	int active;
};

struct http_opts {
	long connect_timeout_ms;
	long timeout_ms; /* whole transfer; 0 = none */
	const char *content_type; /* for a body */
	const char *bearer; /* token for "Authorization: Bearer", or NULL;
			     * see http_bearer_policy */
	/* Where this request's bearer may go instead of llm.url's origin:
	 * the origin of bearer_url, over plain http only while
	 * *bearer_insecure is set (an MCP server's token, mcp.h). */
	const char *bearer_url;
	const int *bearer_insecure;
	/* More request headers ("Name: value"), NULL-terminated, or NULL. */
	const char *const *headers;
};

/* Sets up curl with a bounded allocator; once, before any transfer. */
int http_init(size_t heap_cap);
void http_cleanup(void);
/* The CA bundle for https peers (tls.ca_file); empty for curl's default. */
void http_set_ca_file(const char *path);
/*
 * Where a request's bearer token may go: only to the origin (scheme, host,
 * port) of the URL at llm_url, and over plain http only to a loopback
 * host or while *allow_insecure is set.  Both point into the live
 * configuration and are read at each request, so a reload moves the
 * origin with llm.url.  A request that breaks the rule is not started
 * (http_start: -EACCES, logged, naming the setting).
 */
void http_bearer_policy(const char *llm_url, const int *allow_insecure);
/* "scheme://host:port" of an http(s) URL, host in lower case, the port
 * always given; 0, or -1 if url is not http(s) or has no usable host. */
int http_origin(const char *url, char *out, size_t len);
/* 1 if url is plain http to a host that is not loopback (127.0.0.0/8,
 * ::1, localhost): what is sent can be read on the way. */
int http_in_clear(const char *url);
/* Starts a GET (body NULL), a POST of body, or (mime set) a multipart
 * POST.  The body must stay valid until completion.  0 or -errno. */
int http_start(struct http_xfer *x, const char *url, const char *body,
	       size_t body_len, curl_mime *mime, const struct http_opts *o,
	       const struct http_handlers *h, void *ctx);
/* Starts a multipart form for x (freed with the transfer). */
curl_mime *http_mime(struct http_xfer *x);
/* Stops a transfer now; its on_done is not called.  Safe if inactive. */
void http_abort(struct http_xfer *x);
/* Heap used by curl now and at most. */
size_t http_heap_used(void);
size_t http_heap_high_water(void);

#endif
