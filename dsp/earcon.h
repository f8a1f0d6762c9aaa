/* SPDX-License-Identifier: MIT */
/*
 * Earcons: short, soft chimes that say "listening", "done listening" and
 * "something went wrong", synthesised in fixed point at the playback rate
 * and mixed over whatever is playing.
 */
#ifndef PARLEY_DSP_EARCON_H
#define PARLEY_DSP_EARCON_H

#include <stdint.h>

enum earcon_id {
	EARCON_NONE,
	EARCON_LISTEN_START, /* rising fourth, E5 -> A5 */
	EARCON_LISTEN_STOP, /* falling fourth, A5 -> E5 */
	EARCON_ERROR, /* two low falling notes, A4 -> F4 */
	EARCON_COUNT,
};

struct earcon_note {
	uint16_t hz; /* 0 for a rest */
	uint16_t ms;
	int16_t amp; /* Q15 peak */
};

struct earcon {
	const struct earcon_note *notes; /* NULL when idle */
	unsigned count, idx;
	unsigned rate;
	uint32_t phase, step; /* Q32 turns */
	uint32_t n, total, attack; /* samples into the note, in it, rising */
};

void earcon_init(struct earcon *ec);
/* Starts earcon id at rate Hz.  Returns 0, or -1 for an unknown id. */
int earcon_start(struct earcon *ec, int id, unsigned rate);
/* Adds the next n samples into out, saturating.  Returns 1 while active. */
int earcon_mix(struct earcon *ec, int16_t *out, int n);
/* Total length of earcon id in milliseconds (0 if unknown). */
unsigned earcon_ms(int id);

#endif
