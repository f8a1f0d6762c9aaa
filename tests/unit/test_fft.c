// SPDX-License-Identifier: MIT
/*
 * Unit tests: dsp/fft.c.  Bit-exact against tests/golden/fft_golden.h,
 * which tests/golden/fft_model.py (an independent Python integer model of
 * the documented arithmetic) generates; and accurate against a
 * double-precision DFT computed here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "../../dsp/fft.h"
#include "../golden/fft_golden.h"

static void forward_matches_the_model_bit_for_bit(void **state)
{
	int32_t spec[2 * FFT_BINS];

	(void)state;
	for (int v = 0; v < GOLDEN_FFT_VECTORS; v++) {
		int e = fft_fwd(golden_in[v], spec);

		assert_int_equal(e, golden_fwd_exps[v]);
		assert_memory_equal(spec, golden_fwd[v], sizeof(spec));
	}
}

static void inverse_matches_the_model_bit_for_bit(void **state)
{
	int32_t out[FFT_N];

	(void)state;
	for (int v = 0; v < GOLDEN_FFT_VECTORS; v++) {
		int e = fft_inv(golden_fwd[v], out);

		assert_int_equal(e, golden_inv_exps[v]);
		assert_memory_equal(out, golden_inv[v], sizeof(out));
	}
	assert_int_equal(fft_inv(golden_spec_in, out), golden_spec_exp);
	assert_memory_equal(out, golden_spec_out, sizeof(out));
}

static uint32_t seed = 99;

static int32_t rnd(int32_t amp)
{
	seed = seed * 1664525u + 1013904223u;
	return (int32_t)((seed >> 8) % (uint32_t)(2 * amp + 1)) - amp;
}

/* SNR in dB of the fixed-point forward transform against a double DFT */
static double fwd_snr(const int32_t *x)
{
	int32_t spec[2 * FFT_BINS];
	int e = fft_fwd(x, spec);
	double err = 0, ref = 0;

	for (int k = 0; k < FFT_BINS; k++) {
		double re = 0, im = 0;

		for (int n = 0; n < FFT_N; n++) {
			re += x[n] * cos(2 * M_PI * k * n / FFT_N);
			im -= x[n] * sin(2 * M_PI * k * n / FFT_N);
		}
		double gr = ldexp(spec[2 * k], e), gi = ldexp(spec[2 * k + 1], e);

		err += (gr - re) * (gr - re) + (gi - im) * (gi - im);
		ref += re * re + im * im;
	}
	return 10 * log10(ref / err);
}

static void forward_is_accurate(void **state)
{
	int32_t x[FFT_N];

	(void)state;
	for (int amp = 100; amp <= 32767; amp *= 4) {
		for (int n = 0; n < FFT_N; n++)
			x[n] = rnd(amp);
		assert_true(fwd_snr(x) > 70);
	}
	/* a pure tone between bins: energy concentrated, still accurate */
	for (int n = 0; n < FFT_N; n++)
		x[n] = (int32_t)lrint(30000 * sin(2 * M_PI * 40.5 * n / FFT_N));
	assert_true(fwd_snr(x) > 70);
}

static void inverse_undoes_forward(void **state)
{
	int32_t x[FFT_N], spec[2 * FFT_BINS], y[FFT_N];

	(void)state;
	for (int n = 0; n < FFT_N; n++)
		x[n] = rnd(20000);
	int e1 = fft_fwd(x, spec);
	int e2 = fft_inv(spec, y);
	double err = 0, ref = 0;

	for (int n = 0; n < FFT_N; n++) {
		double d = ldexp(y[n], e1 + e2) - x[n];

		err += d * d;
		ref += (double)x[n] * x[n];
	}
	assert_true(10 * log10(ref / err) > 65);
}

static void inverse_is_accurate(void **state)
{
	int32_t spec[2 * FFT_BINS], y[FFT_N];
	double err = 0, ref = 0;

	(void)state;
	for (int i = 0; i < 2 * FFT_BINS; i++)
		spec[i] = rnd(1 << 20);
	int e = fft_inv(spec, y);

	for (int n = 0; n < FFT_N; n++) {
		double v = spec[0] + spec[2 * (FFT_BINS - 1)] * (n & 1 ? -1 : 1);

		for (int k = 1; k < FFT_BINS - 1; k++)
			v += 2 * (spec[2 * k] * cos(2 * M_PI * k * n / FFT_N) -
				  spec[2 * k + 1] * sin(2 * M_PI * k * n / FFT_N));
		v /= FFT_N;
		err += (ldexp(y[n], e) - v) * (ldexp(y[n], e) - v);
		ref += v * v;
	}
	assert_true(10 * log10(ref / err) > 65);
}

static void scale_saturates(void **state)
{
	(void)state;
	assert_int_equal(fft_scale(3, 2), 12);
	assert_int_equal(fft_scale(-12, -2), -3);
	assert_int_equal(fft_scale(1 << 30, 4), INT32_MAX);
	assert_int_equal(fft_scale(-(1 << 30), 4), INT32_MIN);
	assert_int_equal(fft_scale(-5, -40), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forward_matches_the_model_bit_for_bit),
		cmocka_unit_test(inverse_matches_the_model_bit_for_bit),
		cmocka_unit_test(forward_is_accurate),
		cmocka_unit_test(inverse_undoes_forward),
		cmocka_unit_test(inverse_is_accurate),
		cmocka_unit_test(scale_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
