/* SPDX-License-Identifier: MIT */
/*
 * Wyoming protocol over TCP: events are a JSON header line, then an
 * optional JSON data block of data_length bytes, then an optional binary
 * payload of payload_length bytes.  Data may also sit in the header itself;
 * the block's keys win.
 *
 * The header line and the data block have fixed caps: a frame that claims
 * more is an error, never growth.  A payload has no such cap, because real
 * servers choose their own chunk size (wyoming-piper's --samples-per-chunk
 * is any number, and other servers send a whole sentence as one chunk):
 * the reader hands a large payload on in pieces that fit its fixed
 * window, each with the event's type and data again.
 */
#ifndef PARLEY_APP_WYOMING_H
#define PARLEY_APP_WYOMING_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define WY_HEADER_MAX 2048
#define WY_DATA_MAX 8192
#define WY_PIECE_MAX 65536 /* payload bytes handed on at once, at least */
#define WY_IN_MAX (WY_HEADER_MAX + WY_DATA_MAX + WY_PIECE_MAX)
/* A sanity bound on a claimed payload, not a buffer: 64 MiB is over
 * twelve minutes of 44.1 kHz mono audio in one chunk. */
#define WY_PAYLOAD_TOTAL_MAX (64u << 20)
#define WY_OUT_MAX 65536

struct wy_event {
	const char *type;
	cJSON *data; /* merged data object (never NULL), on the JSON arena */
	const uint8_t *payload; /* this piece of the payload, NULL if none */
	size_t payload_len; /* its bytes */
	size_t payload_at; /* where the piece starts in the whole payload */
	size_t payload_total; /* the event's payload_length */
};

/*
 * Parses the header line and the data block at the start of buf.  Returns
 * their length, with ev's type and data and *plen (the payload_length)
 * filled; 0 if more bytes are needed; -1 with why filled if the frame is
 * malformed or over a cap.  The payload is not looked at.  Uses the JSON
 * arena (the caller resets it).
 */
long wy_parse_head(const uint8_t *buf, size_t len, struct wy_event *ev,
		   size_t *plen, char *why, size_t whylen);

/*
 * The input side: a fixed window of bytes and where the event at its start
 * has got to.  While a payload streams through, the event's header and
 * data stay at the start of the window and are parsed again for each
 * piece, so nothing of it lives on the JSON arena between pieces.
 */
struct wy_reader {
	uint8_t buf[WY_IN_MAX];
	size_t cap; /* window size: WY_IN_MAX, smaller only in tests */
	size_t len; /* bytes held */
	size_t head; /* header + data of the event last offered, 0: none */
	size_t total; /* its payload_length */
	size_t at; /* payload bytes of that event handed on already */
	size_t piece; /* payload bytes of the piece last offered */
};

/* Empties r; cap is clamped to 1..WY_IN_MAX. */
void wy_reader_init(struct wy_reader *r, size_t cap);
/* Where the next received bytes go; *room is 0 when the window is full. */
uint8_t *wy_reader_space(struct wy_reader *r, size_t *room);
void wy_reader_added(struct wy_reader *r, size_t n);
/*
 * The next event, or the next piece of a large payload: 1 with ev filled
 * (a whole event is one piece: payload_at 0, payload_len ==
 * payload_total), 0 if more bytes are needed, -1 with why if the frame is
 * broken or its header and data do not fit the window.  A piece is offered
 * when the rest of the payload is in, or when the window is full.  Offering
 * again without wy_reader_take gives the same piece (or a longer one, if
 * bytes were added).  Uses the JSON arena (the caller resets it).
 */
int wy_reader_next(struct wy_reader *r, struct wy_event *ev, char *why,
		   size_t whylen);
/* The event or piece wy_reader_next offered was taken: drop its bytes. */
void wy_reader_take(struct wy_reader *r);

/* An error event's words for a reason: "text (code)", or "text" when it
 * has no code (wyoming/error.py: text, and an optional code). */
void wy_error_text(const struct wy_event *ev, char *buf, size_t len);

/* Writes an event into out (header line, data block, payload); returns its
 * length, or -1 if it does not fit. */
long wy_format(uint8_t *out, size_t cap, const char *type,
	       const char *data_json, const void *payload, size_t plen);

struct wyoming;
/* Called once per event, or once per piece of a large payload (see
 * struct wy_event).  Returns 0 when it is taken, or 1 to have the same
 * piece offered again later (the consumer has no room yet); reading pauses
 * meanwhile. */
typedef int (*wy_event_cb)(struct wyoming *w, const struct wy_event *ev,
			   void *ctx);
/* err is 0 when the peer closed cleanly, else a negative errno. */
typedef void (*wy_close_cb)(struct wyoming *w, int err, const char *why,
			    void *ctx);

struct wyoming {
	int fd; /* -1 when closed; open from wyoming_connect on, while the
		 * host name is looked up too */
	int connecting; /* looking up or in the TCP handshake */
	int resolving; /* the look-up's id (resolve.h), 0 when none */
	struct wy_reader rd;
	uint8_t out[WY_OUT_MAX];
	size_t out_len;
	int timer;
	wy_event_cb on_event;
	wy_close_cb on_close;
	void *ctx;
	char peer[160];
};

/*
 * Connects (non-blocking) to "tcp://host:port" or "host:port" ("[v6]:port"
 * too).  A host name is looked up off the loop; a failed look-up, like a
 * refused connection, comes through on_close, within timeout_ms in all.
 * Events sent before the connection is up wait in the output buffer.
 */
int wyoming_connect(struct wyoming *w, const char *uri, int timeout_ms,
		    wy_event_cb on_event, wy_close_cb on_close, void *ctx,
		    char *why, size_t whylen);
/*
 * Takes over fd, a connected socket (a server's accepted client), made
 * non-blocking here; peer names it in errors.  Events and the close come
 * through the callbacks, as for a connection made by wyoming_connect.
 */
void wyoming_adopt(struct wyoming *w, int fd, const char *peer,
		   wy_event_cb on_event, wy_close_cb on_close, void *ctx);
/* Queues an event; -ENOBUFS if the output buffer is full. */
int wyoming_send(struct wyoming *w, const char *type, const char *data_json,
		 const void *payload, size_t plen);
/* Closes without a callback. */
void wyoming_close(struct wyoming *w);

#endif
