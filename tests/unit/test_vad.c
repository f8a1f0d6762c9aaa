// SPDX-License-Identifier: MIT
/* Unit tests: dsp/level.c, dsp/hpf.c, dsp/vad.c, dsp/endpoint.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../dsp/endpoint.h"
#include "../../dsp/hpf.h"
#include "../../dsp/level.h"
#include "../../dsp/sizes.h"
#include "../../dsp/vad.h"

static uint32_t seed = 12345;

/* Deterministic white noise, uniform in [-amp, amp]. */
static int16_t noise(int amp)
{
	seed = seed * 1664525u + 1013904223u;
	return (int16_t)((int32_t)(seed >> 16) % (2 * amp + 1) - amp);
}

static void tone(int16_t *pcm, int n, double amp, double hz, long *phase)
{
	for (int i = 0; i < n; i++, (*phase)++)
		pcm[i] = (int16_t)lrint(amp * sin(2 * M_PI * hz * (double)*phase /
						  PARLEY_RATE));
}

static void level_matches_the_formula(void **state)
{
	int16_t pcm[PARLEY_FRAME];
	long ph = 0;

	(void)state;
	/* a sine of peak A has mean square A^2/2 */
	for (double db = -60; db <= -1; db += 7) {
		double amp = 32768.0 * pow(10, db / 20);
		double expect = 10 * log10(amp * amp / 2 / 1073741824.0);

		tone(pcm, PARLEY_FRAME, amp, 1000, &ph);
		double got = level_dbfs_q8(pcm, PARLEY_FRAME) / 256.0;

		assert_true(fabs(got - expect) < 0.1);
	}
	memset(pcm, 0, sizeof(pcm));
	assert_int_equal(level_dbfs_q8(pcm, PARLEY_FRAME), LEVEL_FLOOR_Q8);
	for (uint64_t v = 1; v < (1ull << 40); v = v * 3 + 1)
		assert_true(fabs(level_log2_q8(v) / 256.0 - log2((double)v)) <
			    0.01);
}

static void hpf_removes_dc_and_keeps_voice(void **state)
{
	static int16_t pcm[PARLEY_RATE];
	struct hpf h;
	long ph = 0;
	double e_in = 0, e_out = 0;

	(void)state;
	hpf_init(&h);
	for (int i = 0; i < PARLEY_RATE; i++)
		pcm[i] = 8000; /* DC */
	hpf_process(&h, pcm, PARLEY_RATE);
	for (int i = PARLEY_RATE / 2; i < PARLEY_RATE; i++)
		assert_true(abs(pcm[i]) <= 1);

	hpf_init(&h);
	tone(pcm, PARLEY_RATE, 10000, 300, &ph);
	for (int i = PARLEY_RATE / 2; i < PARLEY_RATE; i++)
		e_in += (double)pcm[i] * pcm[i];
	hpf_process(&h, pcm, PARLEY_RATE);
	for (int i = PARLEY_RATE / 2; i < PARLEY_RATE; i++)
		e_out += (double)pcm[i] * pcm[i];
	/* 300 Hz passes within 0.2 dB */
	assert_true(fabs(10 * log10(e_out / e_in)) < 0.2);
}

struct run {
	int first_speech; /* frame of onset, or -1 */
	int last_speech; /* last frame with speech set */
	int speech_frames;
};

/* noise for lead frames, a tone for burst frames, noise for tail frames */
static struct run run_vad(const struct vad_config *cfg, int lead, int burst,
			  int tail, double tone_amp, int noise_amp)
{
	struct vad v;
	struct vad_result r;
	struct run out = { -1, -1, 0 };
	int16_t pcm[PARLEY_FRAME];
	long ph = 0;

	vad_init(&v, cfg);
	for (int f = 0; f < lead + burst + tail; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++)
			pcm[i] = noise(noise_amp);
		if (f >= lead && f < lead + burst) {
			int16_t t[PARLEY_FRAME];

			tone(t, PARLEY_FRAME, tone_amp, 440, &ph);
			for (int i = 0; i < PARLEY_FRAME; i++)
				pcm[i] = (int16_t)(pcm[i] + t[i]);
		}
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		if (r.onset && out.first_speech < 0)
			out.first_speech = f;
		if (r.speech) {
			out.last_speech = f;
			out.speech_frames++;
		}
	}
	return out;
}

static void vad_finds_a_burst_over_noise(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* noise near -50 dBFS, tone near -20 dBFS: 30 dB above the floor */
	r = run_vad(&cfg, 100, 100, 100, 4000, 180);
	/* onset after onset_frames of the burst */
	assert_int_equal(r.first_speech, 100 + cfg.onset_frames - 1);
	/* released hangover_frames after the burst ends */
	assert_int_equal(r.last_speech, 199 + cfg.hangover_frames);
	assert_int_equal(r.speech_frames,
			 100 - (cfg.onset_frames - 1) + cfg.hangover_frames);
}

static void vad_ignores_steady_noise(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* loud steady noise (-25 dBFS) with no burst: the floor learns it */
	r = run_vad(&cfg, 300, 0, 0, 0, 5000);
	assert_int_equal(r.speech_frames, 0);
	/* a burst only 4 dB over the noise is not speech */
	r = run_vad(&cfg, 100, 50, 50, 2500, 5000);
	assert_int_equal(r.speech_frames, 0);
}

static void vad_needs_absolute_level(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* digital near-silence, then a burst at -66 dBFS: under min_level */
	r = run_vad(&cfg, 100, 100, 50, 23, 1);
	assert_int_equal(r.speech_frames, 0);
}

static void feed(struct endpoint *ep, int raw, int speech, int onset,
		 enum endpoint_event *ev)
{
	struct vad_result r = { 0 };

	r.raw = (uint8_t)raw;
	r.speech = (uint8_t)speech;
	r.onset = (uint8_t)onset;
	*ev = endpoint_feed(ep, &r, 3);
}

static void endpoint_ends_after_silence(void **state)
{
	struct endpoint_config cfg = { .silence_frames = 70,
				       .max_frames = 1500,
				       .no_speech_frames = 500,
				       .preroll_frames = 20,
				       .tail_frames = 15 };
	struct endpoint ep;
	enum endpoint_event ev = EP_CONTINUE;
	int32_t b, e;
	int f = 0;

	(void)state;
	endpoint_start(&ep, &cfg);
	for (; f < 50; f++) /* silence */
		feed(&ep, 0, 0, 0, &ev);
	assert_int_equal(endpoint_span(&ep, &b, &e), -1);
	for (; f < 52; f++) /* onset run: raw but not yet speech */
		feed(&ep, 1, 0, 0, &ev);
	feed(&ep, 1, 1, 1, &ev); /* frame 52: onset */
	f++;
	for (; f < 200; f++)
		feed(&ep, 1, 1, 0, &ev);
	for (; f < 269; f++) { /* 69 silent frames: not yet */
		feed(&ep, 0, f < 220, 0, &ev);
		assert_int_equal(ev, EP_CONTINUE);
	}
	feed(&ep, 0, 0, 0, &ev); /* the 70th */
	assert_int_equal(ev, EP_END_SILENCE);
	assert_int_equal(endpoint_span(&ep, &b, &e), 0);
	assert_int_equal(b, 50 - 20); /* first raw frame minus pre-roll */
	assert_int_equal(e, 200 + 15); /* last raw frame + 1 + tail */
}

static void endpoint_gives_up_and_caps(void **state)
{
	struct endpoint_config cfg = { .silence_frames = 70,
				       .max_frames = 300,
				       .no_speech_frames = 100,
				       .preroll_frames = 0,
				       .tail_frames = 0 };
	struct endpoint ep;
	enum endpoint_event ev = EP_CONTINUE;
	int f;

	(void)state;
	endpoint_start(&ep, &cfg);
	for (f = 0; f < 99; f++)
		feed(&ep, 0, 0, 0, &ev);
	assert_int_equal(ev, EP_CONTINUE);
	feed(&ep, 0, 0, 0, &ev);
	assert_int_equal(ev, EP_END_NO_SPEECH);

	endpoint_start(&ep, &cfg);
	feed(&ep, 1, 1, 1, &ev);
	for (f = 1; f < 299; f++) {
		feed(&ep, 1, 1, 0, &ev);
		assert_int_equal(ev, EP_CONTINUE);
	}
	feed(&ep, 1, 1, 0, &ev);
	assert_int_equal(ev, EP_END_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(level_matches_the_formula),
		cmocka_unit_test(hpf_removes_dc_and_keeps_voice),
		cmocka_unit_test(vad_finds_a_burst_over_noise),
		cmocka_unit_test(vad_ignores_steady_noise),
		cmocka_unit_test(vad_needs_absolute_level),
		cmocka_unit_test(endpoint_ends_after_silence),
		cmocka_unit_test(endpoint_gives_up_and_caps),
	};

	return cmocka_run_group_tests_name("vad", tests, NULL, NULL);
}
