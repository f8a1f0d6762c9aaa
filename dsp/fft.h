/* SPDX-License-Identifier: MIT */
/*
 * Fixed-point real FFT of FFT_N = 256 samples, integer only.
 *
 * The 256 real samples are packed as 128 complex ones (even samples real,
 * odd samples imaginary), transformed by a radix-2 decimation-in-time
 * 128-point complex FFT, and split into the 129 bins of the real spectrum
 * (the textbook "two for one" real FFT, e.g. Oppenheim & Schafer, or
 * Sorensen et al. 1987).  Twiddles are Q15 from dsp/fft_table.h.
 *
 * Scaling is block floating point: the input block is shifted so that its
 * largest magnitude lies in [2^22, 2^23), every butterfly stage halves its
 * outputs (so nothing can overflow 32 bits), and the function returns the
 * exponent that maps the result back to true units.  Products are 32x16 in
 * 64 bits, rounded half up, then shifted (the twiddles 1 and -+j are
 * applied exactly, without a product); all other shifts truncate
 * (arithmetic shift right).  tests/golden/fft_model.py is an independent
 * Python model of exactly this arithmetic.
 *
 * Spectra are interleaved: re[0], im[0], re[1], im[1], ... re[128], im[128].
 */
#ifndef PARLEY_DSP_FFT_H
#define PARLEY_DSP_FFT_H

#include <stdint.h>

#define FFT_N 256
#define FFT_BINS (FFT_N / 2 + 1) /* 129 */

/*
 * Forward transform of FFT_N real samples.  Returns e such that
 * spec * 2^e = DFT(in) (the unnormalised sum  X[k] = sum x[n] e^-j2pikn/N).
 * Inputs may use the whole int32 range except INT32_MIN.
 */
int fft_fwd(const int32_t *in, int32_t *spec);

/*
 * Inverse transform of FFT_BINS bins (the imaginary parts of bins 0 and 128
 * are ignored).  Returns e such that out * 2^e = IDFT(spec), with the 1/N
 * factor included, so fft_inv(fft_fwd(x)) gives x back up to rounding.
 */
int fft_inv(const int32_t *spec, int32_t *out);

/* v shifted left by e (e > 0) or right by -e (truncating), saturated. */
int32_t fft_scale(int32_t v, int e);

#endif
