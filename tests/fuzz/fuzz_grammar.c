// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the offline grammar (app/grammar.c) over any bytes as a
 * transcript, and the alarm time parser of app/timers.c over the same
 * bytes as a NUL-terminated string.  A timer match must be in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../app/grammar.h"
#include "../../app/timers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grammar_match m;
	char text[256], why[200];
	time_t due;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	if (grammar_match((const char *)data, size, &m) == GR_TIMER &&
	    (m.seconds < 1 || m.seconds > GRAMMAR_TIMER_MAX_S))
		abort();
	memcpy(text, data, n);
	text[n] = '\0';
	if (timers_parse_alarm(text, 1773153000 /* 2026-03-10 */, &due, why,
			       sizeof(why)) == 0 &&
	    due <= 1773153000)
		abort();
	return 0;
}
