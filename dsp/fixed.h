/* SPDX-License-Identifier: MIT */
/*
 * Fixed-point arithmetic helpers, named by operand width and Q format.
 *
 * Every DSP file in dsp/ does its arithmetic through these macros so that a
 * debug build could check for overflow under the same names.  All of them
 * are integer-only, and constants are written as integers with their real
 * value in a comment, so no float literal appears in dsp/.  Right shifts of
 * negative values rely on arithmetic shift,
 * which gcc and clang guarantee on every target we build for.
 */
#ifndef PARLEY_DSP_FIXED_H
#define PARLEY_DSP_FIXED_H

#include <stdint.h>

#define SHR32(a, s) ((int32_t)(a) >> (s))
#define SHL32(a, s) ((int32_t)((uint32_t)(a) << (s)))
#define PSHR32(a, s) (SHR32((int32_t)(a) + (((int32_t)1 << (s)) >> 1), s))
#define SHR64(a, s) ((int64_t)(a) >> (s))
#define PSHR64(a, s) (SHR64((int64_t)(a) + (((int64_t)1 << (s)) >> 1), s))

#define SATURATE16(x) \
	((int16_t)((x) > 32767 ? 32767 : ((x) < -32768 ? -32768 : (x))))

/* 16x16 -> 32 product */
#define MULT16_16(a, b) ((int32_t)(int16_t)(a) * (int32_t)(int16_t)(b))
/* Q15 x Q15 -> Q15, rounded */
#define MULT16_16_P15(a, b) PSHR32(MULT16_16(a, b), 15)
/* Q15 x Q15 -> Q15, truncated */
#define MULT16_16_Q15(a, b) SHR32(MULT16_16(a, b), 15)
/* Q15 coefficient x 32-bit value -> 32-bit, through 64 bits */
#define MULT16_32_Q15(a, b) ((int32_t)SHR64((int64_t)(int16_t)(a) * (b), 15))

#endif
