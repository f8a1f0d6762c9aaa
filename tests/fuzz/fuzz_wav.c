// SPDX-License-Identifier: MIT
/* Fuzz target: WAV header parsing of remote TTS replies, at every length. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../app/tts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned rate;
	size_t at;
	char why[256];

	for (size_t n = 0; n <= size; n += 1 + n / 8) {
		int r = tts_wav_header(data, n, &rate, &at, why, sizeof(why));

		if (r == 0 && (at > n || rate < 8000 || rate > 96000))
			abort();
	}
	return 0;
}
