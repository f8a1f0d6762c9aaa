// SPDX-License-Identifier: MIT
/* The voice barge-in detector (barge_in.h). */
#include "barge_in.h"

void barge_in_reset(struct barge_in *b)
{
	b->run = 0;
	b->over_bits = 0;
}

int barge_in_feed(struct barge_in *b, const struct barge_in_frame *f,
		  int need)
{
	int32_t erle = f->erle_q8;
	int over, near;

	/*
	 * Double talk: the canceller takes erle dB off the echo, so with the
	 * far end alone the output sits about erle below the input.  A voice
	 * in the room lifts the output well above that; the answer's own
	 * residue does not.  Until the canceller has learnt the room (erle
	 * small), nothing counts.  Its estimate falls as soon as someone
	 * talks over the answer: hold its recent best, letting go 1 dB a
	 * second (3/256 dB a 10 ms frame).
	 */
	b->erle_hold = erle > b->erle_hold - 3 ? erle : b->erle_hold - 3;
	erle = b->erle_hold;
	over = erle >= BARGE_IN_ERLE_Q8 &&
	       f->level_q8 >= f->mic_in_q8 - erle + BARGE_IN_MARGIN_Q8;
	b->over_bits = b->over_bits << 1 | (uint64_t)over;
	near = f->speech && over;
	/* the VAD confirms a voice some frames into it and dates its onset
	 * back: the frames of that lead-in that stood over the residue count
	 * as speech over the answer too */
	if (f->onset && f->onset_back > 0) {
		int k = f->onset_back < 63 ? f->onset_back : 63;
		int lead = __builtin_popcountll((b->over_bits >> 1) &
						((1ull << k) - 1));

		if (lead && b->run == 0)
			b->first = f->index - (uint64_t)k;
		b->run += lead;
	}
	if (near) {
		if (b->run == 0)
			b->first = f->index;
		b->run++;
	} else if (b->run > 0) {
		b->run--;
	}
	if (b->run < need)
		return 0;
	b->run = 0;
	return 1;
}
