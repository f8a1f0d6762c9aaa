// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/stt.c's transcripts that are no speech.  What whisper
 * writes for silence and noise is dropped in the layer every backend
 * ends in (stt_done), against the default stt.no_speech and others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../app/config.h"
#include "../../app/log.h"
#include "../../app/stt.h"

static struct parley_config cfg;
static struct stt stt;

static int no_speech(const char *list, const char *text)
{
	char why[256];

	return stt_no_speech(list, text, why, sizeof(why));
}

static void the_default_list_drops_whisper_noise(void **state)
{
	static const char *const dropped[] = {
		"[BLANK_AUDIO]",
		" [BLANK_AUDIO]\n",
		"(silence)",
		"[Music]",
		"Thank you.",
		"thank you",
		"THANK YOU!",
		"  Thank   you .  ",
		"Thanks for watching!",
		"Thank you for watching.",
		"You",
		"you.",
		"[Music] Thank you.", /* an annotation around an entry */
		"Thank you. (applause)",
	};
	static const char *const kept[] = {
		"Thank you for the music, play jazz.",
		"Thank you very much.",
		"You are great",
		"What time is it?",
		"Play some music",
		"Play [some] music", /* words outside the brackets */
		"silence", /* said, not annotated: not on the list */
		"blank audio",
		"Thank",
	};

	(void)state;
	config_defaults(&cfg);
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		print_message("dropped: %s\n", dropped[i]);
		assert_true(no_speech(cfg.stt_no_speech, dropped[i]));
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		print_message("kept: %s\n", kept[i]);
		assert_false(no_speech(cfg.stt_no_speech, kept[i]));
	}
}

/* Annotations alone are never speech, whatever the list says. */
static void annotations_alone_are_no_speech(void **state)
{
	static const char *const dropped[] = {
		"[Music] (applause)",
		"[ blank_audio ]",
		"(laughs)",
		"[inaudible",			/* not closed: to the end */
		"\xe2\x99\xaa \xe2\x99\xaa",	/* ♪ ♪ */
		"[Music] \xe2\x99\xab",		/* [Music] ♫ */
		"(\xe9\x9f\xb3\xe6\xa5\xbd)",	/* (音楽) */
		"\xef\xbc\x88\xe6\x8b\x8d\xe6\x89\x8b\xef\xbc\x89", /* （拍手） */
		"...",
	};
	static const char *const kept[] = {
		"(laughs) What time is it?",
		"\xe2\x99\xaa la la la",
		"[Music] \xe9\x9f\xb3\xe6\xa5\xbd", /* [Music] 音楽 */
		"Hello (world)",
		"3",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		print_message("dropped: %s\n", dropped[i]);
		assert_true(no_speech("", dropped[i]));
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		print_message("kept: %s\n", kept[i]);
		assert_false(no_speech("", kept[i]));
	}
}

/* Entries are compared as words: their case, spacing and punctuation do
 * not matter, and an empty entry or one without words matches nothing. */
static void the_list_is_read_as_words(void **state)
{
	const char *list = " danke  SCH\xc3\x96N |Untertitel im Auftrag des "
			   "ZDF, 2017||...| ";

	(void)state;
	assert_true(no_speech(list, "Danke sch\xc3\x96n."));
	assert_true(no_speech(list, "Untertitel im Auftrag des ZDF 2017"));
	assert_false(no_speech(list, "Untertitel im Auftrag des ZDF"));
	/* non-ASCII letters are compared as they are, not case folded */
	assert_false(no_speech(list, "Danke sch\xc3\xb6n."));
	assert_false(no_speech(list, "Danke"));
	assert_false(no_speech(list, "Guten Tag."));
	/* "..." is annotations alone (no word), so it is dropped anyway */
	assert_true(no_speech(list, "..."));
	assert_false(no_speech("", "Thank you."));
}

static void the_detail_says_what_and_why(void **state)
{
	char why[256];

	(void)state;
	assert_true(stt_no_speech("Thank you.|you", "  thank YOU!", why,
				  sizeof(why)));
	assert_string_equal(why, "no speech: the transcript \"  thank YOU!\" "
				 "is \"Thank you.\" on stt.no_speech");
	assert_true(stt_no_speech("", "[Music] (applause)", why, sizeof(why)));
	assert_string_equal(why, "no speech: the transcript \"[Music] "
				 "(applause)\" is only sound annotations");
	/* a long transcript is cut in the detail, which stays bounded */
	assert_true(stt_no_speech("", "[Music Music Music Music Music Music "
				  "Music Music Music Music Music Music Music "
				  "Music Music Music]", why, 64));
	assert_int_equal(strlen(why), 63);
}

static enum peer_error got_e;
static char got_text[512];
static int got_n;

static void on_done(void *ctx, enum peer_error e, const char *text)
{
	(void)ctx;
	got_e = e;
	snprintf(got_text, sizeof(got_text), "%s", text);
	got_n++;
}

static const struct stt_events events = { on_done };

/* The common layer turns a no-speech transcript into PEER_EMPTY, the way
 * a backend's trimmed transcript reaches it, and leaves the rest alone. */
static void stt_done_reports_no_speech_as_empty(void **state)
{
	(void)state;
	config_defaults(&cfg);
	stt_init(&stt, &cfg);
	stt_listen(&stt, &events, NULL);

	got_n = 0;
	assert_int_equal(stt_set_text(&stt, " [BLANK_AUDIO]\n"), 13);
	stt_done(&stt, PEER_OK, stt.text);
	assert_int_equal(got_n, 1);
	assert_int_equal(got_e, PEER_EMPTY);
	assert_string_equal(got_text, "no speech: the transcript "
				      "\"[BLANK_AUDIO]\" is only sound "
				      "annotations");

	stt_done(&stt, PEER_OK, "Thank you.");
	assert_int_equal(got_e, PEER_EMPTY);
	assert_string_equal(got_text, "no speech: the transcript \"Thank "
				      "you.\" is \"Thank you.\" on "
				      "stt.no_speech");

	stt_done(&stt, PEER_OK, "Thank you for the music, play jazz.");
	assert_int_equal(got_e, PEER_OK);
	assert_string_equal(got_text, "Thank you for the music, play jazz.");

	/* errors pass as they are */
	stt_done(&stt, PEER_HTTP, "HTTP 500: (silence)");
	assert_int_equal(got_e, PEER_HTTP);
	assert_string_equal(got_text, "HTTP 500: (silence)");

	/* the list is read at each transcript: a change applies at once */
	snprintf(cfg.stt_no_speech, sizeof(cfg.stt_no_speech), "%s", "");
	stt_done(&stt, PEER_OK, "Thank you.");
	assert_int_equal(got_e, PEER_OK);
	assert_int_equal(got_n, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_default_list_drops_whisper_noise),
		cmocka_unit_test(annotations_alone_are_no_speech),
		cmocka_unit_test(the_list_is_read_as_words),
		cmocka_unit_test(the_detail_says_what_and_why),
		cmocka_unit_test(stt_done_reports_no_speech_as_empty),
	};

	log_set_level(LOG_ERR);
	return cmocka_run_group_tests_name("stt_text", tests, NULL, NULL);
}
