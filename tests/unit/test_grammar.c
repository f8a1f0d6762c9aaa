// SPDX-License-Identifier: MIT
/* Unit tests: app/grammar.c (offline commands) and the alarm time parser
 * of app/timers.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../app/grammar.h"
#include "../../app/timers.h"

static enum grammar_cmd match(const char *text, long *seconds)
{
	struct grammar_match m;
	enum grammar_cmd c = grammar_match(text, strlen(text), &m);

	assert_int_equal(c, m.cmd);
	if (seconds)
		*seconds = m.seconds;
	return c;
}

static void timer_numbers_in_digits_and_words(void **state)
{
	static const struct {
		const char *text;
		long seconds;
	} ok[] = {
		{ "set a timer for 5 minutes", 300 },
		{ "Set a timer for two minutes.", 120 },
		{ "set a timer for twenty five minutes", 1500 },
		{ "please set a timer for ninety seconds", 90 },
		{ "set a timer for a minute", 60 },
		{ "set a timer for an hour", 3600 },
		{ "start a timer for one hundred and ten seconds", 110 },
		{ "Set the timer for 3 hours!", 10800 },
		{ "set a 10 minute timer", 600 },
		{ "timer for forty seconds", 40 },
		{ "hey, set a timer for twelve minutes, okay?", 720 },
		{ "set a timer for twenty four hours", 86400 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long s = -1;

		if (match(ok[i].text, &s) != GR_TIMER)
			fail_msg("'%s' is not a timer", ok[i].text);
		if (s != ok[i].seconds)
			fail_msg("'%s': %ld s, not %ld", ok[i].text, s,
				 ok[i].seconds);
	}
}

static void not_timers(void **state)
{
	static const char *const no[] = {
		"set a timer for zero minutes",
		"set a timer for minutes",
		"set a timer for five",
		"set a timer for two five minutes",
		"set a timer for twenty five minutes and then sing",
		"set a timer for 25 hours",
		"set a timer for 99999999999999999999 seconds",
		"set a timer for five parsecs",
		"tell me about timers",
		"",
		"   ...   ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (match(no[i], NULL) != GR_NONE)
			fail_msg("'%s' matched", no[i]);
}

static void stop_time_volume(void **state)
{
	(void)state;
	assert_int_equal(match("Stop.", NULL), GR_STOP);
	assert_int_equal(match("stop the alarm", NULL), GR_STOP);
	assert_int_equal(match("What time is it?", NULL), GR_TIME);
	assert_int_equal(match("what's the time", NULL), GR_TIME);
	assert_int_equal(match("Volume up!", NULL), GR_VOLUME_UP);
	assert_int_equal(match("turn the volume down please", NULL),
			 GR_VOLUME_DOWN);
	assert_int_equal(match("louder", NULL), GR_VOLUME_UP);
	assert_int_equal(match("stop talking about the weather", NULL),
			 GR_NONE);
	assert_int_equal(match("what time is it in Tokyo", NULL), GR_NONE);
	assert_int_equal(match("volume", NULL), GR_NONE);
}

static enum grammar_cmd match_de(const char *text, long *seconds)
{
	struct grammar_match m;
	enum grammar_cmd c = grammar_match_lang("de", text, strlen(text), &m);

	assert_int_equal(c, m.cmd);
	if (seconds)
		*seconds = m.seconds;
	return c;
}

static void german_timers(void **state)
{
	static const struct {
		const char *text;
		long seconds;
	} ok[] = {
		{ "Stell einen Timer auf fünf Minuten.", 300 },
		{ "stell einen Timer auf fuenf Minuten", 300 },
		{ "Timer für zehn Minuten", 600 },
		{ "Timer fuer 10 Minuten", 600 },
		{ "Stelle bitte einen Timer auf zwölf Minuten ein.", 720 },
		{ "Setz den Timer auf eine Minute", 60 },
		{ "Starte einen Timer für dreißig Sekunden", 30 },
		{ "starte einen timer fuer dreissig sekunden", 30 },
		{ "Timer auf fünfundzwanzig Minuten", 1500 },
		{ "Timer auf fünf und zwanzig Minuten", 1500 },
		{ "Timer für einundzwanzig Sekunden", 21 },
		{ "Timer für siebenundneunzig Sekunden", 97 },
		{ "Timer für hundertzehn Sekunden", 110 },
		{ "Timer für zweihundert Sekunden", 200 },
		{ "Timer für anderthalb Stunden", 5400 },
		{ "Timer für eineinhalb Minuten", 90 },
		{ "Timer für zweieinhalb Minuten", 150 },
		{ "Timer für eine halbe Stunde", 1800 },
		{ "Timer für zwei Stunden", 7200 },
		{ "Timer für eine Stunde", 3600 },
		{ "Kannst du mal einen Timer auf drei Minuten stellen?", 180 },
		{ "Stell einen Fünf-Minuten-Timer", 300 },
		{ "einen zwanzig Sekunden Timer", 20 },
		{ "Timer für vierundzwanzig Stunden", 86400 },
		{ "TIMER FÜR ZWÖLF MINUTEN", 720 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long s = -1;

		if (match_de(ok[i].text, &s) != GR_TIMER)
			fail_msg("'%s' is not a timer", ok[i].text);
		if (s != ok[i].seconds)
			fail_msg("'%s': %ld s, not %ld", ok[i].text, s,
				 ok[i].seconds);
	}
}

static void german_not_timers(void **state)
{
	static const char *const no[] = {
		"Timer für null Minuten",
		"Timer für Minuten",
		"Timer für fünf",
		"Timer für fünf zwanzig Minuten",
		"Timer für fünfundzwanzig Minuten und dann sing",
		"Timer für fünfundzwanzig Stunden",
		"Timer für anderthalb Sekunden", /* 1.5 s: no whole second */
		"Timer für fünf Parsec",
		"stell einen Timer",
		"erzähl mir was über Timer",
		"set a timer for five minutes", /* English, in German mode */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (match_de(no[i], NULL) != GR_NONE)
			fail_msg("'%s' matched", no[i]);
}

static void german_stop_time_volume(void **state)
{
	(void)state;
	assert_int_equal(match_de("Stopp!", NULL), GR_STOP);
	assert_int_equal(match_de("stop", NULL), GR_STOP);
	assert_int_equal(match_de("Hör auf.", NULL), GR_STOP);
	assert_int_equal(match_de("Stopp den Timer", NULL), GR_STOP);
	assert_int_equal(match_de("Wie spät ist es?", NULL), GR_TIME);
	assert_int_equal(match_de("wie spaet ist es", NULL), GR_TIME);
	assert_int_equal(match_de("Wie viel Uhr ist es?", NULL), GR_TIME);
	assert_int_equal(match_de("Lauter!", NULL), GR_VOLUME_UP);
	assert_int_equal(match_de("Mach mal etwas lauter.", NULL), GR_VOLUME_UP);
	assert_int_equal(match_de("Lautstärke hoch", NULL), GR_VOLUME_UP);
	assert_int_equal(match_de("Leiser, bitte.", NULL), GR_VOLUME_DOWN);
	assert_int_equal(match_de("mach die Lautstaerke runter", NULL),
			 GR_VOLUME_DOWN);
	assert_int_equal(match_de("Wie spät ist es in Tokio?", NULL), GR_NONE);
	assert_int_equal(match_de("Lautstärke", NULL), GR_NONE);
	assert_int_equal(match_de("Stopp das Wetter", NULL), GR_NONE);
	/* the English rules stay English */
	assert_int_equal(match("Wie spät ist es?", NULL), GR_NONE);
	assert_int_equal(match("lauter", NULL), GR_NONE);
	/* a language with no rules of its own is read in English */
	assert_int_equal(grammar_match_lang("xx", "louder", 6,
					    &(struct grammar_match){ 0 }),
			 GR_VOLUME_UP);
}

static void overlong_and_binary_input(void **state)
{
	char big[4096];
	const char bin[] = "set\0a\xff\x01timer";

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(grammar_match(big, sizeof(big), &(struct grammar_match){ 0 }),
			 GR_NONE);
	for (size_t i = 0; i + 5 < sizeof(big); i += 5)
		memcpy(big + i, "stop ", 5);
	assert_int_equal(grammar_match(big, sizeof(big), &(struct grammar_match){ 0 }),
			 GR_NONE);
	assert_int_equal(grammar_match(bin, sizeof(bin) - 1, &(struct grammar_match){ 0 }),
			 GR_NONE);
}

/* A fixed "now": 2026-03-10 14:30:00 local time, in UTC. */
static time_t now_at(int h, int m)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 2, .tm_mday = 10,
			 .tm_hour = h, .tm_min = m, .tm_isdst = -1 };

	return mktime(&tm);
}

static void alarm_times(void **state)
{
	time_t now = now_at(14, 30), due;
	char why[200];

	(void)state;
	assert_int_equal(timers_parse_alarm("15:00", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due - now, 30 * 60);
	/* earlier in the day: tomorrow */
	assert_int_equal(timers_parse_alarm("07:15", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due - now, (24 * 60 - 7 * 60 - 15) * 60);
	assert_int_equal(timers_parse_alarm("7:45", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due - now, (24 * 60 - 6 * 60 - 45) * 60);
	assert_int_equal(timers_parse_alarm("2026-03-11T08:00", now, &due, why,
					    sizeof(why)), 0);
	assert_int_equal(due - now, (17 * 60 + 30) * 60);
	assert_int_equal(timers_parse_alarm("2026-03-10 14:30:30", now, &due,
					    why, sizeof(why)), 0);
	assert_int_equal(due - now, 30);
}

static void bad_alarm_times(void **state)
{
	static const char *const bad[] = { "25:00", "12:60", "noon", "1230",
					   "12:3", "12:30pm", "",
					   "2026-13-01T08:00",
					   "2026-03-10T08:00" /* past */ };
	time_t now = now_at(14, 30), due;
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (!timers_parse_alarm(bad[i], now, &due, why, sizeof(why)))
			fail_msg("'%s' was taken", bad[i]);
		if (!strstr(why, bad[i]))
			fail_msg("'%s': the error does not name it: %s", bad[i],
				 why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timer_numbers_in_digits_and_words),
		cmocka_unit_test(not_timers),
		cmocka_unit_test(stop_time_volume),
		cmocka_unit_test(german_timers),
		cmocka_unit_test(german_not_timers),
		cmocka_unit_test(german_stop_time_volume),
		cmocka_unit_test(overlong_and_binary_input),
		cmocka_unit_test(alarm_times),
		cmocka_unit_test(bad_alarm_times),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("grammar", tests, NULL, NULL);
}
