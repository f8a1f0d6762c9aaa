// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/wyoming.c framing and its reader (large payloads in
 * pieces), app/stt_wyoming.c's handling of the transcript events (included,
 * to reach its handler), app/tts.c WAV headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/stt_wyoming.c"
#include "../../app/tts.h"
#include "../../app/wyoming.h"

static char why[200];
static struct wy_reader rd;

/* A whole event at the start of bytes, through a fresh reader. */
static int parse(const char *bytes, size_t len, struct wy_event *ev)
{
	size_t room;
	uint8_t *at;

	wy_reader_init(&rd, WY_IN_MAX);
	at = wy_reader_space(&rd, &room);
	assert_true(len <= room);
	memcpy(at, bytes, len);
	wy_reader_added(&rd, len);
	json_arena_reset();
	return wy_reader_next(&rd, ev, why, sizeof(why));
}

static void python_library_frames_parse(void **state)
{
	/* as the Python library writes them: data in a separate block */
	static const char f[] =
		"{\"type\": \"audio-chunk\", \"version\": \"1.9.0\", \"data_length\": 58, \"payload_length\": 4}\n"
		"{\"rate\": 16000, \"width\": 2, \"channels\": 1, \"timestamp\": 0}"
		"\x01\x02\x03\x04"
		"{\"type\": \"audio-stop\"}\n";
	struct wy_event ev;
	size_t first = sizeof(f) - 1 - strlen("{\"type\": \"audio-stop\"}\n");

	(void)state;
	json_arena_install();
	assert_int_equal(parse(f, sizeof(f) - 1, &ev), 1);
	assert_string_equal(ev.type, "audio-chunk");
	assert_int_equal(cJSON_GetObjectItem(ev.data, "rate")->valueint, 16000);
	/* a small payload is one piece: the whole of it */
	assert_int_equal(ev.payload_len, 4);
	assert_int_equal(ev.payload_at, 0);
	assert_int_equal(ev.payload_total, 4);
	assert_memory_equal(ev.payload, "\x01\x02\x03\x04", 4);
	wy_reader_take(&rd);
	assert_int_equal(rd.len, sizeof(f) - 1 - first);
	json_arena_reset();
	assert_int_equal(wy_reader_next(&rd, &ev, why, sizeof(why)), 1);
	assert_string_equal(ev.type, "audio-stop");
	assert_null(ev.payload);
	wy_reader_take(&rd);
	assert_int_equal(rd.len, 0);
	/* every prefix of a frame asks for more bytes */
	for (size_t n = 0; n < first; n++)
		assert_int_equal(parse(f, n, &ev), 0);
}

static void inline_data_and_block_merge(void **state)
{
	static const char f[] =
		"{\"type\": \"transcript\", \"data\": {\"text\": \"old\", \"language\": \"en\"}, \"data_length\": 15}\n"
		"{\"text\": \"new\"}";
	struct wy_event ev;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &ev), 1);
	assert_string_equal(cJSON_GetObjectItem(ev.data, "text")->valuestring,
			    "new");
	assert_string_equal(cJSON_GetObjectItem(ev.data, "language")->valuestring,
			    "en");
}

static void lying_and_broken_frames_are_errors(void **state)
{
	struct wy_event ev;
	char big[WY_HEADER_MAX + 10];

	(void)state;
	assert_int_equal(parse("{\"type\": \"audio-chunk\", \"payload_length\": 99999999999}\n", 55, &ev), -1);
	assert_non_null(strstr(why, "payload length outside"));
	assert_int_equal(parse("{\"type\": \"audio-chunk\", \"payload_length\": 2.5}\n", 48, &ev), -1);
	assert_int_equal(parse("{\"type\": \"x\", \"data_length\": -5}\n", 33, &ev), -1);
	assert_int_equal(parse("{\"type\": \"x\", \"data_length\": 9000}\n", 35, &ev), -1);
	assert_non_null(strstr(why, "data length outside"));
	assert_int_equal(parse("[1, 2]\n", 7, &ev), -1);
	assert_int_equal(parse("{\"data\": {}}\n", 13, &ev), -1);
	assert_int_equal(parse("{\"type\": \"x\", \"data_length\": 3}\nabc", 35, &ev), -1);
	assert_non_null(strstr(why, "data block"));
	memset(big, 'a', sizeof(big));
	assert_int_equal(parse(big, sizeof(big), &ev), -1);
	assert_non_null(strstr(why, "header line longer"));
}

/* Feeds bytes in slices of step, taking what the reader offers as it
 * goes, as the client does; returns the payload bytes seen, and checks
 * that every piece carries the event's type and data. */
static size_t feed_all(const uint8_t *f, size_t len, size_t step,
		       uint8_t *got, size_t cap, unsigned *pieces,
		       unsigned *stops)
{
	size_t off = 0, seen = 0, room;
	struct wy_event ev;
	int r;

	while (off < len) {
		uint8_t *at = wy_reader_space(&rd, &room);
		size_t n = len - off < step ? len - off : step;

		if (n > room)
			n = room;
		assert_true(n > 0);
		memcpy(at, f + off, n);
		wy_reader_added(&rd, n);
		off += n;
		for (;;) {
			json_arena_reset();
			r = wy_reader_next(&rd, &ev, why, sizeof(why));
			assert_int_not_equal(r, -1);
			if (!r)
				break;
			if (!strcmp(ev.type, "audio-stop")) {
				(*stops)++;
				wy_reader_take(&rd);
				continue;
			}
			assert_string_equal(ev.type, "audio-chunk");
			assert_int_equal(cJSON_GetObjectItem(ev.data, "rate")->valueint,
					 22050);
			assert_int_equal(ev.payload_at, seen);
			assert_true(ev.payload_at + ev.payload_len <= ev.payload_total);
			assert_true(seen + ev.payload_len <= cap);
			/* offered again untaken: the same piece (backpressure) */
			{
				struct wy_event again;
				size_t plen = ev.payload_len;

				json_arena_reset();
				assert_int_equal(wy_reader_next(&rd, &again, why,
								sizeof(why)), 1);
				assert_int_equal(again.payload_len, plen);
				assert_ptr_equal(again.payload, ev.payload);
			}
			memcpy(got + seen, ev.payload, ev.payload_len);
			seen += ev.payload_len;
			(*pieces)++;
			wy_reader_take(&rd);
		}
	}
	return seen;
}

static void a_large_payload_comes_in_pieces(void **state)
{
	/* wyoming-piper with --samples-per-chunk 100000: one 200 000-byte
	 * chunk, then audio-stop */
	enum { PAY = 200000 };
	static uint8_t f[PAY + 512], got[PAY];
	static const char data[] = "{\"rate\": 22050, \"width\": 2, \"channels\": 1}";
	unsigned pieces = 0, stops = 0;
	long n;
	size_t len, steps[] = { 1400, 65536, 7, PAY + 512 };

	(void)state;
	for (size_t i = 0; i < PAY; i++)
		f[512 + i] = (uint8_t)(i * 7 + (i >> 9));
	n = wy_format(f, sizeof(f), "audio-chunk", data, NULL, 0);
	assert_true(n > 0);
	/* the header line claims the payload that follows the data */
	len = (size_t)snprintf((char *)f, 512,
			       "{\"type\": \"audio-chunk\", \"data_length\": %zu, \"payload_length\": %d}\n%s",
			       strlen(data), PAY, data);
	memmove(f + len, f + 512, PAY);
	len += PAY;
	len += (size_t)wy_format(f + len, sizeof(f) - len, "audio-stop", "{}",
				 NULL, 0);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		uint8_t want[PAY];

		pieces = stops = 0;
		memset(got, 0, sizeof(got));
		wy_reader_init(&rd, WY_IN_MAX);
		assert_int_equal(feed_all(f, len, steps[s], got, sizeof(got),
					  &pieces, &stops),
				 PAY);
		for (size_t i = 0; i < PAY; i++)
			want[i] = (uint8_t)(i * 7 + (i >> 9));
		assert_memory_equal(got, want, PAY);
		assert_true(pieces >= 3); /* more than the window holds */
		assert_int_equal(stops, 1);
		assert_int_equal(rd.len, 0);
	}
}

static void a_head_that_cannot_fit_the_window_is_an_error(void **state)
{
	static const char f[] =
		"{\"type\": \"audio-chunk\", \"payload_length\": 10}\n0123456789";
	size_t line = (size_t)(strchr(f, '\n') - f) + 1, room;
	struct wy_event ev;
	char fit[64];
	uint8_t *at;

	(void)state;
	/* a window of exactly the header line: no byte of payload fits */
	wy_reader_init(&rd, line);
	at = wy_reader_space(&rd, &room);
	assert_int_equal(room, line);
	memcpy(at, f, room);
	wy_reader_added(&rd, room);
	json_arena_reset();
	assert_int_equal(wy_reader_next(&rd, &ev, why, sizeof(why)), -1);
	snprintf(fit, sizeof(fit), "do not fit in %zu bytes", line);
	assert_non_null(strstr(why, fit));
	/* one byte more, and the payload moves a byte at a time */
	wy_reader_init(&rd, line + 1);
	at = wy_reader_space(&rd, &room);
	memcpy(at, f, room);
	wy_reader_added(&rd, room);
	json_arena_reset();
	assert_int_equal(wy_reader_next(&rd, &ev, why, sizeof(why)), 1);
	assert_int_equal(ev.payload_len, 1);
	assert_int_equal(ev.payload[0], '0');
	assert_int_equal(ev.payload_total, 10);
}

static void format_round_trips(void **state)
{
	uint8_t out[256];
	struct wy_event ev;
	long n = wy_format(out, sizeof(out), "synthesize", "{\"text\": \"hi\"}",
			   "\xff", 1);

	(void)state;
	assert_true(n > 0);
	assert_int_equal(parse((const char *)out, (size_t)n, &ev), 1);
	assert_string_equal(ev.type, "synthesize");
	assert_string_equal(cJSON_GetObjectItem(ev.data, "text")->valuestring, "hi");
	assert_int_equal(ev.payload_len, 1);
	assert_int_equal(wy_format(out, 20, "synthesize", "{}", NULL, 0), -1);
}

static void error_events_keep_text_and_code(void **state)
{
	static const char piper[] =
		"{\"type\": \"error\", \"data_length\": 47}\n"
		"{\"text\": \"alloy\", \"code\": \"VoiceNotFoundError\"}";
	static const char bare[] =
		"{\"type\": \"error\", \"data\": {\"text\": \"no model\"}}\n";
	struct wy_event ev;
	char said[300];

	(void)state;
	assert_int_equal(parse(piper, sizeof(piper) - 1, &ev), 1);
	wy_error_text(&ev, said, sizeof(said));
	assert_string_equal(said, "alloy (VoiceNotFoundError)");
	assert_int_equal(parse(bare, sizeof(bare) - 1, &ev), 1);
	wy_error_text(&ev, said, sizeof(said));
	assert_string_equal(said, "no model");
}

/* ---- the STT client's transcript events ---- */

static struct parley_config stt_cfg;
static struct stt st;
static struct {
	int calls;
	enum peer_error e;
	char text[PARLEY_TRANSCRIPT_MAX];
} heard;

static void heard_done(void *ctx, enum peer_error e, const char *text)
{
	(void)ctx;
	heard.calls++;
	heard.e = e;
	snprintf(heard.text, sizeof(heard.text), "%s", text);
}

static const struct stt_events heard_events = { heard_done };

/* The STT client as it is while the user still speaks: streaming, no
 * audio-stop sent (no socket: the handler is fed directly). */
static void stt_streaming(void)
{
	memset(&heard, 0, sizeof(heard));
	snprintf(stt_cfg.stt_backend, sizeof(stt_cfg.stt_backend), "wyoming");
	stt_init(&st, &stt_cfg);
	stt_listen(&st, &heard_events, NULL);
	assert_ptr_equal(st.ops, &stt_wyoming);
	st.streaming = 1;
	st.wy.open = 1;
}

static void stt_feed(const char *type, const char *data)
{
	uint8_t out[512];
	struct wy_event ev;
	long n = wy_format(out, sizeof(out), type, data, NULL, 0);

	assert_true(n > 0);
	assert_int_equal(parse((const char *)out, (size_t)n, &ev), 1);
	assert_int_equal(on_event(&st.wy.w, &ev, &st), 0);
}

static void a_transcript_before_audio_stop_ends_the_utterance(void **state)
{
	int16_t pcm[320] = { 0 };

	(void)state;
	stt_streaming();
	stt_feed("transcript", "{\"text\": \" go forward ten meters \"}");
	assert_int_equal(heard.calls, 1);
	assert_int_equal(heard.e, PEER_OK);
	assert_string_equal(heard.text, "go forward ten meters");
	/* streaming has stopped: more audio goes nowhere, and a late
	 * finish starts nothing new and asks for no second answer */
	assert_false(st.wy.open);
	assert_false(st.streaming);
	stt_audio(&st, pcm, 320);
	assert_int_equal(st.wy.samples_sent, 0);
	assert_int_equal(stt_finish(&st, pcm, 320), -EALREADY);
	assert_int_equal(heard.calls, 1);
	/* the next utterance starts clean */
	stt_abort(&st);
	assert_false(st.wy.answered);
}

static void an_empty_early_transcript_is_no_speech(void **state)
{
	(void)state;
	stt_streaming();
	stt_feed("transcript", "{\"text\": \"  \"}");
	assert_int_equal(heard.calls, 1);
	assert_int_equal(heard.e, PEER_EMPTY);
}

static void streamed_chunks_are_joined(void **state)
{
	(void)state;
	stt_streaming();
	st.wy.stopped = 1; /* after audio-stop, as a streaming server does */
	stt_feed("transcript-start", "{\"language\": \"en\"}");
	stt_feed("transcript-chunk", "{\"text\": \"go\"}");
	stt_feed("transcript-chunk", "{\"text\": \" forward\"}");
	stt_feed("transcript-chunk", "{\"text\": \" ten meters\"}");
	assert_int_equal(heard.calls, 0);
	stt_feed("transcript-stop", NULL);
	assert_int_equal(heard.calls, 1);
	assert_int_equal(heard.e, PEER_OK);
	assert_string_equal(heard.text, "go forward ten meters");
}

static void the_final_transcript_wins_over_the_chunks(void **state)
{
	(void)state;
	stt_streaming();
	stt_feed("transcript-start", NULL);
	stt_feed("transcript-chunk", "{\"text\": \"go fwd\"}");
	stt_feed("transcript", "{\"text\": \"go forward\"}");
	assert_int_equal(heard.calls, 1);
	assert_string_equal(heard.text, "go forward");
}

static void a_runaway_stream_is_cut_not_grown(void **state)
{
	char chunk[300];

	(void)state;
	stt_streaming();
	stt_feed("transcript-start", NULL);
	for (int i = 0; i < 80; i++) {
		char word[40];

		memset(word, 'a' + i % 26, sizeof(word) - 1);
		word[sizeof(word) - 1] = '\0';
		snprintf(chunk, sizeof(chunk), "{\"text\": \"%s \"}", word);
		stt_feed("transcript-chunk", chunk);
	}
	assert_int_equal(st.wy.chunks_len, sizeof(st.wy.chunks) - 1);
	stt_feed("transcript-stop", NULL);
	assert_int_equal(heard.calls, 1);
	assert_int_equal(heard.e, PEER_OK);
	/* 2047 = 51 words of 40 bytes, and 7 of the next: no space to trim */
	assert_int_equal(strlen(heard.text), sizeof(st.text) - 1);
}

static void wav_headers(void **state)
{
	uint8_t h[44] = { 'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E',
			  'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0,
			  0x22, 0x56, 0, 0, 0x44, 0xac, 0, 0, 2, 0, 16, 0,
			  'd', 'a', 't', 'a', 0, 0, 0, 0 };
	unsigned rate = 0;
	size_t at = 0;

	(void)state;
	assert_int_equal(tts_wav_header(h, 44, &rate, &at, why, sizeof(why)), 0);
	assert_int_equal(rate, 22050);
	assert_int_equal(at, 44);
	assert_int_equal(tts_wav_header(h, 30, &rate, &at, why, sizeof(why)), 1);
	h[22] = 2; /* stereo */
	assert_int_equal(tts_wav_header(h, 44, &rate, &at, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "2 channels"));
	assert_int_equal(tts_wav_header((const uint8_t *)"ID3 junk... more junk", 12,
					&rate, &at, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "the reply is not a WAV file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(python_library_frames_parse),
		cmocka_unit_test(inline_data_and_block_merge),
		cmocka_unit_test(lying_and_broken_frames_are_errors),
		cmocka_unit_test(a_large_payload_comes_in_pieces),
		cmocka_unit_test(a_head_that_cannot_fit_the_window_is_an_error),
		cmocka_unit_test(format_round_trips),
		cmocka_unit_test(error_events_keep_text_and_code),
		cmocka_unit_test(a_transcript_before_audio_stop_ends_the_utterance),
		cmocka_unit_test(an_empty_early_transcript_is_no_speech),
		cmocka_unit_test(streamed_chunks_are_joined),
		cmocka_unit_test(the_final_transcript_wins_over_the_chunks),
		cmocka_unit_test(a_runaway_stream_is_cut_not_grown),
		cmocka_unit_test(wav_headers),
	};

	return cmocka_run_group_tests_name("wyoming", tests, NULL, NULL);
}
