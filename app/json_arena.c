// SPDX-License-Identifier: MIT
/*
 * Bump allocator for cJSON.  Only the control thread parses or builds JSON,
 * and it resets the arena before each message, so free() has nothing to do.
 */
#include "json_arena.h"

#include <cjson/cJSON.h>
#include <stdint.h>

#include "../dsp/sizes.h"

static _Alignas(16) unsigned char arena[PARLEY_JSON_ARENA];
static size_t used, high;

static void *arena_malloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;

	if (need < n || need > sizeof(arena) - used)
		return NULL;
	void *p = arena + used;

	used += need;
	if (used > high)
		high = used;
	return p;
}

static void arena_free(void *p)
{
	(void)p;
}

void json_arena_install(void)
{
	cJSON_Hooks h = { arena_malloc, arena_free };

	cJSON_InitHooks(&h);
}

void json_arena_reset(void)
{
	used = 0;
}

size_t json_arena_used(void)
{
	return used;
}

size_t json_arena_high_water(void)
{
	return high;
}
