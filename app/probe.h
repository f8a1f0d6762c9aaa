/* SPDX-License-Identifier: MIT */
/*
 * Health probes of the LAN peers for the console ("host ping", "models"):
 * small GETs over the same curl multi loop, with their round-trip times.
 */
#ifndef PARLEY_APP_PROBE_H
#define PARLEY_APP_PROBE_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "http.h"

#define PROBE_BODY_MAX 16384

struct probe {
	struct http_xfer x;
	char url[320];
	char body[PROBE_BODY_MAX + 1];
	size_t len;
	int truncated;
	uint64_t t0;
	void (*done)(struct probe *pr, int code, long status, const char *err,
		     void *ctx);
	void *ctx;
};

/* GETs url; done gets curl's code, the status and the round trip in
 * probe_rtt_ms().  0 or -errno. */
int probe_get(struct probe *pr, const char *url, long timeout_ms,
	      void (*done)(struct probe *pr, int code, long status,
			   const char *err, void *ctx),
	      void *ctx);
unsigned probe_rtt_ms(const struct probe *pr);
void probe_abort(struct probe *pr);

#endif
