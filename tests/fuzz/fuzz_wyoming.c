// SPDX-License-Identifier: MIT
/*
 * Fuzz target: Wyoming framing, and the STT client's handling of the
 * event sequences that come out of it.
 *
 * The input's first two bytes choose the reader's window (small windows
 * push every payload through the piece path that a chunk over 64 KiB takes
 * in the daemon), the third the size of each "recv".  The rest is the byte
 * stream.  Checked: a piece never claims bytes the window does not hold,
 * pieces of one payload follow each other and add up to its length, a
 * piece offered again untaken is the same piece (backpressure), and the
 * window never stalls full.  Every event is then fed to stt_wyoming.c's
 * handler (included, to reach it), which must answer at most once per
 * utterance and keep its joined transcript within its buffer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/stt_wyoming.c"
#include "../../app/wyoming.h"

static struct wy_reader rd;
static struct parley_config cfg;
static struct stt st;
static int answers;

static void on_done(void *ctx, enum peer_error e, const char *text)
{
	(void)ctx;
	(void)e;
	if (strlen(text) >= sizeof(st.text) + 300)
		abort();
	answers++;
}

static const struct stt_events events = { on_done };

/* The client mid-utterance: streaming, audio-stop sent or not. */
static void utterance(int stopped)
{
	stt_abort(&st);
	st.streaming = 1;
	st.wy.open = 1;
	st.wy.stopped = stopped;
	answers = 0;
}

static void check_piece(const struct wy_event *ev, size_t *expect_at)
{
	if (!ev->type || !ev->data)
		abort();
	if (ev->payload_at != *expect_at ||
	    ev->payload_at + ev->payload_len > ev->payload_total ||
	    ev->payload_total > WY_PAYLOAD_TOTAL_MAX)
		abort();
	if (ev->payload_len &&
	    (ev->payload < rd.buf ||
	     ev->payload + ev->payload_len > rd.buf + rd.len))
		abort();
	if (!ev->payload_len && ev->payload)
		abort();
	*expect_at = ev->payload_at + ev->payload_len == ev->payload_total ?
			     0 :
			     ev->payload_at + ev->payload_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	size_t off = 3, cap, step, expect_at = 0;

	if (size < 3)
		return 0;
	json_arena_install();
	if (!st.ops) {
		snprintf(cfg.stt_backend, sizeof(cfg.stt_backend), "wyoming");
		stt_init(&st, &cfg);
		stt_listen(&st, &events, NULL);
	}
	cap = (size_t)(data[0] | data[1] << 8);
	cap = cap == 0xffff ? WY_IN_MAX : 1 + cap % 4096;
	step = 1 + (size_t)data[2];
	wy_reader_init(&rd, cap);
	utterance(data[2] & 1);
	while (off < size) {
		size_t room, n = size - off < step ? size - off : step;
		uint8_t *at = wy_reader_space(&rd, &room);
		struct wy_event ev, again;
		size_t at0;
		int r;

		if (!room)
			abort(); /* a full window must have been handed on */
		if (n > room)
			n = room;
		memcpy(at, data + off, n);
		wy_reader_added(&rd, n);
		off += n;
		for (;;) {
			json_arena_reset();
			r = wy_reader_next(&rd, &ev, why, sizeof(why));
			if (r < 0)
				return 0;
			if (!r)
				break;
			at0 = expect_at;
			check_piece(&ev, &at0);
			json_arena_reset();
			if (wy_reader_next(&rd, &again, why, sizeof(why)) != 1 ||
			    again.payload != ev.payload ||
			    again.payload_len != ev.payload_len ||
			    again.payload_at != ev.payload_at)
				abort();
			check_piece(&again, &expect_at);
			on_event(&st.wy.w, &again, &st);
			if (st.wy.chunks_len >= sizeof(st.wy.chunks) ||
			    st.wy.chunks[st.wy.chunks_len])
				abort();
			if (answers > 1)
				abort();
			if (answers) {
				/* answered: a late finish must not start again */
				if (st.wy.answered &&
				    stt_finish(&st, NULL, 0) != -EALREADY)
					abort();
				utterance(!st.wy.stopped);
			}
			wy_reader_take(&rd);
		}
		if (rd.len == rd.cap)
			abort();
	}
	return 0;
}
