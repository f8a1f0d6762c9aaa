/* SPDX-License-Identifier: MIT */
/*
 * Wyoming protocol over TCP: events are a JSON header line, then an
 * optional JSON data block of data_length bytes, then an optional binary
 * payload of payload_length bytes.  Data may also sit in the header itself;
 * the block's keys win.  Every length is checked against a fixed cap: a
 * frame that claims more is an error, never growth.
 */
#ifndef PARLEY_APP_WYOMING_H
#define PARLEY_APP_WYOMING_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define WY_HEADER_MAX 2048
#define WY_DATA_MAX 8192
#define WY_PAYLOAD_MAX 65536
#define WY_IN_MAX (WY_HEADER_MAX + WY_DATA_MAX + WY_PAYLOAD_MAX)
#define WY_OUT_MAX 65536

struct wy_event {
	const char *type;
	cJSON *data; /* merged data object (never NULL), on the JSON arena */
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Parses one event at the start of buf.  Returns the bytes it takes, 0 if
 * more bytes are needed, or -1 with why filled if the frame is malformed or
 * over a cap.  Uses the JSON arena (the caller resets it).
 */
long wy_parse(const uint8_t *buf, size_t len, struct wy_event *ev, char *why,
	      size_t whylen);
/* Writes an event into out (header line, data block, payload); returns its
 * length, or -1 if it does not fit. */
long wy_format(uint8_t *out, size_t cap, const char *type,
	       const char *data_json, const void *payload, size_t plen);

struct wyoming;
/* Returns 0 when the event is taken, or 1 to have it offered again later
 * (the consumer has no room yet); reading pauses meanwhile. */
typedef int (*wy_event_cb)(struct wyoming *w, const struct wy_event *ev,
			   void *ctx);
/* err is 0 when the peer closed cleanly, else a negative errno. */
typedef void (*wy_close_cb)(struct wyoming *w, int err, const char *why,
			    void *ctx);

struct wyoming {
	int fd; /* -1 when closed */
	int connecting;
	uint8_t in[WY_IN_MAX];
	size_t in_len;
	uint8_t out[WY_OUT_MAX];
	size_t out_len;
	int timer;
	wy_event_cb on_event;
	wy_close_cb on_close;
	void *ctx;
	char peer[160];
};

/* Connects (non-blocking) to "tcp://host:port" or "host:port". */
int wyoming_connect(struct wyoming *w, const char *uri, int timeout_ms,
		    wy_event_cb on_event, wy_close_cb on_close, void *ctx,
		    char *why, size_t whylen);
/* Queues an event; -ENOBUFS if the output buffer is full. */
int wyoming_send(struct wyoming *w, const char *type, const char *data_json,
		 const void *payload, size_t plen);
/* Closes without a callback. */
void wyoming_close(struct wyoming *w);

#endif
