// SPDX-License-Identifier: MIT
/*
 * The wake word frontend (dsp/wake_frontend.c) against the independent
 * model tests/golden/wakefe_model.py (golden_wakefe.h): every feature of a
 * synthetic second, and the hashes of the features of the real recordings
 * (the shared wake word clips, $PARLEY_SHARED or ../shared, and
 * build/testdata/goforward.raw, $PARLEY_TESTDATA); a recording that is not
 * there is skipped.  make cross-check runs this under qemu-aarch64 too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dsp/wake_frontend.h"
#include "golden_wakefe.h"

#define MAX_SAMPLES (16000 * 60)

static int16_t audio[MAX_SAMPLES];

/* wakefe_model.py's synthetic() */
static int synthetic(int16_t *out)
{
	uint32_t x = 12345;

	for (int n = 0; n < 16000; n++) {
		int32_t v;

		x = x * 1664525u + 1013904223u;
		v = (((int32_t)(x >> 16) - 32768) * 328) >> 15;
		if (n >= 4000 && n < 12000) {
			int64_t t = n - 4000;
			int32_t ph = (int32_t)(((200 * t + (3800 * t * t) / 16000) * 65536 / 16000) & 0xFFFF);
			int32_t s = ph < 32768 ? ph - 32768 : 98304 - ph;

			v += s >> 1;
		} else if (n >= 12000) {
			v = (n / 40) & 1 ? 32767 : -32768;
		}
		out[n] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	return 16000;
}

static void synthetic_features_match_the_model(void **state)
{
	struct wake_fe fe;
	uint16_t feat[WAKE_FE_CHANNELS];
	int n = synthetic(audio), frames = 0;

	(void)state;
	wake_fe_init(&fe);
	for (int i = 0; i + WAKE_FE_STEP <= n; i += WAKE_FE_STEP) {
		if (!wake_fe_step(&fe, audio + i, feat))
			continue;
		assert_true(frames < GOLDEN_WAKEFE_FRAMES);
		for (int c = 0; c < WAKE_FE_CHANNELS; c++)
			if (feat[c] != golden_wakefe_synth[frames * WAKE_FE_CHANNELS + c]) {
				print_message("frame %d channel %d: got %u, model %u\n", frames, c,
					      feat[c], golden_wakefe_synth[frames * WAKE_FE_CHANNELS + c]);
				fail();
			}
		frames++;
	}
	assert_int_equal(frames, GOLDEN_WAKEFE_FRAMES);
}

static void int8_input_is_esphomes_scaling(void **state)
{
	/* (v * 256 + 333) / 666 - 128, clamped: worked by hand */
	const uint16_t in[] = { 0, 1, 2, 3, 333, 666, 670, 1000, 65535 };
	const int8_t want[] = { -128, -128, -127, -127, 0, 127, 127, 127, 127 };
	int8_t out[9];

	(void)state;
	wake_fe_to_int8(in, out, 9);
	assert_memory_equal(out, want, sizeof(want));
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001B3ull;
	return h;
}

/* samples of a 16-bit mono WAV (its data chunk) or a raw S16_LE file */
static int load(const char *path, int16_t *out, int max)
{
	FILE *f = fopen(path, "rb");
	uint8_t hdr[12];
	long off = 0;
	int n;

	if (!f)
		return -1;
	if (strstr(path, ".wav")) {
		uint8_t ck[8];

		if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4)) {
			fclose(f);
			return -1;
		}
		for (;;) {
			uint32_t len;

			if (fread(ck, 1, 8, f) != 8) {
				fclose(f);
				return -1;
			}
			len = ck[4] | ck[5] << 8 | ck[6] << 16 | (uint32_t)ck[7] << 24;
			if (!memcmp(ck, "data", 4))
				break;
			fseek(f, (long)(len + (len & 1)), SEEK_CUR);
		}
		off = ftell(f);
	}
	fseek(f, off, SEEK_SET);
	n = (int)fread(out, 2, (size_t)max, f); /* little-endian hosts only */
	fclose(f);
	return n;
}

static void recordings_match_the_model(void **state)
{
	const char *shared = getenv("PARLEY_SHARED");
	const char *build = getenv("PARLEY_TESTDATA");
	int checked = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(golden_wakefe_files) / sizeof(golden_wakefe_files[0]); k++) {
		const struct golden_wakefe_file *g = &golden_wakefe_files[k];
		char path[512];
		struct wake_fe fe;
		uint16_t feat[WAKE_FE_CHANNELS];
		int8_t in8[WAKE_FE_CHANNELS];
		uint64_t h16 = 0xCBF29CE484222325ull, h8 = h16;
		int n, frames = 0;

		if (!strncmp(g->path, "shared:", 7))
			snprintf(path, sizeof(path), "%s/%s", shared ? shared : "../shared", g->path + 7);
		else
			snprintf(path, sizeof(path), "%s/%s", build ? build : "build",
				 g->path + 6);
		n = load(path, audio, MAX_SAMPLES);
		if (n < 0) {
			print_message("%s: not there, skipped\n", path);
			continue;
		}
		wake_fe_init(&fe);
		for (int i = 0; i + WAKE_FE_STEP <= n; i += WAKE_FE_STEP) {
			if (!wake_fe_step(&fe, audio + i, feat))
				continue;
			wake_fe_to_int8(feat, in8, WAKE_FE_CHANNELS);
			h16 = fnv(h16, feat, sizeof(feat));
			h8 = fnv(h8, in8, sizeof(in8));
			frames++;
		}
		if (frames != g->frames || h16 != g->hash16 || h8 != g->hash8)
			print_message("%s: %d frames, hashes %016llx %016llx; model %d, %016llx %016llx\n",
				      path, frames, (unsigned long long)h16, (unsigned long long)h8,
				      g->frames, (unsigned long long)g->hash16,
				      (unsigned long long)g->hash8);
		assert_int_equal(frames, g->frames);
		assert_true(h16 == g->hash16);
		assert_true(h8 == g->hash8);
		checked++;
	}
	if (!checked)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(synthetic_features_match_the_model),
		cmocka_unit_test(int8_input_is_esphomes_scaling),
		cmocka_unit_test(recordings_match_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
