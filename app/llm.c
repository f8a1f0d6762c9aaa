// SPDX-License-Identifier: MIT
/* Names of peer errors, for logs and the console. */
#include "llm.h"

const char *peer_error_name(enum peer_error e)
{
	static const char *const names[] = {
		[PEER_OK] = "ok",
		[PEER_UNREACHABLE] = "unreachable",
		[PEER_TIMEOUT] = "timeout",
		[PEER_MODEL_MISSING] = "model missing",
		[PEER_HTTP] = "http error",
		[PEER_PROTOCOL] = "bad reply",
		[PEER_REMOTE] = "remote error",
		[PEER_EMPTY] = "empty reply",
	};

	if ((unsigned)e >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[e];
}
