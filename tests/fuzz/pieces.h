/* SPDX-License-Identifier: MIT */
/*
 * Piece sizes for the fuzz targets that play libcurl's part: a body
 * arrives in pieces of any size from 1 to 4096 bytes, and the sizes
 * follow from a seed the input gives (xorshift32), so a crash replays.
 */
#ifndef PARLEY_FUZZ_PIECES_H
#define PARLEY_FUZZ_PIECES_H

#include <stddef.h>
#include <stdint.h>

/* The next piece's size, at most left; seed must not be 0. */
static inline size_t fuzz_piece(uint32_t *seed, size_t left)
{
	size_t n;

	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	n = 1 + *seed % 4096;
	return n < left ? n : left;
}

#endif
