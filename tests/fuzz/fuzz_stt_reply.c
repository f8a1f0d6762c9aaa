// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the reply of an OpenAI-compatible speech-to-text server
 * (stt_openai.c, included to reach on_data), as libcurl hands it over: in
 * pieces of any size, up to and past PARLEY_HTTP_BODY_MAX, then parsed by
 * stt_parse_reply with any status.
 *
 * Input: byte 0 picks the status (even: 200) and seeds the piece sizes;
 * the rest is the body.  Checked: a body over the cap is refused, never
 * kept in part; a status other than 200 is always PEER_HTTP and says so;
 * a transcript is only ever taken from a JSON object's "text" string, is
 * not empty, fits, and carries no space at either end.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pieces.h"
#include "../../app/stt_openai.c"

static struct stt s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 500, 503 };
	uint32_t seed;
	long status;
	size_t pos = 1, fed = 0;
	int refused = 0;
	char why[320];
	enum peer_error e;
	cJSON *j, *t;

	if (size < 1)
		return 0;
	json_arena_install();
	status = data[0] & 1 ? statuses[1 + (data[0] >> 1) % 3] : 200;
	seed = data[0] * 2654435761u + 1;
	s.http.body_len = 0;
	s.http.overflow = 0;
	s.http.body[0] = '\0';
	while (pos < size && !refused) {
		size_t n = fuzz_piece(&seed, size - pos);

		refused = on_data(&s, (const char *)data + pos, n);
		if (!refused)
			fed += n;
		pos += n;
	}
	if (refused != (size - 1 > PARLEY_HTTP_BODY_MAX) ||
	    s.http.overflow != refused || s.http.body_len != fed ||
	    s.http.body_len > PARLEY_HTTP_BODY_MAX)
		abort();
	if (refused)
		return 0; /* on_done reports the overflow; nothing is parsed */
	e = stt_parse_reply(&s, status, why, sizeof(why));
	if (status != 200) {
		if (e != PEER_HTTP || strncmp(why, "HTTP ", 5))
			abort();
		return 0;
	}
	if (e != PEER_OK)
		return 0;
	/* a transcript: the body was an object with a string "text" */
	json_arena_reset();
	j = cJSON_ParseWithLength(s.http.body, s.http.body_len);
	t = cJSON_GetObjectItemCaseSensitive(j, "text");
	if (!cJSON_IsObject(j) || !cJSON_IsString(t))
		abort();
	size_t n = strlen(s.text);

	if (!n || n >= sizeof(s.text) || isspace((unsigned char)s.text[0]) ||
	    isspace((unsigned char)s.text[n - 1]) ||
	    !strstr(t->valuestring, s.text))
		abort();
	return 0;
}
