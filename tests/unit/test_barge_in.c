// SPDX-License-Identifier: MIT
/* Unit tests: the voice barge-in detector (app/barge_in.c), frame by
 * frame: the answer's own residue never interrupts it, a voice over it
 * does, and when. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../app/barge_in.h"

#define DB(x) ((int32_t)((x) * 256))

static struct barge_in b;
static uint64_t idx;

static int setup(void **state)
{
	(void)state;
	memset(&b, 0, sizeof(b));
	idx = 0;
	return 0;
}

/*
 * One frame: the microphone at mic dBFS, the canceller's ERLE erle dB,
 * its output at out dBFS, speech as the VAD says.
 */
static int feed(double mic, double erle, double out, int speech, int need)
{
	struct barge_in_frame f = {
		.index = ++idx,
		.erle_q8 = DB(erle),
		.level_q8 = DB(out),
		.mic_in_q8 = DB(mic),
		.speech = speech,
	};

	return barge_in_feed(&b, &f, need);
}

static void the_answers_own_residue_never_interrupts(void **state)
{
	(void)state;
	/* the canceller takes 25 dB off: the output sits 25 dB under the
	 * microphone, and the VAD may still call the residue speech */
	for (int i = 0; i < 500; i++)
		assert_int_equal(feed(-20, 25, -45, 1, 30), 0);
	/* 9 dB over the residue is still not a voice (the margin is 10) */
	for (int i = 0; i < 500; i++)
		assert_int_equal(feed(-20, 25, -36, 1, 30), 0);
}

static void nothing_counts_until_the_canceller_works(void **state)
{
	(void)state;
	/* ERLE under 12 dB: the room is not learnt; a loud output is as
	 * likely the echo as a voice */
	for (int i = 0; i < 200; i++)
		assert_int_equal(feed(-20, 11, -15, 1, 30), 0);
}

static void a_voice_over_the_answer_interrupts_after_need_frames(void **state)
{
	int need = 30, fired = 0;

	(void)state;
	for (int i = 0; i < 50; i++) /* the answer alone */
		assert_int_equal(feed(-20, 25, -45, 0, need), 0);
	for (int i = 1; i <= need && !fired; i++) {
		fired = feed(-18, 25, -25, 1, need); /* 20 dB over the residue */
		assert_int_equal(fired, i == need);
	}
	assert_true(fired);
	assert_int_equal(b.first, 51); /* where the voice began */
}

static void a_frame_of_doubt_costs_one_frame_not_all(void **state)
{
	int need = 20, n = 0, fired = 0;

	(void)state;
	/* three voiced frames, then one the VAD doubts: the score climbs
	 * by two every four frames */
	while (!fired && n < 200) {
		int doubt = n % 4 == 3;

		fired = feed(-18, 25, -25, !doubt, need);
		n++;
	}
	assert_true(fired);
	/* score after k frames: (k/4)*2 plus the partial group; need 20
	 * takes 9 groups (18) and 2 more frames */
	assert_int_equal(n, 9 * 4 + 2);
}

static void a_dated_onset_counts_its_lead_in(void **state)
{
	struct barge_in_frame f = { 0 };
	int need = 10;

	(void)state;
	/* six frames over the residue that the VAD does not call speech
	 * yet (a fricative before the vowel), then it confirms a voice
	 * that began six frames back */
	for (int i = 0; i < 6; i++)
		assert_int_equal(feed(-18, 25, -25, 0, need), 0);
	f = (struct barge_in_frame){ .index = ++idx, .erle_q8 = DB(25),
				     .level_q8 = DB(-25), .mic_in_q8 = DB(-18),
				     .speech = 1, .onset = 1,
				     .onset_back = 6 };
	assert_int_equal(barge_in_feed(&b, &f, need), 0);
	assert_int_equal(b.run, 7); /* the lead-in, and this frame */
	assert_int_equal(b.first, idx - 6);
	/* three more frames of speech reach need */
	assert_int_equal(feed(-18, 25, -25, 1, need), 0);
	assert_int_equal(feed(-18, 25, -25, 1, need), 0);
	assert_int_equal(feed(-18, 25, -25, 1, need), 1);
}

static void the_erle_estimate_is_held_while_someone_talks(void **state)
{
	(void)state;
	feed(-20, 30, -50, 0, 30);
	/* the estimate collapses in double talk; the held value falls
	 * 3/256 dB a frame */
	feed(-18, 5, -25, 1, 30);
	assert_int_equal(b.erle_hold, DB(30) - 3);
	for (int i = 0; i < 99; i++)
		feed(-18, 5, -25, 1, 1000);
	assert_int_equal(b.erle_hold, DB(30) - 300);
	/* a reset forgets the score, not the canceller's history */
	barge_in_reset(&b);
	assert_int_equal(b.run, 0);
	assert_int_equal(b.erle_hold, DB(30) - 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(the_answers_own_residue_never_interrupts,
				       setup),
		cmocka_unit_test_setup(nothing_counts_until_the_canceller_works,
				       setup),
		cmocka_unit_test_setup(
			a_voice_over_the_answer_interrupts_after_need_frames,
			setup),
		cmocka_unit_test_setup(a_frame_of_doubt_costs_one_frame_not_all,
				       setup),
		cmocka_unit_test_setup(a_dated_onset_counts_its_lead_in, setup),
		cmocka_unit_test_setup(
			the_erle_estimate_is_held_while_someone_talks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
