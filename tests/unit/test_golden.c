// SPDX-License-Identifier: MIT
/*
 * Golden vectors: dsp/ stages against the outputs of the independent integer
 * models in tests/golden/gen_vectors.py (golden_dsp.h), sample for sample:
 * high-pass, level, tone, gain, channel mix, earcons, endpointer and drift
 * (the FFT has its own in test_fft.c; the VAD and the echo canceller are
 * pinned by their own tests).
 * make cross-check runs this under qemu-aarch64 too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../dsp/drift.h"
#include "../../dsp/earcon.h"
#include "../../dsp/endpoint.h"
#include "../../dsp/gain.h"
#include "../../dsp/hpf.h"
#include "../../dsp/level.h"
#include "../../dsp/mix.h"
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

#define LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void gain_matches_the_model(void **state)
{
	static const int pct[] = { 0, 1, 10, 37, 50, 73, 99, 100, 150 };
	int16_t x[480];

	(void)state;
	for (int i = 0; i < LEN(pct); i++)
		assert_int_equal(gain_from_percent(pct[i]), golden_gain_pct[i]);
	lcg_noise(4242, 480, 32767, x);
	gain_apply_ramp(x, 160, GAIN_UNITY, 9000);
	gain_apply_ramp(x + 160, 160, 9000, 20000);
	gain_apply_ramp(x + 320, 160, 20000, 20000);
	assert_int_equal(first_diff16(x, golden_gain_ramp, 480), -1);
}

static void mix_matches_the_model(void **state)
{
	int16_t x[960], out[480];

	(void)state;
	lcg_noise(31, 960, 32767, x);
	mix_to_mono(x, 480, 2, -1, out);
	assert_int_equal(first_diff16(out, golden_mix2, 480), -1);
	mix_to_mono(x, 319, 3, -1, out);
	assert_int_equal(first_diff16(out, golden_mix3, 319), -1);
	mix_to_mono(x, 240, 4, -1, out);
	assert_int_equal(first_diff16(out, golden_mix4, 240), -1);
	/* a picked channel is that channel, and mixing may work in place */
	mix_to_mono(x, 240, 4, 2, out);
	for (int i = 0; i < 240; i++)
		assert_int_equal(out[i], x[4 * i + 2]);
	mix_to_mono(x, 480, 2, -1, x);
	assert_int_equal(first_diff16(x, golden_mix2, 480), -1);
}

static void earcon_case(int id, unsigned rate, int chunk, const int16_t *want,
			int n)
{
	int16_t x[9600];
	struct earcon ec;

	lcg_noise(5, n, 30000, x);
	earcon_init(&ec);
	assert_int_equal(earcon_start(&ec, id, rate), 0);
	/* in periods, as the audio thread mixes it: the state carries */
	for (int i = 0; i < n; i += chunk)
		earcon_mix(&ec, x + i, n - i < chunk ? n - i : chunk);
	assert_int_equal(first_diff16(x, want, n), -1);
}

static void earcons_match_the_model(void **state)
{
	(void)state;
	earcon_case(EARCON_LISTEN_START, 16000, 160, golden_earcon_start,
		    LEN(golden_earcon_start));
	earcon_case(EARCON_LISTEN_STOP, 48000, 480, golden_earcon_stop,
		    LEN(golden_earcon_stop));
	earcon_case(EARCON_ERROR, 16000, 100, golden_earcon_error,
		    LEN(golden_earcon_error));
}

/* gen_vectors.py's vad_script: the same decisions, frame by frame */
static void vad_script(uint32_t seed, int n, struct vad_result *r)
{
	int16_t v[400];
	int speech = 0, run = 0, hang = 0, lead = 0;

	lcg_noise(seed, n, 32767, v);
	for (int i = 0; i < n; i++) {
		int talking = i >= 40 && i < 160;
		int raw = talking ? v[i] > -24000 : v[i] > 26000;
		int onset = 0, back = 0;

		run = raw ? run + 1 : 0;
		lead = v[i] > -30000 ? lead + 1 : 0;
		if (raw && speech) {
			hang = 8;
		} else if (raw && run >= 3) {
			speech = 1;
			hang = 8;
			onset = 1;
			back = lead - 1 < 12 ? lead - 1 : 12;
			if (back < run - 1)
				back = run - 1;
		} else if (speech && !raw) {
			if (hang == 0)
				speech = 0;
			else
				hang--;
		}
		r[i] = (struct vad_result){ .raw = (uint8_t)raw,
					    .speech = (uint8_t)speech,
					    .onset = (uint8_t)onset,
					    .onset_back = back };
	}
}

static void endpoint_matches_the_model(void **state)
{
	const struct endpoint_config cfg = { 30, 300, 100, 20, 5 };
	struct vad_result r[400];
	struct endpoint ep;
	int32_t b, e;
	int i = 0, ev = EP_CONTINUE;

	(void)state;
	vad_script(2024, 400, r);
	endpoint_start(&ep, &cfg);
	while (ev == EP_CONTINUE && i < 400) {
		ev = endpoint_feed(&ep, &r[i]);
		assert_int_equal(ev, golden_ep_events[i]);
		i++;
	}
	assert_int_equal(i, LEN(golden_ep_events));
	assert_int_equal(endpoint_span(&ep, &b, &e), 0);
	assert_int_equal(b, golden_ep_span[0]);
	assert_int_equal(e, golden_ep_span[1]);
}

static void drift_matches_the_model(void **state)
{
	int16_t jitter[1500], x[160], out[161];
	struct drift d;
	int32_t owed = 0;

	(void)state;
	lcg_noise(88, 1500, 12, jitter);
	drift_init(&d, 480, 100);
	for (int k = 0; k < 1500; k++) {
		int r = drift_update(&d, 480 - k / 7 + owed + jitter[k]);

		assert_int_equal(r, golden_drift_step[k]);
		assert_int_equal(drift_ppm(&d), golden_drift_ppm[k]);
		owed += r;
	}
	lcg_noise(606, 160, 20000, x);
	assert_int_equal(drift_stretch(x, 160, 1, out), 161);
	assert_int_equal(first_diff16(out, golden_stretch_in, 161), -1);
	assert_int_equal(drift_stretch(x, 160, -1, out), 159);
	assert_int_equal(first_diff16(out, golden_stretch_out, 159), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hpf_matches_the_model),
		cmocka_unit_test(level_matches_the_model),
		cmocka_unit_test(tone_matches_the_model),
		cmocka_unit_test(gain_matches_the_model),
		cmocka_unit_test(mix_matches_the_model),
		cmocka_unit_test(earcons_match_the_model),
		cmocka_unit_test(endpoint_matches_the_model),
		cmocka_unit_test(drift_matches_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
