// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the device tools' arguments (tools.c), as a model sends
 * them: any tool name, any JSON text, several calls in a row against one
 * store (remember, then recall or forget what was remembered).
 *
 * Input: calls separated by NUL bytes; a call's first byte picks the tool
 * (one value past the table: a name no tool has), the rest is its
 * arguments.  Checked: a call answers 0 or -1, and -1 exactly when the
 * result starts "error: "; the result is a C string within its buffer
 * with no control characters (the model reads it, and may repeat it
 * aloud); the volume stays 0..100 and the timers within their table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/device.h"
#include "../../app/json_arena.h"
#include "../../app/log.h"
#include "../../app/tools.h"

#define CALLS_MAX 8

static const struct config_live live; /* no hooks: nothing to apply */

static void check(int r, const char *out, size_t len)
{
	size_t n = strnlen(out, len);

	if (n >= len || (r != 0 && r != -1) ||
	    (r == -1) != !strncmp(out, "error: ", 7))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parley_config cfg;
	static struct synth synth; /* never started: nothing rings here */
	static char args[65536 + 1];
	char out[PARLEY_TOOL_RESULT_MAX], err[256];
	struct timers ts;
	struct timers_deps td = { .synth = &synth, .cfg = &cfg };
	struct device d;
	size_t ntools = 0, pos = 0;

	log_set_level(LOG_ERR); /* the tools log every call */
	json_arena_install();
	config_defaults(&cfg);
	td.store = store_open(":memory:", err, sizeof(err));
	if (!td.store)
		abort();
	timers_init(&ts, &td);
	d = (struct device){ .cfg = &cfg, .live = &live, .timers = &ts,
			     .store = td.store };
	while (tools[ntools].name)
		ntools++;
	for (int call = 0; call < CALLS_MAX && pos < size; call++) {
		const uint8_t *end = memchr(data + pos, 0, size - pos);
		size_t n = end ? (size_t)(end - data) - pos : size - pos;
		size_t pick;
		int r;

		if (!n) {
			pos++;
			continue;
		}
		pick = data[pos] % (ntools + 1);
		if (n - 1 >= sizeof(args))
			n = sizeof(args);
		memcpy(args, data + pos + 1, n - 1);
		args[n - 1] = '\0';
		r = tools_run(&d, pick < ntools ? tools[pick].name : "no_such_tool",
			      args, out, sizeof(out));
		check(r, out, sizeof(out));
		if (cfg.volume < 0 || cfg.volume > 100 || ts.n < 0 ||
		    ts.n > PARLEY_TIMERS_MAX)
			abort();
		pos += n + 1;
	}
	timers_stop(&ts);
	store_close(td.store);
	return 0;
}
