// SPDX-License-Identifier: MIT
/* Unit tests: dsp/level.c, dsp/hpf.c, dsp/vad.c, dsp/endpoint.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../dsp/endpoint.h"
#include "../../dsp/hpf.h"
#include "../../dsp/level.h"
#include "../../dsp/sizes.h"
#include "../../dsp/vad.h"

/* the regression pin's expected values: see vad_golden_pin */
#define GOLDEN_RUNS "111.153s36.64s36."
#define GOLDEN_HASH 0x45af9afa28e2b352ull

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
	int last_raw; /* last frame with raw set */
	int speech_frames;
	int onsets;
};

enum sig { SIG_NONE, SIG_VOICE, SIG_NOISE_BURST, SIG_HUM };

/* A voiced sound: a 150 Hz (or hz) harmonic complex, harmonics 1-8 with
 * amplitudes falling as 1/k, peak near amp. */
static void voice(int16_t *pcm, int n, double amp, double hz, long *phase)
{
	for (int i = 0; i < n; i++, (*phase)++) {
		double x = 0;

		for (int k = 1; k <= 8; k++)
			x += sin(2 * M_PI * k * hz * (double)*phase / PARLEY_RATE) /
			     k;
		pcm[i] = (int16_t)lrint(amp * x / 2.2);
	}
}

/* noise for lead frames, the signal for burst frames, noise for tail
 * frames; also reports onset and hangover against the raw flags */
static struct run run_vad(const struct vad_config *cfg, int lead, int burst,
			  int tail, enum sig sig, double amp, int noise_amp)
{
	struct vad v;
	struct vad_result r;
	struct run out = { -1, -1, -1, 0, 0 };
	int16_t pcm[PARLEY_FRAME];
	long ph = 0;
	int run = 0, was_speech = 0, since_raw = 0;

	vad_init(&v, cfg);
	for (int f = 0; f < lead + burst + tail; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++)
			pcm[i] = noise(noise_amp);
		if (sig == SIG_HUM || (f >= lead && f < lead + burst)) {
			int16_t t[PARLEY_FRAME];

			if (sig == SIG_VOICE || sig == SIG_HUM)
				voice(t, PARLEY_FRAME, amp, 150, &ph);
			for (int i = 0; i < PARLEY_FRAME; i++) {
				int32_t x = pcm[i] + (sig == SIG_NOISE_BURST ?
							      noise((int)amp) :
							      t[i]);

				pcm[i] = (int16_t)(x > 32767 ? 32767 :
						   x < -32768 ? -32768 : x);
			}
		}
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		run = r.raw ? run + 1 : 0;
		/* onset: in the frame that completes onset_frames raw frames */
		if (r.onset) {
			assert_false(was_speech);
			assert_true(r.speech);
			assert_true(run >= cfg->onset_frames);
			out.onsets++;
			if (out.first_speech < 0)
				out.first_speech = f;
		}
		if (!was_speech && r.speech)
			assert_true(r.onset);
		/* hangover: speech ends exactly hangover_frames after the
		 * last raw frame */
		since_raw = r.raw ? 0 : since_raw + 1;
		if (was_speech && !r.speech)
			assert_int_equal(since_raw, cfg->hangover_frames + 1);
		if (r.speech && !r.raw)
			assert_true(since_raw <= cfg->hangover_frames);
		if (r.raw)
			out.last_raw = f;
		if (r.speech) {
			out.last_speech = f;
			out.speech_frames++;
		}
		was_speech = r.speech;
	}
	return out;
}

static void vad_finds_a_voice_over_noise(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* noise near -50 dBFS, a voice near -20 dBFS */
	r = run_vad(&cfg, 100, 100, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.onsets, 1);
	/* confirmed within voiced_frames plus the 40 ms pitch window */
	assert_in_range(r.first_speech, 100 + cfg.voiced_frames - 1,
			100 + cfg.voiced_frames + 4);
	/* raw until the voice stops (the 16 ms window may overhang) */
	assert_in_range(r.last_raw, 199, 201);
	assert_int_equal(r.last_speech, r.last_raw + cfg.hangover_frames);

	/* and again with the onset and hangover of the old default */
	cfg.onset_frames = 3;
	cfg.hangover_frames = 20;
	r = run_vad(&cfg, 100, 100, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.onsets, 1);
	assert_in_range(r.first_speech, 100 + cfg.voiced_frames - 1,
			100 + cfg.voiced_frames + 4 + 2);
	assert_int_equal(r.last_speech, r.last_raw + 20);
	/* a voice about 12 dB over white noise is found too */
	vad_config_default(&cfg);
	r = run_vad(&cfg, 100, 100, 100, SIG_VOICE, 5000, 900);
	assert_int_equal(r.onsets, 1);
	assert_true(r.speech_frames >= 80);
}

static void vad_ignores_steady_noise(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* loud steady noise (-25 dBFS) with no burst: the floor learns it */
	r = run_vad(&cfg, 300, 0, 0, SIG_NONE, 0, 5000);
	assert_int_equal(r.speech_frames, 0);
	/* a voice only 4 dB over the noise is not speech */
	r = run_vad(&cfg, 100, 50, 50, SIG_VOICE, 3000, 5000);
	assert_int_equal(r.speech_frames, 0);
	/* a hum (a voiced sound that never stops) is learned as noise */
	r = run_vad(&cfg, 300, 0, 0, SIG_HUM, 6000, 100);
	assert_int_equal(r.speech_frames, 0);
}

static void vad_needs_a_voice_not_just_energy(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* bursts of noise 25 dB over the floor: loud, but aperiodic */
	for (int burst = 5; burst <= 100; burst *= 4) {
		r = run_vad(&cfg, 100, burst, 100, SIG_NOISE_BURST, 8000, 400);
		assert_int_equal(r.speech_frames, 0);
	}
	/* the same energy as a voice is speech */
	r = run_vad(&cfg, 100, 100, 100, SIG_VOICE, 8000, 400);
	assert_true(r.speech_frames > 100);
}

static void vad_needs_minimum_length(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* a 20 ms voice is a click, not speech ... */
	r = run_vad(&cfg, 100, 2, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.speech_frames, 0);
	/* ... a 100 ms one is a syllable */
	r = run_vad(&cfg, 100, 10, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.onsets, 1);
	/* a 40 ms one gives the pitch search (every other frame) fewer than
	 * voiced_frames looks at it */
	r = run_vad(&cfg, 100, 4, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.speech_frames, 0);
	/* a longer onset_frames makes a 100 ms voice too short */
	cfg.onset_frames = 12;
	r = run_vad(&cfg, 100, 10, 100, SIG_VOICE, 6000, 180);
	assert_int_equal(r.speech_frames, 0);
}

/* The last frame in speech over: noise near -55 dBFS, a loud voice (near
 * -10 dBFS) for 600 ms, the same voice 37 dB softer for 600 ms (a tail, or
 * the room after it), noise. */
static int speech_end_after_tail(const struct vad_config *cfg)
{
	struct vad v;
	struct vad_result r;
	int16_t pcm[PARLEY_FRAME], t[PARLEY_FRAME];
	long ph = 0;
	int last = -1;

	vad_init(&v, cfg);
	for (int f = 0; f < 320; f++) {
		double amp = f >= 100 && f < 160 ? 14000 :
			     f >= 160 && f < 220 ? 200 : 0;

		voice(t, PARLEY_FRAME, amp, 150, &ph);
		for (int i = 0; i < PARLEY_FRAME; i++)
			pcm[i] = (int16_t)(noise(80) + t[i]);
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		if (r.speech)
			last = f;
	}
	return last;
}

static void vad_releases_loud_speech_sooner(void **state)
{
	struct vad_config cfg;
	int end;

	(void)state;
	vad_config_default(&cfg);
	/* the loud voice is about 25 dB over the noise in band SNR, its tail
	 * 8-10 dB: more than release_peak_db = 12 under the loudest, and
	 * under threshold_db, so speech ends a hangover after the loud part
	 * (the 16 ms window and the spectrum taken every other frame may
	 * overhang by up to three frames) */
	cfg.release_peak_db = 12;
	end = speech_end_after_tail(&cfg);
	assert_in_range(end, 159 + cfg.hangover_frames,
			162 + cfg.hangover_frames);
	/* without it, release_db alone holds speech through the tail */
	cfg.release_peak_db = 0;
	end = speech_end_after_tail(&cfg);
	assert_in_range(end, 219 + cfg.hangover_frames,
			222 + cfg.hangover_frames);
}

static void vad_floor_recovers_from_digital_silence(void **state)
{
	struct vad_config cfg;
	struct vad v;
	struct vad_result r = { 0 };
	int16_t pcm[PARLEY_FRAME];

	(void)state;
	vad_config_default(&cfg);
	vad_init(&v, &cfg);
	/* 0.5 s of zeros seed the floors at the bottom ... */
	memset(pcm, 0, sizeof(pcm));
	for (int f = 0; f < 50; f++)
		vad_process(&v, pcm, PARLEY_FRAME, &r);
	/* ... then steady noise near -30 dBFS: rising at rise_noise_mdb the
	 * floors would need 20 s; the minimum of the last 2 s lifts them
	 * once the zeros have left it, 2-2.5 s in, to floor_gap_db under it */
	for (int f = 0; f < 400; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++)
			pcm[i] = noise(1800);
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		assert_false(r.speech);
		if (f >= 300)
			assert_true(r.snr_q8 < cfg.threshold_db * 256);
	}
	/* without the bound the noise stays far over the floors */
	cfg.floor_gap_db = 0;
	vad_init(&v, &cfg);
	memset(pcm, 0, sizeof(pcm));
	for (int f = 0; f < 50; f++)
		vad_process(&v, pcm, PARLEY_FRAME, &r);
	for (int f = 0; f < 400; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++)
			pcm[i] = noise(1800);
		vad_process(&v, pcm, PARLEY_FRAME, &r);
	}
	assert_true(r.snr_q8 > cfg.threshold_db * 256);
}

static void vad_needs_absolute_level(void **state)
{
	struct vad_config cfg;
	struct run r;

	(void)state;
	vad_config_default(&cfg);
	/* digital near-silence, then a voice at about -66 dBFS: under
	 * min_level */
	r = run_vad(&cfg, 100, 100, 50, SIG_VOICE, 30, 1);
	assert_int_equal(r.speech_frames, 0);
	/* the same at -40 dBFS is speech */
	r = run_vad(&cfg, 100, 100, 50, SIG_VOICE, 600, 1);
	assert_int_equal(r.onsets, 1);
}

/*
 * A word that opens on a consonant: 1 s of noise near -50 dBFS, hiss
 * frames of loud white noise (a fricative: unvoiced, 25 dB over the
 * floor), gap frames of the noise alone, then a voice.  Returns the frame
 * of the onset, and its onset_back in *back.
 */
static int onset_after_hiss(const struct vad_config *cfg, int hiss, int gap,
			    int *back)
{
	struct vad v;
	struct vad_result r;
	int16_t pcm[PARLEY_FRAME];
	long ph = 0;

	vad_init(&v, cfg);
	for (int f = 0; f < 100 + hiss + gap + 60; f++) {
		int16_t t[PARLEY_FRAME];
		int voiced = f >= 100 + hiss + gap;

		if (voiced)
			voice(t, PARLEY_FRAME, 6000, 150, &ph);
		for (int i = 0; i < PARLEY_FRAME; i++) {
			int32_t x = noise(180);

			if (f >= 100 && f < 100 + hiss)
				x += noise(6000);
			else if (voiced)
				x += t[i];
			pcm[i] = (int16_t)x;
		}
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		if (r.onset) {
			*back = r.onset_back;
			return f;
		}
		assert_int_equal(r.onset_back, 0);
	}
	return -1;
}

static void vad_dates_an_onset_back_over_its_lead_in(void **state)
{
	struct vad_config cfg;
	int f, back;

	(void)state;
	vad_config_default(&cfg);
	/* 150 ms of hiss, then the voice: the voicing gate confirms the voice
	 * (voiced_frames pitch searches, one every other frame, and the 40 ms
	 * pitch window in), and dates the speech
	 * back to the start of the hiss, frame 100 (the 16 ms analysis window
	 * may let it start a frame late) */
	f = onset_after_hiss(&cfg, 15, 0, &back);
	assert_in_range(f, 115 + 2 * cfg.voiced_frames - 2,
			115 + 2 * cfg.voiced_frames + 4);
	assert_in_range(f - back, 100, 101);
	/* a lead-in longer than lookback_frames is cut there */
	cfg.lookback_frames = 8;
	onset_after_hiss(&cfg, 15, 0, &back);
	assert_int_equal(back, 8);
	/* without a lookback only the raw run counts (one frame here) */
	cfg.lookback_frames = 0;
	onset_after_hiss(&cfg, 15, 0, &back);
	assert_int_equal(back, cfg.onset_frames - 1);
	/* a pause between the hiss and the voice ends the lead-in: the
	 * speech starts with the voice, frame 135 (or one frame of the noise
	 * before it, when that frame's spectrum clears lead_db: the spectrum
	 * is taken every other frame) */
	vad_config_default(&cfg);
	f = onset_after_hiss(&cfg, 15, 20, &back);
	assert_in_range(f - back, 134, 136);
	/* hiss alone is not speech, however long the lookback */
	assert_true(onset_after_hiss(&cfg, 100, 0, &back) >= 200);
}

/*
 * Regression pin (not an independent model): the per-frame decisions and
 * features of the default VAD over a deterministic, integer-generated
 * input.  The input has no libm in it, so it is the same on every machine;
 * the expected values were taken from the x86-64 build and are checked
 * bit for bit on arm64 by `make cross-check` (qemu-aarch64).  A change to
 * dsp/vad.c that moves them must say so and update the pin.
 */
static void vad_golden_pin(void **state)
{
	struct vad_config cfg;
	struct vad v;
	struct vad_result r;
	int16_t pcm[PARLEY_FRAME];
	uint32_t lcg = 1;
	uint64_t h = 14695981039346656037ull;
	char runs[256];
	int len = 0, cur = 0, count = 0;
	long t = 0;

	(void)state;
	vad_config_default(&cfg);
	vad_init(&v, &cfg);
	for (int f = 0; f < 400; f++) {
		for (int i = 0; i < PARLEY_FRAME; i++, t++) {
			/* noise of +-255, and from 1 s to 2.5 s and 3 s to
			 * 3.5 s a sawtooth near 120 Hz (128-135 samples)
			 * whose period drifts, about 18 dB louder */
			int32_t x, env = 0;

			lcg = lcg * 1103515245u + 12345u;
			x = (int32_t)((lcg >> 16) & 511) - 256;
			if ((f >= 100 && f < 250) || (f >= 300 && f < 350))
				env = 8;
			if (env) {
				int per = 128 + (int)((t >> 11) & 7);
				int p = (int)(t % per);

				x += env * (2 * p - per) * 2;
			}
			pcm[i] = (int16_t)(x > 32767 ? 32767 :
					   x < -32768 ? -32768 : x);
		}
		vad_process(&v, pcm, PARLEY_FRAME, &r);
		h ^= (uint64_t)(uint32_t)r.snr_q8;
		h *= 1099511628211ull;
		h ^= (uint64_t)(uint32_t)r.voicing_q15;
		h *= 1099511628211ull;
		h ^= (uint64_t)(r.raw | r.speech << 1 | r.onset << 2 |
				(uint32_t)r.onset_back << 3);
		h *= 1099511628211ull;
		if (r.speech != cur) {
			len += snprintf(runs + len, sizeof(runs) - (size_t)len,
					"%d%c", count, cur ? 's' : '.');
			cur = r.speech;
			count = 0;
		}
		count++;
	}
	len += snprintf(runs + len, sizeof(runs) - (size_t)len, "%d%c", count,
			cur ? 's' : '.');
	printf("vad pin: %s %016llx\n", runs, (unsigned long long)h);
	assert_string_equal(runs, GOLDEN_RUNS);
	assert_true(h == GOLDEN_HASH);
}

static void feed(struct endpoint *ep, int raw, int speech, int onset,
		 enum endpoint_event *ev)
{
	struct vad_result r = { 0 };

	r.raw = (uint8_t)raw;
	r.speech = (uint8_t)speech;
	r.onset = (uint8_t)onset;
	r.onset_back = onset ? 2 : 0; /* a 3-frame raw run */
	*ev = endpoint_feed(ep, &r);
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
		cmocka_unit_test(vad_finds_a_voice_over_noise),
		cmocka_unit_test(vad_ignores_steady_noise),
		cmocka_unit_test(vad_needs_a_voice_not_just_energy),
		cmocka_unit_test(vad_needs_minimum_length),
		cmocka_unit_test(vad_floor_recovers_from_digital_silence),
		cmocka_unit_test(vad_needs_absolute_level),
		cmocka_unit_test(vad_dates_an_onset_back_over_its_lead_in),
		cmocka_unit_test(vad_releases_loud_speech_sooner),
		cmocka_unit_test(vad_golden_pin),
		cmocka_unit_test(endpoint_ends_after_silence),
		cmocka_unit_test(endpoint_gives_up_and_caps),
	};

	return cmocka_run_group_tests_name("vad", tests, NULL, NULL);
}
