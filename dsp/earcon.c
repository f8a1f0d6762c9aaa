// SPDX-License-Identifier: MIT
/*
 * Earcon synthesis: each note is a sine from the DDS in tone.c (Q32 phase,
 * Q15 table) under a chime envelope: a 4 ms linear attack, then a linear
 * decay to zero at the end of the note, so every note starts and ends at
 * zero amplitude (no click) and sounds struck rather than switched.  The
 * envelope is a Q15 gain computed per sample in 64-bit integers.  Notes
 * are peaks of -10 dBFS or less, and the mix into the playback saturates.
 */
#include "earcon.h"

#include "fixed.h"
#include "tone.h"

static const struct earcon_note start_notes[] = {
	{ 659, 70, 10362 }, /* E5, -10 dBFS */
	{ 880, 110, 10362 }, /* A5 */
};
static const struct earcon_note stop_notes[] = {
	{ 880, 70, 10362 },
	{ 659, 110, 10362 },
};
static const struct earcon_note error_notes[] = {
	{ 440, 130, 11627 }, /* A4, -9 dBFS */
	{ 0, 40, 0 },
	{ 349, 220, 11627 }, /* F4 */
};

static const struct {
	const struct earcon_note *notes;
	unsigned count;
} table[EARCON_COUNT] = {
	[EARCON_LISTEN_START] = { start_notes, 2 },
	[EARCON_LISTEN_STOP] = { stop_notes, 2 },
	[EARCON_ERROR] = { error_notes, 3 },
};

void earcon_init(struct earcon *ec)
{
	ec->notes = 0;
	ec->count = ec->idx = 0;
}

static void note_begin(struct earcon *ec)
{
	const struct earcon_note *nt = &ec->notes[ec->idx];

	ec->phase = 0;
	ec->step = nt->hz * 2 < ec->rate ?
			   (uint32_t)(((uint64_t)nt->hz << 32) / ec->rate) :
			   0;
	ec->n = 0;
	ec->total = (uint32_t)((uint64_t)ec->rate * nt->ms / 1000);
	ec->attack = ec->rate / 250; /* 4 ms */
	if (ec->attack * 2 > ec->total)
		ec->attack = ec->total / 2;
}

int earcon_start(struct earcon *ec, int id, unsigned rate)
{
	if (id <= EARCON_NONE || id >= EARCON_COUNT || rate == 0)
		return -1;
	ec->notes = table[id].notes;
	ec->count = table[id].count;
	ec->idx = 0;
	ec->rate = rate;
	note_begin(ec);
	return 0;
}

unsigned earcon_ms(int id)
{
	unsigned ms = 0;

	if (id <= EARCON_NONE || id >= EARCON_COUNT)
		return 0;
	for (unsigned i = 0; i < table[id].count; i++)
		ms += table[id].notes[i].ms;
	return ms;
}

int earcon_mix(struct earcon *ec, int16_t *out, int n)
{
	for (int i = 0; i < n && ec->notes; i++) {
		const struct earcon_note *nt = &ec->notes[ec->idx];
		int32_t g, v;

		if (ec->n >= ec->total) {
			if (++ec->idx >= ec->count) {
				ec->notes = 0;
				break;
			}
			note_begin(ec);
			i--;
			continue;
		}
		if (ec->n < ec->attack)
			g = (int32_t)((int64_t)nt->amp * ec->n / ec->attack);
		else
			g = (int32_t)((int64_t)nt->amp * (ec->total - ec->n) /
				      (ec->total - ec->attack));
		v = ec->step ? MULT16_16_P15(g, tone_sin(ec->phase)) : 0;
		v += out[i];
		out[i] = SATURATE16(v);
		ec->phase += ec->step;
		ec->n++;
	}
	return ec->notes != 0;
}
