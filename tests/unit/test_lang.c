// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/lang.c.  Every shipped language has every phrase, with
 * the arguments lang_phrase_args says (the format strings are parsed
 * here: a table whose %d stands where the callers pass a string would
 * crash the daemon, and the compiler cannot see it); what follows
 * speaker.language; the German words themselves where they are built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../app/config.h"
#include "../../app/lang.h"

/*
 * The arguments a printf format takes, spelled as lang_phrase_args
 * spells them ("s", "d", "ld", ...), into sig; -1 for a conversion the
 * phrases may not use (a '*', a pointer, a float, an unknown one).
 */
static int signature(const char *fmt, char *sig, size_t len)
{
	size_t n = 0;

	sig[0] = '\0';
	for (const char *p = fmt; *p; p++) {
		const char *conv;

		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		p += strspn(p, "-+ #0");
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		if (*p == 'l' && (p[1] == 'd' || p[1] == 'i')) {
			conv = "ld";
			p++;
		} else if (*p == 'd' || *p == 'i') {
			conv = "d";
		} else if (*p == 's') {
			conv = "s";
		} else {
			return -1;
		}
		if (n + strlen(conv) >= len)
			return -1;
		memcpy(sig + n, conv, strlen(conv) + 1);
		n += strlen(conv);
	}
	return 0;
}

static void the_parser_tells_formats_apart(void **state)
{
	char sig[16];

	(void)state;
	assert_int_equal(signature("Timer %s.", sig, sizeof(sig)), 0);
	assert_string_equal(sig, "s");
	assert_int_equal(signature("It is %02d:%02d.", sig, sizeof(sig)), 0);
	assert_string_equal(sig, "dd");
	assert_int_equal(signature("%ld Minuten, 100%% %s", sig, sizeof(sig)), 0);
	assert_string_equal(sig, "lds");
	assert_int_equal(signature("no arguments", sig, sizeof(sig)), 0);
	assert_string_equal(sig, "");
	assert_int_equal(signature("%*d", sig, sizeof(sig)), -1);
	assert_int_equal(signature("%f", sig, sizeof(sig)), -1);
	assert_int_equal(signature("%p", sig, sizeof(sig)), -1);
}

static void every_phrase_in_every_language(void **state)
{
	int nlangs = 0;

	(void)state;
	for (int i = 0; langs[i]; i++, nlangs++) {
		const struct lang *l = langs[i];

		assert_non_null(l->phrases);
		for (int id = 0; id < PH_COUNT; id++) {
			const char *want = lang_phrase_args[id] ?
						   lang_phrase_args[id] : "";
			const char *p = l->phrases[id];
			char sig[16];

			if (!p || !p[0])
				fail_msg("%s: phrase %d is missing", l->code, id);
			if (signature(p, sig, sizeof(sig)))
				fail_msg("%s: phrase %d '%s' has a conversion the phrases may not use",
					 l->code, id, p);
			if (strcmp(sig, want))
				fail_msg("%s: phrase %d '%s' takes '%s', its callers pass '%s'",
					 l->code, id, p, sig, want);
			/* said as they are (phrase()): a '%' would be read */
			if (!want[0] && strchr(p, '%'))
				fail_msg("%s: phrase %d '%s' has a '%%'",
					 l->code, id, p);
		}
	}
	assert_int_equal(nlangs, 2); /* English and German ship */
	assert_non_null(lang_find("en"));
	assert_non_null(lang_find("de"));
}

static void voice_stt_and_prompt_follow_the_language(void **state)
{
	static struct parley_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.language, "en");
	assert_string_equal(lang_voice(&cfg), "en");
	assert_string_equal(lang_stt_hint(&cfg), "en");
	assert_non_null(strstr(lang_system_prompt(&cfg), "voice assistant"));

	snprintf(cfg.language, sizeof(cfg.language), "de");
	assert_string_equal(lang_voice(&cfg), "de");
	assert_string_equal(lang_stt_hint(&cfg), "de");
	assert_non_null(strstr(lang_system_prompt(&cfg), "Antworte auf Deutsch"));
	assert_string_equal(phrase(&cfg, PH_MIC_OFF), "Das Mikrofon ist aus.");

	/* set on their own, they stay */
	snprintf(cfg.tts_voice, sizeof(cfg.tts_voice), "de+f3");
	snprintf(cfg.stt_language, sizeof(cfg.stt_language), "auto");
	snprintf(cfg.system_prompt, sizeof(cfg.system_prompt), "Be brief.");
	assert_string_equal(lang_voice(&cfg), "de+f3");
	assert_string_equal(lang_stt_hint(&cfg), "");
	assert_string_equal(lang_system_prompt(&cfg), "Be brief.");
	snprintf(cfg.stt_language, sizeof(cfg.stt_language), "fr");
	assert_string_equal(lang_stt_hint(&cfg), "fr");
	/* still German phrases: only the three follow separately */
	assert_string_equal(phrase(&cfg, PH_DIDNT_CATCH),
			    "Ich habe dich nicht verstanden.");

	/* a language with no table (the settings refuse it) speaks English */
	snprintf(cfg.language, sizeof(cfg.language), "xx");
	assert_string_equal(phrase(&cfg, PH_MIC_OFF), "Microphone off.");
}

static void phrases_with_arguments(void **state)
{
	static struct parley_config cfg;
	char buf[160];

	(void)state;
	config_defaults(&cfg);
	phrase_format(&cfg, buf, sizeof(buf), PH_TIMER_RINGS, "tea");
	assert_string_equal(buf, "Timer tea.");
	phrase_format(&cfg, buf, sizeof(buf), PH_TIME, 9, 5);
	assert_string_equal(buf, "It is 09:05.");
	phrase_format(&cfg, buf, sizeof(buf), PH_TIME_HOUR, 14);
	assert_string_equal(buf, "It is 14:00.");
	snprintf(cfg.language, sizeof(cfg.language), "de");
	phrase_format(&cfg, buf, sizeof(buf), PH_TIMER_RINGS, "Nudeln");
	assert_string_equal(buf, "Der Timer für Nudeln ist abgelaufen.");
	phrase_format(&cfg, buf, sizeof(buf), PH_TIME, 14, 5);
	assert_string_equal(buf, "Es ist 14 Uhr 5.");
	phrase_format(&cfg, buf, sizeof(buf), PH_TIME_HOUR, 9);
	assert_string_equal(buf, "Es ist 9 Uhr.");
	phrase_format(&cfg, buf, sizeof(buf), PH_LLM_MODEL_MISSING, "llama3.2");
	assert_string_equal(buf, "Das Modell llama3.2 ist auf dem "
				 "Sprachmodell-Server nicht installiert.");
	/* cut to the buffer, terminated */
	assert_int_equal(phrase_format(&cfg, buf, 7, PH_VOLUME, 40),
			 (int)strlen("Lautstärke 40 Prozent."));
	assert_string_equal(buf, "Lautst");
}

static void durations_in_words(void **state)
{
	static const struct {
		const char *code;
		long s;
		const char *want;
	} cases[] = {
		/* English as tools_duration says it */
		{ "en", 90, "1 minute 30 seconds" },
		{ "en", 3600, "1 hour" },
		{ "en", 0, "0 seconds" },
		{ "en", 3725, "1 hour 2 minutes 5 seconds" },
		{ "en", 3605, "1 hour 5 seconds" },
		{ "en", 7325, "2 hours 2 minutes 5 seconds" },
		{ "de", 300, "5 Minuten" },
		{ "de", 1, "1 Sekunde" },
		{ "de", 5400, "1 Stunde und 30 Minuten" },
		{ "de", 61, "1 Minute und 1 Sekunde" },
		{ "de", 86400, "24 Stunden" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lang_duration(lang_find(cases[i].code), cases[i].s, buf,
			      sizeof(buf));
		if (strcmp(buf, cases[i].want))
			fail_msg("%s %ld s: '%s', not '%s'", cases[i].code,
				 cases[i].s, buf, cases[i].want);
	}
}

static void the_setting_names_the_languages(void **state)
{
	char why[160];

	(void)state;
	assert_int_equal(lang_check(NULL, "de", why, sizeof(why)), 0);
	assert_int_equal(lang_check(NULL, "en", why, sizeof(why)), 0);
	assert_int_equal(lang_check(NULL, "fr", why, sizeof(why)), -1);
	assert_string_equal(why, "must be a language the speaker has: "
				 "en (English), de (Deutsch)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_parser_tells_formats_apart),
		cmocka_unit_test(every_phrase_in_every_language),
		cmocka_unit_test(voice_stt_and_prompt_follow_the_language),
		cmocka_unit_test(phrases_with_arguments),
		cmocka_unit_test(durations_in_words),
		cmocka_unit_test(the_setting_names_the_languages),
	};

	return cmocka_run_group_tests_name("lang", tests, NULL, NULL);
}
