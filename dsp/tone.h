/* SPDX-License-Identifier: MIT */
/*
 * Test tone: a fixed-point sine oscillator with raised ramps at both ends,
 * so it starts and stops without a click.
 */
#ifndef PARLEY_DSP_TONE_H
#define PARLEY_DSP_TONE_H

#include <stdint.h>

struct tone {
	uint32_t phase; /* Q32 turns */
	uint32_t step; /* phase increment per sample */
	int16_t amp; /* Q15 peak */
	uint32_t n, total; /* samples done, samples in all */
	uint32_t ramp; /* samples in each ramp */
};

/* hz at rate for ms, peak amp (Q15).  Returns 0, or -1 if hz >= rate/2. */
int tone_init(struct tone *t, unsigned hz, unsigned rate, unsigned ms,
	      int16_t amp);
/* Fills up to n samples; returns how many (0 when the tone is over). */
uint32_t tone_fill(struct tone *t, int16_t *out, uint32_t n);
/* sin(2 pi x) for x a Q32 phase, in Q15. */
int16_t tone_sin(uint32_t phase);

#endif
