// SPDX-License-Identifier: MIT
/* Unit tests: app/chunker.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../app/chunker.h"

static char got[64][PARLEY_SENTENCE_MAX];
static int ngot;

static int collect(const char *s, size_t len, void *ctx)
{
	(void)ctx;
	assert_int_equal(strlen(s), len);
	snprintf(got[ngot++], sizeof(got[0]), "%s", s);
	return 0;
}

/* Feeds the tokens one by one (as a stream would), then flushes. */
static void run(const char *const *tokens)
{
	struct chunker c;

	ngot = 0;
	chunker_init(&c);
	for (int i = 0; tokens[i]; i++)
		chunker_feed(&c, tokens[i], strlen(tokens[i]), collect, NULL);
	chunker_flush(&c, collect, NULL);
}

static void splits_on_terminators(void **state)
{
	const char *const t[] = { "Hello", " there", ".", " How", " are",
				  " you", "?", " Fine", "!", " Bye", NULL };

	(void)state;
	run(t);
	assert_int_equal(ngot, 4);
	assert_string_equal(got[0], "Hello there.");
	assert_string_equal(got[1], "How are you?");
	assert_string_equal(got[2], "Fine!");
	assert_string_equal(got[3], "Bye");
}

static void sentence_is_released_when_complete(void **state)
{
	struct chunker c;

	(void)state;
	ngot = 0;
	chunker_init(&c);
	chunker_feed(&c, "It is done.", 11, collect, NULL);
	assert_int_equal(ngot, 0); /* could still be "done.5" */
	chunker_feed(&c, " Next", 5, collect, NULL);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0], "It is done.");
}

static void keeps_numbers_and_abbreviations(void **state)
{
	const char *const t[] = { "It", " is", " 3", ".", "5", " times",
				  " brighter", ", e", ".", "g", ".", " at",
				  " noon", ".", " Dr", ".", " Smith", " and",
				  " Mr", ". Jones", " met", " J", ". R", ".",
				  " R", ". Tolkien", " in", " 1937", ".",
				  " See", " example", ".", "com", ".", NULL };

	(void)state;
	run(t);
	assert_int_equal(ngot, 3);
	assert_string_equal(got[0], "It is 3.5 times brighter, e.g. at noon.");
	assert_string_equal(got[1],
			    "Dr. Smith and Mr. Jones met J. R. R. Tolkien in 1937.");
	assert_string_equal(got[2], "See example.com.");
}

/* newlines end sentences; what the speech filter left is kept as it is
 * (snake_case, 2*3, C#: markdown was the filter's to remove) */
static void newlines_split_and_text_is_kept(void **state)
{
	const char *const t[] = { "Steps\n", "Boil the", " water\n",
				  "Set max_rate to 2*3\n", "  Learn C# first",
				  NULL };

	(void)state;
	run(t);
	assert_int_equal(ngot, 4);
	assert_string_equal(got[0], "Steps");
	assert_string_equal(got[1], "Boil the water");
	assert_string_equal(got[2], "Set max_rate to 2*3");
	assert_string_equal(got[3], "Learn C# first");
}

static void quotes_stay_with_their_sentence(void **state)
{
	const char *const t[] = { "He said \"stop", ".\"", " Then", " he",
				  " left", "...", " Really", "?!", NULL };

	(void)state;
	run(t);
	assert_int_equal(ngot, 3);
	assert_string_equal(got[0], "He said \"stop.\"");
	assert_string_equal(got[1], "Then he left...");
	assert_string_equal(got[2], "Really?!");
}

static void long_text_is_cut_at_a_space(void **state)
{
	char word[] = "word ";
	struct chunker c;

	(void)state;
	ngot = 0;
	chunker_init(&c);
	for (int i = 0; i < 150; i++) /* 750 bytes, no terminator */
		chunker_feed(&c, word, 5, collect, NULL);
	chunker_flush(&c, collect, NULL);
	assert_int_equal(ngot, 2);
	assert_true(strlen(got[0]) < PARLEY_SENTENCE_MAX);
	/* cut between words, and nothing lost */
	assert_int_equal(got[0][strlen(got[0]) - 1], 'd');
	assert_int_equal(strlen(got[0]) + 1 + strlen(got[1]), 749);
}

static void punctuation_alone_is_not_spoken(void **state)
{
	const char *const t[] = { "...", "\n", " - ", "\n", "**", NULL };

	(void)state;
	run(t);
	assert_int_equal(ngot, 0);
}

static void long_first_clause_goes_early(void **state)
{
	const char *first = "Well, the answer depends on what you measure, "
			    "and how often";
	struct chunker c;

	(void)state;
	ngot = 0;
	chunker_init(&c);
	chunker_first_clause(&c, 30);
	chunker_feed(&c, first, strlen(first), collect, NULL);
	/* "Well," is too short; the clause after 30 bytes goes at once */
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0], "Well, the answer depends on what you measure,");
	/* later sentences wait for their end, commas or not */
	chunker_feed(&c, ", as a rule, over time. Done", 28, collect, NULL);
	assert_int_equal(ngot, 2);
	assert_string_equal(got[1], "and how often, as a rule, over time.");
	/* numbers with commas are not clauses */
	chunker_init(&c);
	chunker_first_clause(&c, 5);
	ngot = 0;
	chunker_feed(&c, "It costs 1,000 dollars", 22, collect, NULL);
	assert_int_equal(ngot, 0);
}

/* found by the fuzzer: terminators past the end of the buffer */
static void a_long_run_of_terminators_is_cut_safely(void **state)
{
	static char bangs[3000];
	struct chunker c;

	(void)state;
	memset(bangs, '!', sizeof(bangs));
	bangs[0] = 'A';
	ngot = 0;
	chunker_init(&c);
	chunker_feed(&c, bangs, sizeof(bangs), collect, NULL);
	chunker_flush(&c, collect, NULL);
	/* one sentence, cut to the limit; the rest has no word to speak */
	assert_int_equal(ngot, 1);
	assert_true(strlen(got[0]) < PARLEY_SENTENCE_MAX);
	assert_int_equal(got[0][0], 'A');
	/* control bytes are dropped, never spoken */
	ngot = 0;
	chunker_init(&c);
	chunker_feed(&c, "Hi\0 there\x01.", 11, collect, NULL);
	chunker_flush(&c, collect, NULL);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0], "Hi there.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(splits_on_terminators),
		cmocka_unit_test(sentence_is_released_when_complete),
		cmocka_unit_test(keeps_numbers_and_abbreviations),
		cmocka_unit_test(newlines_split_and_text_is_kept),
		cmocka_unit_test(quotes_stay_with_their_sentence),
		cmocka_unit_test(long_text_is_cut_at_a_space),
		cmocka_unit_test(punctuation_alone_is_not_spoken),
		cmocka_unit_test(long_first_clause_goes_early),
		cmocka_unit_test(a_long_run_of_terminators_is_cut_safely),
	};

	return cmocka_run_group_tests_name("chunker", tests, NULL, NULL);
}
