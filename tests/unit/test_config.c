// SPDX-License-Identifier: MIT
/* Unit tests: app/config.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../app/config.h"

static char reports[16][1024];
static int nreports;

static void report(const char *line, void *ctx)
{
	(void)ctx;
	if (nreports < 16)
		snprintf(reports[nreports], sizeof(reports[0]), "%s", line);
	nreports++;
}

static char path[64];

static int load(const char *text, struct parley_config *cfg)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/parley-test-%d.conf", getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	nreports = 0;
	int r = config_load(cfg, path, report, NULL);

	unlink(path);
	return r;
}

static void defaults_pass_their_own_checks(void **state)
{
	char why[256];

	(void)state;
	for (size_t i = 0; i < config_nkeys; i++)
		if (config_check_value(&config_keys[i], config_keys[i].def, why,
				       sizeof(why)))
			fail_msg("default of %s: %s", config_keys[i].path, why);
}

static void good_values_are_loaded(void **state)
{
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("audio = { playback_rate = 48000;"
			      " capture_device = \"hw:1,0\"; };\n"
			      "llm = { model = \"qwen2.5:3b\"; };\n",
			      &cfg),
			 0);
	assert_int_equal(cfg.playback_rate, 48000);
	assert_string_equal(cfg.capture_device, "hw:1,0");
	assert_string_equal(cfg.llm_model, "qwen2.5:3b");
	/* untouched keys keep their defaults */
	assert_int_equal(cfg.end_silence_ms, 700);
	assert_string_equal(cfg.playback_device, "default");
}

static void each_error_names_file_line_key_value_and_range(void **state)
{
	static struct parley_config cfg;
	char want[256];

	(void)state;
	assert_int_equal(load("audio = {\n"
			      "  playback_rate = 96000;\n"
			      "};\n"
			      "endpoint = { silence_ms = \"long\"; };\n"
			      "llm = { modle = \"x\"; };\n"
			      "log = { level = \"loud\"; };\n",
			      &cfg),
			 4);
	snprintf(want, sizeof(want),
		 "%s:2: audio.playback_rate = 96000: must be an integer from 8000 to 48000",
		 path);
	assert_string_equal(reports[0], want);
	snprintf(want, sizeof(want),
		 "%s:4: endpoint.silence_ms = \"long\": must be an integer from 300 to 1500",
		 path);
	assert_string_equal(reports[1], want);
	snprintf(want, sizeof(want), "%s:5: llm.modle = \"x\": unknown key", path);
	assert_string_equal(reports[2], want);
	assert_non_null(strstr(reports[3], ":6: log.level = \"loud\": must be one of"));
	assert_non_null(strstr(reports[3], "\"debug\""));
}

static void the_compiled_limit_is_the_ceiling(void **state)
{
	static struct parley_config cfg;
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "endpoint = { max_utterance_ms = %d; };",
		 PARLEY_UTT_MAX_MS + 10);
	assert_int_equal(load(text, &cfg), 1);
	assert_non_null(strstr(reports[0], "endpoint.max_utterance_ms"));
	snprintf(text, sizeof(text), "to %d", PARLEY_UTT_MAX_MS);
	assert_non_null(strstr(reports[0], text));
	assert_int_equal(load("audio = { playback_rate = 44150; };", &cfg), 1);
	assert_non_null(strstr(reports[0], "multiple of 100"));
}

static void values_with_control_bytes_stay_on_one_line(void **state)
{
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("log = { level = \"lo\\nud\"; };", &cfg), 1);
	assert_null(strchr(reports[0], '\n'));
	assert_non_null(strstr(reports[0], "log.level = \"lo\\x0aud\""));
}

static void syntax_errors_and_missing_files(void **state)
{
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("audio = {\n  playback_rate = 16000\n", &cfg), 1);
	assert_non_null(strstr(reports[0], "syntax error"));
	nreports = 0;
	assert_int_equal(config_load(&cfg, "/nonexistent/parley.conf", report,
				     NULL),
			 -1);
	assert_string_equal(reports[0],
			    "/nonexistent/parley.conf: cannot read the config file: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_pass_their_own_checks),
		cmocka_unit_test(good_values_are_loaded),
		cmocka_unit_test(each_error_names_file_line_key_value_and_range),
		cmocka_unit_test(the_compiled_limit_is_the_ceiling),
		cmocka_unit_test(values_with_control_bytes_stay_on_one_line),
		cmocka_unit_test(syntax_errors_and_missing_files),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
