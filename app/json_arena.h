/* SPDX-License-Identifier: MIT */
/*
 * cJSON's allocator: a bump arena in a static buffer, reset per message.
 * A document that does not fit is a parse failure, never growth.
 */
#ifndef PARLEY_APP_JSON_ARENA_H
#define PARLEY_APP_JSON_ARENA_H

#include <stddef.h>

/* Installs the arena as cJSON's allocator (once, at start-up). */
void json_arena_install(void);
/* Frees everything allocated since the last reset.  Control thread only. */
void json_arena_reset(void);
/* Bytes in use now, and the most ever used. */
size_t json_arena_used(void);
size_t json_arena_high_water(void);

#endif
