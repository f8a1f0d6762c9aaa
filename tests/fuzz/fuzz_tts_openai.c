// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the WAV stream of an OpenAI-compatible TTS reply
 * (tts_openai.c, included to reach on_data), in pieces of any size as
 * libcurl hands them over, into the synth worker's ring.  The ring may
 * still hold the previous sentence's samples, so a piece can be told to
 * wait (CURL_WRITEFUNC_PAUSE); libcurl then offers the same piece again
 * after the worker has drained the ring, and so does this harness.
 *
 * Input: byte 0 picks the status (bit 0: not 200) and how full the ring
 * starts; byte 1 seeds the piece sizes; the rest is the reply body.
 * Checked: with status 200 and a header tts_wav_header accepts, every
 * byte after the header reaches the ring as samples, once, whatever the
 * pieces and the pauses; an error reply's text stays within its buffer.
 */
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long fuzz_status;

static CURLcode fake_getinfo(CURL *h, CURLINFO info, long *status)
{
	(void)h;
	(void)info;
	*status = fuzz_status;
	return CURLE_OK;
}

/* on_data asks libcurl for the status: here the input gives it */
#undef curl_easy_getinfo
#define curl_easy_getinfo(h, i, p) fake_getinfo(h, i, p)
#include "../../app/tts_openai.c"
#include "pieces.h"

static struct parley_config cfg;
static struct synth sy;
static struct tts t;
static size_t out; /* samples taken out of the ring */

static void drain(void)
{
	out += ring_discard(&sy.remote);
	ring_discard(&sy.marks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t fill[4096];
	const uint8_t *body;
	size_t len, pos = 0, prefill, at;
	uint32_t seed;
	unsigned rate;
	char why[256];
	int r = 0, hdr;

	if (size < 2)
		return 0;
	json_arena_install();
	if (!t.synth) {
		ring_init(&sy.remote, sy.remote_buf, sizeof(sy.remote_buf[0]),
			  SYNTH_REMOTE_SAMPLES);
		ring_init(&sy.marks, sy.mark_buf, sizeof(sy.mark_buf[0]),
			  SYNTH_MARKS);
		snprintf(cfg.tts_backend, sizeof(cfg.tts_backend), "openai");
		tts_init(&t, &sy, &cfg);
	}
	fuzz_status = data[0] & 1 ? 500 : 200;
	seed = data[1] * 2654435761u + 7;
	body = data + 2;
	len = size - 2;
	/* the previous sentence, not yet played: up to a nearly full ring */
	drain();
	prefill = (size_t)(data[0] >> 1) * (SYNTH_REMOTE_SAMPLES / 128);
	for (size_t n = prefill; n;) {
		size_t k = n < 4096 ? n : 4096;

		ring_push(&sy.remote, fill, (uint32_t)k);
		n -= k;
	}
	out = 0;
	t.current = 1;
	t.hdr_len = 0;
	t.in_data = 0;
	t.started = 0;
	t.odd = 0;
	t.error[0] = '\0';
	while (pos < len) {
		size_t n = fuzz_piece(&seed, len - pos);

		r = on_data(&t, (const char *)body + pos, n);
		if (r == CURL_WRITEFUNC_PAUSE) {
			/* the worker plays what it has; libcurl offers again */
			loop_cancel(t.pause_timer);
			t.pause_timer = 0;
			drain();
			r = on_data(&t, (const char *)body + pos, n);
			if (r == CURL_WRITEFUNC_PAUSE)
				abort(); /* an empty ring takes any piece */
		}
		if (r)
			break; /* aborted: the error says why */
		pos += n;
	}
	if (strnlen(t.error, sizeof(t.error)) >= sizeof(t.error))
		abort();
	if (fuzz_status != 200 || r)
		return 0;
	hdr = tts_wav_header(body, len < sizeof(t.hdr) ? len : sizeof(t.hdr),
			     &rate, &at, why, sizeof(why));
	if (hdr != 0) {
		if (t.in_data)
			abort(); /* samples from a header the parser refuses */
		return 0;
	}
	if (!t.in_data ||
	    out + ring_count(&sy.remote) - prefill != (len - at) / 2 ||
	    t.odd != (int)((len - at) & 1))
		abort();
	return 0;
}
