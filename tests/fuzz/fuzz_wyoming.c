// SPDX-License-Identifier: MIT
/*
 * Fuzz target: Wyoming framing.  Frames are parsed one after another as
 * the client does; a frame may never claim more bytes than it has.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../app/json_arena.h"
#include "../../app/wyoming.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	size_t off = 0;

	json_arena_install();
	while (off < size) {
		struct wy_event ev;
		long n;

		json_arena_reset();
		n = wy_parse(data + off, size - off, &ev, why, sizeof(why));
		if (n <= 0)
			break;
		if ((size_t)n > size - off || !ev.type || !ev.data ||
		    ev.payload_len > WY_PAYLOAD_MAX)
			abort();
		off += (size_t)n;
	}
	return 0;
}
