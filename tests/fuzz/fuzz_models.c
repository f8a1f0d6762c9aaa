// SPDX-License-Identifier: MIT
/*
 * Fuzz target: a peer's model list (probe.c): probe_count_models on any
 * body up to PROBE_BODY_MAX, under Ollama's keys ("models"/"name") and
 * OpenAI's ("data"/"id"), then probe_models_hold.
 *
 * Input: byte 0 picks the keys; the bytes after the first NUL (if any)
 * are the wanted model, the rest is the body.  Checked: the kept list
 * holds whole names only, no more than were counted, within its buffer;
 * every kept name is held, and a wanted name is held only if it or its
 * ":latest" form is kept (the match rule, walked here independently).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/json_arena.h"
#include "../../app/probe.h"

static struct probe pr;

/* Does the list hold wanted, by the rule probe.h states, line by line? */
static int held(const char *list, const char *wanted)
{
	size_t w = strlen(wanted);

	while (*list) {
		size_t n = strcspn(list, "\n");

		if ((n == w && !memcmp(list, wanted, n)) ||
		    (!strchr(wanted, ':') && n == w + 7 &&
		     !memcmp(list, wanted, w) && !memcmp(list + w, ":latest", 7)))
			return 1;
		list += n + (list[n] == '\n');
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul;
	char wanted[CONFIG_STR_MAX];
	size_t body, lines = 0;
	int n, ollama;

	if (size < 1)
		return 0;
	json_arena_install();
	ollama = data[0] & 1;
	data++;
	size--;
	nul = memchr(data, 0, size);
	body = nul ? (size_t)(nul - data) : size;
	if (body > PROBE_BODY_MAX)
		body = PROBE_BODY_MAX;
	memcpy(pr.body, data, body);
	pr.body[body] = '\0';
	pr.len = body;
	wanted[0] = '\0';
	if (nul) {
		size_t w = size - body - 1;

		if (w >= sizeof(wanted))
			w = sizeof(wanted) - 1;
		memcpy(wanted, nul + 1, w);
		wanted[w] = '\0';
		wanted[strcspn(wanted, "\n")] = '\0'; /* config values are lines */
	}
	n = ollama ? probe_count_models(&pr, "models", "name") :
		     probe_count_models(&pr, "data", "id");
	if (strnlen(pr.models, sizeof(pr.models)) >= sizeof(pr.models))
		abort();
	for (const char *p = pr.models; *p; p++) {
		if (*p == '\n')
			lines++;
	}
	if (n < 0 ? pr.models[0] != '\0' : lines > (size_t)n)
		abort();
	/* whole names only: the list is empty or ends a line */
	if (pr.models[0] && pr.models[strlen(pr.models) - 1] != '\n')
		abort();
	for (const char *p = pr.models; *p;) {
		char name[CONFIG_STR_MAX];
		size_t k = strcspn(p, "\n");

		if (k < sizeof(name) && !memchr(p, '\0', k)) {
			memcpy(name, p, k);
			name[k] = '\0';
			if (!probe_models_hold(pr.models, name))
				abort();
		}
		p += k + (p[k] == '\n');
	}
	if (wanted[0] && probe_models_hold(pr.models, wanted) !=
				 held(pr.models, wanted))
		abort();
	return 0;
}
