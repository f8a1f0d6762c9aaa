// SPDX-License-Identifier: MIT
/* Unit tests: app/tools.c over a real store in a temporary file (timers,
 * facts, argument errors, the facts paragraph's budget). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../app/json_arena.h"
#include "../../app/log.h"
#include "../../app/device.h"
#include "../../app/tools.h"
#include "unit_util.h"

/* The parts the tools use, as the wiring (main.c) gives them. */
static struct {
	struct parley_config cfg;
	struct store *store;
	struct timers timers;
	struct device dev;
	int volume_applied; /* the audio.volume hook ran with this */
} p;
static char path[64];

static void apply_volume(void *ctx, const struct parley_config *cfg)
{
	(void)ctx;
	p.volume_applied = cfg->volume;
}

static const struct config_live live = { .apply = { [CH_VOLUME] = apply_volume } };

static void start_timers(void)
{
	static struct synth synth; /* never started: nothing rings here */
	struct timers_deps td = { .store = p.store, .synth = &synth,
				  .cfg = &p.cfg };

	timers_init(&p.timers, &td);
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	config_defaults(&p.cfg);
	unit_db_path(path, sizeof(path), "tools");
	p.store = store_open(path, err, sizeof(err));
	assert_non_null(p.store);
	start_timers();
	p.dev = (struct device){ .cfg = &p.cfg, .live = &live,
				 .timers = &p.timers, .store = p.store };
	p.volume_applied = -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	timers_stop(&p.timers);
	store_close(p.store);
	unit_db_remove(path);
	return 0;
}

static char out[PARLEY_TOOL_RESULT_MAX];

static int run(const char *name, const char *args)
{
	out[0] = '\0';
	return tools_run(&p.dev, name, args, out, sizeof(out));
}

static void timers_set_list_cancel(void **state)
{
	(void)state;
	assert_int_equal(run("set_timer", "{\"seconds\": 125, \"label\": \"tea\"}"), 0);
	assert_non_null(strstr(out, "Timer 'tea' set for 2 minutes 5 seconds"));
	assert_int_equal(run("set_timer", "{\"seconds\": \"60\"}"), 0);
	assert_non_null(strstr(out, "Timer 'timer' set for 1 minute"));
	assert_int_equal(p.timers.n, 2);
	assert_int_equal(run("list_timers", ""), 0);
	assert_non_null(strstr(out, "2 set:"));
	assert_non_null(strstr(out, "timer 'tea' rings in 2 minutes"));
	assert_int_equal(run("cancel_timer", "{\"label\": \"coffee\"}"), -1);
	assert_non_null(strstr(out, "error: no timer or alarm named 'coffee'"));
	assert_non_null(strstr(out, "'tea'")); /* and what there is */
	assert_int_equal(run("cancel_timer", "{\"label\": \"TEA\"}"), 0);
	assert_int_equal(p.timers.n, 1);
	assert_int_equal(run("set_alarm", "{\"time\": \"07:30\"}"), 0);
	assert_non_null(strstr(out, "Alarm set for 07:30"));
	assert_int_equal(p.timers.n, 2);
	/* the store holds what the table holds: reopen and count */
	timers_stop(&p.timers);
	start_timers();
	assert_int_equal(p.timers.n, 2);
	assert_int_equal(run("cancel_timer", "{\"label\": \"\"}"), 0);
	assert_string_equal(out, "Cancelled 2 timers.");
	start_timers();
	assert_int_equal(p.timers.n, 0);
}

static void bad_arguments_are_named(void **state)
{
	static const struct {
		const char *name, *args, *want;
	} bad[] = {
		{ "set_timer", "{}", "set_timer needs 'seconds', an integer from 1 to 86400" },
		{ "set_timer", "{\"seconds\": 0}", "'seconds' must be an integer from 1 to 86400" },
		{ "set_timer", "{\"seconds\": 2.5}", "'seconds' must be an integer" },
		{ "set_timer", "{\"seconds\": 5, \"label\": 7}", "set_timer needs 'label', a string" },
		{ "set_timer", "[1]", "set_timer: the arguments are not a JSON object" },
		{ "set_timer", "{\"seconds\": 5,", "not a JSON object" },
		{ "set_alarm", "{\"time\": \"noon\"}", "time 'noon' is not HH:MM" },
		{ "set_volume", "{\"percent\": -1}", "'percent' must be an integer from 0 to 100" },
		{ "remember", "{\"fact\": \"\"}", "remember: 'fact' is empty" },
		{ "remember", "{\"fact\": \"a\\u0001b\"}", "'fact' has a control character" },
		{ "forget", "{\"fact\": \"zebra\"}", "no remembered fact contains 'zebra'" },
		{ "launch_rocket", "{}", "there is no tool named 'launch_rocket'; the tools are: set_timer," },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run(bad[i].name, bad[i].args) != -1)
			fail_msg("%s(%s) was accepted: %s", bad[i].name,
				 bad[i].args, out);
		if (strncmp(out, "error: ", 7) || !strstr(out, bad[i].want))
			fail_msg("%s(%s): '%s' does not say '%s'", bad[i].name,
				 bad[i].args, out, bad[i].want);
	}
	assert_int_equal(p.timers.n, 0);
}

static void facts_and_their_budget(void **state)
{
	char prompt[PARLEY_FACTS_CHARS_MAX];
	size_t n;

	(void)state;
	assert_int_equal(run("remember", "{\"fact\": \"The cat is called Miso.\"}"), 0);
	assert_string_equal(out, "Remembered.");
	assert_int_equal(run("remember", "{\"fact\": \"the cat is called miso.\"}"), 0);
	assert_string_equal(out, "That was already remembered.");
	assert_int_equal(run("remember", "{\"fact\": \"Dinner is at seven.\"}"), 0);
	assert_int_equal(run("recall", "{\"query\": \"CAT\"}"), 0);
	assert_non_null(strstr(out, "- The cat is called Miso."));
	assert_null(strstr(out, "Dinner"));
	assert_int_equal(run("recall", "{\"query\": \"dog\"}"), 0);
	assert_non_null(strstr(out, "No remembered fact contains 'dog'"));
	assert_non_null(strstr(out, "Dinner is at seven."));

	/* everything fits: newest first */
	n = tools_facts_prompt(p.store, 1000, prompt, sizeof(prompt));
	assert_int_equal(n, strlen(prompt));
	assert_true(strstr(prompt, "Dinner") < strstr(prompt, "Miso"));
	/* a budget for the heading and the newest fact only */
	n = tools_facts_prompt(p.store, (int)(strstr(prompt, "\n- The cat") - prompt) + 5,
			       prompt, sizeof(prompt));
	assert_true(n > 0);
	assert_non_null(strstr(prompt, "Dinner is at seven."));
	assert_null(strstr(prompt, "Miso"));
	assert_true(n <= (size_t)(strstr(prompt, "seven.") - prompt) + 6 + 5);
	/* too small for any fact: nothing at all */
	assert_int_equal(tools_facts_prompt(p.store, 45, prompt, sizeof(prompt)), 0);
	assert_string_equal(prompt, "");

	assert_int_equal(run("forget", "{\"fact\": \"cat\"}"), 0);
	assert_string_equal(out, "Forgot 1 fact.");
	assert_int_equal(run("forget", "{\"fact\": \"dinner\"}"), 0);
	assert_int_equal(tools_facts_prompt(p.store, 1000, prompt, sizeof(prompt)), 0);
}

/* set_volume, like "set" and SIGHUP, changes audio.volume through the
 * settings table: the value is checked and the engine's hook runs. */
static void set_volume_takes_the_settings_path(void **state)
{
	(void)state;
	p.cfg.volume = 100;
	assert_int_equal(run("set_volume", "{\"percent\": 35}"), 0);
	assert_int_equal(p.cfg.volume, 35);
	assert_int_equal(p.volume_applied, 35);
	assert_non_null(strstr(out, "35 percent"));
	p.volume_applied = -1;
	assert_int_equal(run("set_volume", "{\"percent\": 101}"), -1);
	assert_int_equal(p.cfg.volume, 35);
	assert_int_equal(p.volume_applied, -1); /* refused: no hook */
	/* the device action clamps, and reports the volume it set */
	assert_int_equal(device_set_volume(&p.dev, 140, out, sizeof(out)), 100);
	assert_int_equal(p.volume_applied, 100);
	assert_int_equal(device_volume(&p.dev), 100);
}

static void facts_are_bounded(void **state)
{
	char args[64];

	(void)state;
	for (int i = 0; i < PARLEY_FACTS_MAX; i++) {
		snprintf(args, sizeof(args), "{\"fact\": \"fact number %d\"}", i);
		assert_int_equal(run("remember", args), 0);
	}
	assert_int_equal(run("remember", "{\"fact\": \"one too many\"}"), -1);
	assert_non_null(strstr(out, "facts are kept already; forget one first"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(timers_set_list_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(facts_and_their_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(facts_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(set_volume_takes_the_settings_path,
						setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	log_open(1, LOG_ERR);
	json_arena_install(); /* cJSON lives in the arena, as in parleyd */
	return cmocka_run_group_tests_name("tools", tests, NULL, NULL);
}
