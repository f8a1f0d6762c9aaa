/* SPDX-License-Identifier: MIT */
/*
 * Frame level meter: mean-square energy in dBFS, integer log.
 */
#ifndef PARLEY_DSP_LEVEL_H
#define PARLEY_DSP_LEVEL_H

#include <stdint.h>

/* Quietest level reported, in dBFS Q8 (-100 dBFS); digital silence maps here. */
#define LEVEL_FLOOR_Q8 (-100 * 256)

/* log2(v) in Q8 for v > 0; -1 << 8 for v == 0. */
int32_t level_log2_q8(uint64_t v);
/* Mean-square level of n samples, dBFS Q8 (a full-scale square wave is 0). */
int32_t level_dbfs_q8(const int16_t *pcm, int n);

#endif
