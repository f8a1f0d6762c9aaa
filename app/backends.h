/* SPDX-License-Identifier: MIT */
/*
 * The backends together: the three registries (stt.h, tts.h,
 * llm_stream.h) asked as one, for what concerns them all.
 */
#ifndef PARLEY_APP_BACKENDS_H
#define PARLEY_APP_BACKENDS_H

#include <stdio.h>

#include "config.h"

/*
 * The configuration rule (config_add_rule): each chosen backend's URL has
 * the scheme that backend speaks (Wyoming: tcp://HOST:PORT; HTTP
 * backends: http:// or https://), and no URL, used or not, has another
 * scheme.  0, or -1 with why naming the keys.
 */
int backends_url_rule(const struct parley_config *cfg, char *why,
		      size_t whylen);
/* "stt backends: openai whispercpp wyoming" and the others, for -V. */
void backends_list(FILE *f);

#endif
