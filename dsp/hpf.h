/* SPDX-License-Identifier: MIT */
/*
 * DC removal: a first-order high-pass filter in fixed point.
 */
#ifndef PARLEY_DSP_HPF_H
#define PARLEY_DSP_HPF_H

#include <stdint.h>

struct hpf {
	int16_t x1; /* previous input, Q15 */
	int32_t y1; /* previous output, Q15 with 8 extra fraction bits */
};

void hpf_init(struct hpf *h);
/* Filters n samples in place. */
void hpf_process(struct hpf *h, int16_t *pcm, int n);

#endif
