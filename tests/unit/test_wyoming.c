// SPDX-License-Identifier: MIT
/* Unit tests: app/wyoming.c framing, app/tts.c WAV headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/tts.h"
#include "../../app/wyoming.h"

static char why[200];

static long parse(const char *bytes, size_t len, struct wy_event *ev)
{
	json_arena_reset();
	return wy_parse((const uint8_t *)bytes, len, ev, why, sizeof(why));
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
	assert_int_equal(parse(f, sizeof(f) - 1, &ev), (long)first);
	assert_string_equal(ev.type, "audio-chunk");
	assert_int_equal(cJSON_GetObjectItem(ev.data, "rate")->valueint, 16000);
	assert_int_equal(ev.payload_len, 4);
	assert_memory_equal(ev.payload, "\x01\x02\x03\x04", 4);
	/* every prefix of a frame asks for more bytes */
	for (size_t n = 0; n < first; n++)
		assert_int_equal(parse(f, n, &ev), 0);
	assert_int_equal(parse(f + first, sizeof(f) - 1 - first, &ev),
			 (long)(sizeof(f) - 1 - first));
	assert_string_equal(ev.type, "audio-stop");
}

static void inline_data_and_block_merge(void **state)
{
	static const char f[] =
		"{\"type\": \"transcript\", \"data\": {\"text\": \"old\", \"language\": \"en\"}, \"data_length\": 15}\n"
		"{\"text\": \"new\"}";
	struct wy_event ev;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &ev), (long)(sizeof(f) - 1));
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
	assert_int_equal(parse("{\"type\": \"audio-chunk\", \"payload_length\": 99999999}\n", 52, &ev), -1);
	assert_non_null(strstr(why, "length outside"));
	assert_int_equal(parse("{\"type\": \"x\", \"data_length\": -5}\n", 33, &ev), -1);
	assert_int_equal(parse("[1, 2]\n", 7, &ev), -1);
	assert_int_equal(parse("{\"data\": {}}\n", 13, &ev), -1);
	assert_int_equal(parse("{\"type\": \"x\", \"data_length\": 3}\nabc", 35, &ev), -1);
	assert_non_null(strstr(why, "data block"));
	memset(big, 'a', sizeof(big));
	assert_int_equal(parse(big, sizeof(big), &ev), -1);
	assert_non_null(strstr(why, "header line longer"));
}

static void format_round_trips(void **state)
{
	uint8_t out[256];
	struct wy_event ev;
	long n = wy_format(out, sizeof(out), "synthesize", "{\"text\": \"hi\"}",
			   "\xff", 1);

	(void)state;
	assert_true(n > 0);
	assert_int_equal(parse((const char *)out, (size_t)n, &ev), n);
	assert_string_equal(ev.type, "synthesize");
	assert_string_equal(cJSON_GetObjectItem(ev.data, "text")->valuestring, "hi");
	assert_int_equal(ev.payload_len, 1);
	assert_int_equal(wy_format(out, 20, "synthesize", "{}", NULL, 0), -1);
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
		cmocka_unit_test(format_round_trips),
		cmocka_unit_test(wav_headers),
	};

	return cmocka_run_group_tests_name("wyoming", tests, NULL, NULL);
}
