// SPDX-License-Identifier: MIT
/*
 * DC blocker: y[n] = x[n] - x[n-1] + a * y[n-1], the textbook one-pole,
 * one-zero high-pass (J. O. Smith, "Introduction to Digital Filters",
 * section on the DC blocker).  With a = 0.985 at 16 kHz the -3 dB corner is
 * near 38 Hz, which removes DC and handling rumble but keeps voice.
 *
 * Signals: x, y Q15 samples.  The feedback state y1 keeps 8 extra fraction
 * bits (Q23) so that the recursion has no audible limit cycle; a is Q15.
 */
#include "hpf.h"

#include "fixed.h"

#define HPF_A 32276 /* 0.985 in Q15 */
#define HPF_XBITS 8

void hpf_init(struct hpf *h)
{
	h->x1 = 0;
	h->y1 = 0;
}

void hpf_process(struct hpf *h, int16_t *pcm, int n)
{
	int16_t x1 = h->x1;
	int32_t y1 = h->y1;

	for (int i = 0; i < n; i++) {
		int16_t x = pcm[i];
		int32_t y = SHL32((int32_t)x - x1, HPF_XBITS) +
			    MULT16_32_Q15(HPF_A, y1);

		/* |y| stays below 2^16 << 8, so int32 holds it */
		y1 = y;
		x1 = x;
		pcm[i] = SATURATE16(PSHR32(y, HPF_XBITS));
	}
	h->x1 = x1;
	h->y1 = y1;
}
