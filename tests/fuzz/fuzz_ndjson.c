// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the LLM reply path.  The first byte picks the protocol
 * (Ollama NDJSON or OpenAI SSE) and the second the chunk size the bytes
 * arrive in; every complete line goes to the protocol's line handler.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/llm_stream.h"

static struct llm_stream s;
static struct ndjson nd;

static int on_token(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	return len > 0 && text[0] == '\x7f'; /* sometimes stop, as a listener may */
}

static void on_done(void *ctx, enum peer_error e, const char *detail)
{
	(void)ctx;
	(void)e;
	(void)detail;
}

static int on_tool_call(void *ctx, const char *id, const char *name,
			const char *args)
{
	(void)ctx;
	(void)id;
	return name[0] == '\x7f' || (args && args[0] == '\x7f');
}

static const struct llm_events ev = { .on_token = on_token,
				       .on_done = on_done,
				       .on_tool_call = on_tool_call };

static int line(char *text, size_t len, void *ctx)
{
	int r = s.proto->line(&s, text, len);

	(void)ctx;
	return r < 0 ? r : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[4] = { 64, 512, 4096, PARLEY_LINE_MAX };
	size_t chunk;

	if (size < 2)
		return 0;
	json_arena_install();
	memset(&s, 0, sizeof(s));
#ifdef FUZZ_SSE
	s.proto = &llm_openai;
#else
	s.proto = data[0] & 1 ? &llm_openai : &llm_ollama;
#endif
	s.ev = &ev;
	chunk = (size_t)data[1] % 64 + 1;
	ndjson_init(&nd, caps[data[0] >> 6]);
	data += 2;
	size -= 2;
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (ndjson_feed(&nd, (const char *)data + off, n, line, NULL))
			break;
	}
	return 0;
}
