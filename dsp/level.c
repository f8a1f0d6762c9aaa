// SPDX-License-Identifier: MIT
/*
 * Level in dBFS from the mean square of a frame.  log2 is the position of
 * the leading one plus a 16-segment table of log2(1 + i/16) in Q8 with
 * linear interpolation (worst error 0.004 octave, about 0.01 dB).
 * 10*log10(x) = log2(x) * 3.0103; 3.0103 is 771 in Q8.
 * Full scale for the mean square is 32768^2 = 2^30.
 */
#include "level.h"

#include "fixed.h"

static const int16_t log2_tab[17] = {
	0, 22, 44, 63, 82, 100, 118, 134, 150, 165, 179, 193, 207, 220, 232,
	244, 256,
};

int32_t level_log2_q8(uint64_t v)
{
	int k;
	uint32_t m;
	int idx, frac;

	if (v == 0)
		return -256;
	k = 63 - __builtin_clzll(v);
	/* mantissa: the 12 bits below the leading one */
	if (k >= 12)
		m = (uint32_t)(v >> (k - 12)) & 0xfff;
	else
		m = (uint32_t)(v << (12 - k)) & 0xfff;
	idx = (int)(m >> 8);
	frac = (int)(m & 0xff);
	return k * 256 + log2_tab[idx] +
	       (((log2_tab[idx + 1] - log2_tab[idx]) * frac + 128) >> 8);
}

int32_t level_dbfs_q8(const int16_t *pcm, int n)
{
	uint64_t acc = 0;
	int32_t db;

	if (n <= 0)
		return LEVEL_FLOOR_Q8;
	for (int i = 0; i < n; i++)
		acc += (uint64_t)MULT16_16(pcm[i], pcm[i]);
	acc /= (uint64_t)n;
	if (acc == 0)
		return LEVEL_FLOOR_Q8;
	/* dB(mean) - dB(2^30): (log2(mean) - 30) * 3.0103 */
	db = (int32_t)PSHR32((level_log2_q8(acc) - 30 * 256) * 771, 8);
	return db < LEVEL_FLOOR_Q8 ? LEVEL_FLOOR_Q8 : db;
}
