// SPDX-License-Identifier: MIT
/*
 * Fuzz target: event sequences into the Wyoming TTS client
 * (tts_wyoming.c, included to reach its handler), through the framing
 * reader (wyoming_stream.h has the input's layout and the reader's
 * checks), with the synth worker's rings standing in for the worker.
 *
 * When the handler asks for a piece again (its ring is full), the
 * "worker" drains the ring, and the piece must then be taken:
 * backpressure may pause a sentence, never wedge it.  Every audio byte
 * taken after audio-start must reach the ring as samples, whatever the
 * piece boundaries (an odd byte carried into the next piece).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/tts_wyoming.c"
#include "wyoming_stream.h"

static struct parley_config cfg;
static struct synth sy;
static struct tts t;
static uint32_t next_id;
static size_t bytes_in, samples_out; /* of the current sentence */

static void drain(void)
{
	samples_out += ring_discard(&sy.remote);
	ring_discard(&sy.marks);
}

/* The sentence the client is fetching, as tts.c's next() sets it up. */
static void sentence(void)
{
	drain();
	if (!++next_id)
		next_id = 1; /* 0 means no sentence */
	t.current = next_id;
	t.started = 0;
	t.odd = 0;
	bytes_in = samples_out = 0;
}

/* One event or piece into the handler, as the client's parse_in does. */
static void offer(const struct wy_event *ev)
{
	int was_started;
	size_t queued;

	if (!t.current)
		sentence();
	was_started = t.started;
	queued = ring_count(&sy.remote);
	if (wy_event(&t.w, ev, &t)) {
		if (strcmp(ev->type, "audio-chunk") || ring_count(&sy.remote) != queued)
			abort(); /* only audio waits, and it waits whole */
		drain();
		if (wy_event(&t.w, ev, &t))
			abort(); /* an empty ring takes any piece */
	}
	if (!strcmp(ev->type, "audio-start") && t.started) {
		drain();
		bytes_in = samples_out = 0;
	} else if (!strcmp(ev->type, "audio-chunk") && was_started && t.current) {
		bytes_in += ev->payload_len;
		if (samples_out + ring_count(&sy.remote) != bytes_in / 2)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_arena_install();
	if (!t.synth) {
		ring_init(&sy.remote, sy.remote_buf, sizeof(sy.remote_buf[0]),
			  SYNTH_REMOTE_SAMPLES);
		ring_init(&sy.marks, sy.mark_buf, sizeof(sy.mark_buf[0]),
			  SYNTH_MARKS);
		snprintf(cfg.tts_backend, sizeof(cfg.tts_backend), "wyoming");
		cfg.tts_timeout_ms = 20000;
		tts_init(&t, &sy, &cfg);
	}
	t.current = 0;
	fuzz_wyoming_stream(data, size, offer);
	return 0;
}
