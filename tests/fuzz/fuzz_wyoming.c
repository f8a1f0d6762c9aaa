// SPDX-License-Identifier: MIT
/*
 * Fuzz target: Wyoming framing (wyoming_stream.h has the input's layout
 * and the reader's checks), and the STT client's handling of the event
 * sequences that come out of it: every event goes to stt_wyoming.c's
 * handler (included, to reach it), which must answer at most once per
 * utterance, keep its joined transcript within its buffer, and refuse a
 * late finish after an early answer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/stt_wyoming.c"
#include "wyoming_stream.h"

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

static void offer(const struct wy_event *ev)
{
	on_event(&st.wy.w, ev, &st);
	if (st.wy.chunks_len >= sizeof(st.wy.chunks) ||
	    st.wy.chunks[st.wy.chunks_len])
		abort();
	if (answers > 1)
		abort();
	if (answers) {
		/* answered early: a late finish must not start again */
		if (st.wy.answered && stt_finish(&st, NULL, 0) != -EALREADY)
			abort();
		utterance(!st.wy.stopped);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	json_arena_install();
	if (!st.ops) {
		snprintf(cfg.stt_backend, sizeof(cfg.stt_backend), "wyoming");
		stt_init(&st, &cfg);
		stt_listen(&st, &events, NULL);
	}
	utterance(data[2] & 1);
	fuzz_wyoming_stream(data, size, offer);
	return 0;
}
