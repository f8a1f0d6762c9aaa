// SPDX-License-Identifier: MIT
/*
 * Golden vectors: dsp/ stages against the outputs of the independent integer
 * models in tests/golden/gen_vectors.py (golden_dsp.h), sample for sample.
 * make cross-check runs this under qemu-aarch64 too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../dsp/hpf.h"
#include "../../dsp/level.h"
#include "../../dsp/tone.h"
#include "golden_dsp.h"

/* the same generator as gen_vectors.py's lcg_noise */
static void lcg_noise(uint32_t seed, int n, int32_t amp, int16_t *out)
{
	uint32_t x = seed;

	for (int i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		out[i] = (int16_t)((((int32_t)(x >> 16) - 32768) * amp) >> 15);
	}
}

/* the first differing index, or -1 */
static int first_diff16(const int16_t *a, const int16_t *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i]) {
			print_message("index %d: got %d, model %d\n", i, a[i],
				      b[i]);
			return i;
		}
	return -1;
}

static void hpf_matches_the_model(void **state)
{
	int16_t x[GOLDEN_N];
	struct hpf h;

	(void)state;
	lcg_noise(12345, GOLDEN_N, 30000, x);
	hpf_init(&h);
	/* in uneven blocks: the state must carry across calls */
	hpf_process(&h, x, 7);
	hpf_process(&h, x + 7, 153);
	hpf_process(&h, x + 160, GOLDEN_N - 160);
	assert_int_equal(first_diff16(x, golden_hpf_loud, GOLDEN_N), -1);

	lcg_noise(777, GOLDEN_N, 6000, x);
	for (int i = 0; i < GOLDEN_N; i++) {
		int32_t v = x[i] + (i >= GOLDEN_N / 2 ? 8000 : 2000);

		x[i] = (int16_t)(v > 32767 ? 32767 : v);
	}
	hpf_init(&h);
	hpf_process(&h, x, GOLDEN_N);
	assert_int_equal(first_diff16(x, golden_hpf_biased, GOLDEN_N), -1);
}

static void level_matches_the_model(void **state)
{
	static const uint64_t in[] = { 1, 2, 3, 1000, 4095, 4096, 65535,
				       1ull << 30, (1ull << 40) + 12345 };
	int16_t x[GOLDEN_N];
	int k = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(level_log2_q8(in[i]), golden_log2[i]);
	lcg_noise(12345, GOLDEN_N, 30000, x);
	for (int i = 0; i < GOLDEN_N; i += 160)
		assert_int_equal(level_dbfs_q8(x + i, 160), golden_level[k++]);
	lcg_noise(99, GOLDEN_N, 40, x);
	for (int i = 0; i < GOLDEN_N; i += 160)
		assert_int_equal(level_dbfs_q8(x + i, 160), golden_level[k++]);
}

static void tone_matches_the_model(void **state)
{
	int16_t out[1000];
	struct tone t;
	uint32_t n;

	(void)state;
	assert_int_equal(tone_init(&t, 1000, 16000, 30, 16384), 0);
	n = tone_fill(&t, out, 100); /* two calls: the phase carries */
	n += tone_fill(&t, out + n, 1000 - n);
	assert_int_equal(n, sizeof(golden_tone_1k) / sizeof(golden_tone_1k[0]));
	assert_int_equal(first_diff16(out, golden_tone_1k, (int)n), -1);

	assert_int_equal(tone_init(&t, 440, 48000, 20, 32767), 0);
	n = tone_fill(&t, out, 1000);
	assert_int_equal(n, sizeof(golden_tone_440) / sizeof(golden_tone_440[0]));
	assert_int_equal(first_diff16(out, golden_tone_440, (int)n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hpf_matches_the_model),
		cmocka_unit_test(level_matches_the_model),
		cmocka_unit_test(tone_matches_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
