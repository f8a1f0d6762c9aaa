/* SPDX-License-Identifier: MIT */
/*
 * The Wyoming fuzz targets' common half: the input's layout and the
 * client's read loop over it, with the reader's own checks.
 *
 * Input: two bytes choose the reader's window (small windows push every
 * payload through the piece path that a chunk over 64 KiB takes in the
 * daemon; 0xffff is the daemon's window), the third the size of each
 * "recv", and the rest is the byte stream.  Checked on every event: a
 * piece never claims bytes the window does not hold, the pieces of one
 * payload follow each other and add up to its length, a piece offered
 * again untaken is the same piece (backpressure), and the window never
 * stalls full.  Each event then goes to the target's offer().
 */
#ifndef PARLEY_TESTS_FUZZ_WYOMING_STREAM_H
#define PARLEY_TESTS_FUZZ_WYOMING_STREAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/wyoming.h"

static struct wy_reader fuzz_rd;

static void fuzz_check_piece(const struct wy_event *ev, size_t *expect_at)
{
	const struct wy_reader *r = &fuzz_rd;

	if (!ev->type || !ev->data)
		abort();
	if (ev->payload_at != *expect_at ||
	    ev->payload_at + ev->payload_len > ev->payload_total ||
	    ev->payload_total > WY_PAYLOAD_TOTAL_MAX)
		abort();
	if (ev->payload_len ? ev->payload < r->buf ||
				      ev->payload + ev->payload_len > r->buf + r->len :
			      ev->payload != NULL)
		abort();
	*expect_at = ev->payload_at + ev->payload_len == ev->payload_total ?
			     0 :
			     ev->payload_at + ev->payload_len;
}

/* Runs the stream through the reader; offer() gets each event or piece
 * (the JSON arena holds its data until the next one). */
static void fuzz_wyoming_stream(const uint8_t *data, size_t size,
				void (*offer)(const struct wy_event *ev))
{
	size_t off = 3, cap, step, expect_at = 0;
	char why[256];

	if (size < 3)
		return;
	cap = (size_t)(data[0] | data[1] << 8);
	cap = cap == 0xffff ? WY_IN_MAX : 1 + cap % 4096;
	step = 1 + (size_t)data[2];
	wy_reader_init(&fuzz_rd, cap);
	while (off < size) {
		size_t room, n = size - off < step ? size - off : step;
		uint8_t *at = wy_reader_space(&fuzz_rd, &room);

		if (!room)
			abort(); /* a full window must have been handed on */
		if (n > room)
			n = room;
		memcpy(at, data + off, n);
		wy_reader_added(&fuzz_rd, n);
		off += n;
		for (;;) {
			struct wy_event ev, again;
			size_t at0 = expect_at;
			int r;

			json_arena_reset();
			r = wy_reader_next(&fuzz_rd, &ev, why, sizeof(why));
			if (r < 0)
				return;
			if (!r)
				break;
			fuzz_check_piece(&ev, &at0);
			json_arena_reset();
			if (wy_reader_next(&fuzz_rd, &again, why, sizeof(why)) != 1 ||
			    again.payload != ev.payload ||
			    again.payload_len != ev.payload_len)
				abort();
			fuzz_check_piece(&again, &expect_at);
			offer(&again);
			wy_reader_take(&fuzz_rd);
		}
	}
}

#endif
