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
#include <sys/stat.h>
#include <unistd.h>

#include "../../app/backends.h"
#include "../../app/config.h"
#include "../../app/led.h"
#include "../../dsp/aec.h"
#include "../../hal/chain.h"

static char reports[16][1400];
static int nreports;

static void report(const char *line, void *ctx)
{
	(void)ctx;
	if (nreports < 16)
		snprintf(reports[nreports], sizeof(reports[0]), "%s", line);
	nreports++;
}

static char path[64];

static void ignore_change(const struct config_key *k, int live,
			  const char *old, const char *now, void *ctx)
{
	(void)k;
	(void)live;
	(void)old;
	(void)now;
	(void)ctx;
}
#define NULL_CHANGE ignore_change

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
	snprintf(want, sizeof(want),
		 "%s:5: llm.modle = \"x\": unknown key; did you mean llm.model?",
		 path);
	assert_string_equal(reports[2], want);
	assert_non_null(strstr(reports[3], ":6: log.level = \"loud\": must be one of"));
	assert_non_null(strstr(reports[3], "\"debug\""));
}

/* keep_alive: seconds as a number or a string of digits, or a duration
 * Go's time.ParseDuration takes; anything else is refused at load */
static void keep_alive_takes_seconds_or_a_go_duration(void **state)
{
	static const char *const good[] = { "-1", "3600", "\"-1\"", "\"3600\"",
					    "\"10m\"", "\"1h30m\"", "\"1.5h\"",
					    "\"-1s\"", "\"0\"", "\"250ms\"" };
	static const char *const bad[] = { "\"5 minutes\"", "\"10x\"",
					   "\"m\"", "\"1h-\"", "true" };
	static struct parley_config cfg;
	char text[128], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "llm = { keep_alive = %s; };\n",
			 good[i]);
		if (load(text, &cfg))
			fail_msg("%s refused: %s", good[i], reports[0]);
	}
	assert_int_equal(load("llm = { keep_alive = -1; };\n", &cfg), 0);
	assert_string_equal(cfg.keep_alive, "-1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "llm = { keep_alive = %s; };\n",
			 bad[i]);
		assert_int_equal(load(text, &cfg), 1);
	}
	load("llm = { keep_alive = \"5 minutes\"; };\n", &cfg);
	snprintf(want, sizeof(want),
		 "%s:1: llm.keep_alive = \"5 minutes\": must be seconds (a number, -1 to keep the model loaded) or a duration with units such as \"10m\" or \"1h30m\"",
		 path);
	assert_string_equal(reports[0], want);
}

/* led.STATE: each state's pattern is a setting, checked as it is read */
static void led_patterns_are_settings(void **state)
{
	static const char *const bad[][2] = {
		{ "\"purple:on\"", "must be off, heartbeat, or COLOURS:STEPS" },
		{ "\"red\"", "must be off, heartbeat, or COLOURS:STEPS" },
		{ "\"red:5/5\"", "10 to 60000 ms" },
		{ "\"red:100/100/100/100/100/100/100\"", "up to 6 on/off times" },
		{ "\"red:100/100 twice\"", "only \" once\" may follow" },
	};
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("led = { idle = \"heartbeat\";"
			      " thinking = \"blue+green:200/800\";"
			      " listening = \"red+green+blue:on\";"
			      " error = \"red:100/100 once\"; };\n",
			      &cfg),
			 0);
	assert_string_equal(cfg.led_thinking, "blue+green:200/800");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "led = { speaking = %s; };\n",
			 bad[i][0]);
		assert_int_equal(load(text, &cfg), 1);
		if (!strstr(reports[0], bad[i][1]))
			fail_msg("%s: %s", bad[i][0], reports[0]);
	}
	/* the table's defaults are the LED module's own */
	for (int s = 0; s < LED_STATES; s++) {
		char key[32];

		snprintf(key, sizeof(key), "led.%s", led_state_names[s]);
		assert_non_null(config_find(key));
		assert_string_equal(config_find(key)->def,
				    led_pattern_default((enum led_state)s));
	}
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

__attribute__((format(printf, 2, 3))) static void expect(int i,
							 const char *fmt,
							 ...)
{
	char want[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_string_equal(reports[i], want);
}

/* libconfig says "syntax error" and a line: the report adds the line
 * itself, and a caret only where a column can be known. */
static void syntax_errors_show_the_line_and_a_caret(void **state)
{
	static struct parley_config cfg;

	(void)state;
	/* a group never closed: libconfig names the line past the end */
	assert_int_equal(load("audio = {\n  playback_rate = 16000;\n", &cfg),
			 1);
	assert_int_equal(nreports, 3);
	expect(0, "%s:3: syntax error: the file ends inside the group opened on line 1 (its '}' is missing)",
	       path);
	assert_string_equal(reports[1], "    1 | audio = {");
	assert_string_equal(reports[2], "      |         ^");
	/* a string never closed, its quote marked, tabs kept */
	assert_int_equal(load("llm = {\n\turl = \"http://h;\n};\n", &cfg), 1);
	expect(0, "%s:4: syntax error: the file ends inside the string opened on line 2 (its closing '\"' is missing)",
	       path);
	assert_string_equal(reports[1], "    2 | \turl = \"http://h;");
	assert_string_equal(reports[2], "      | \t      ^");
	/* a string without quotes, after a group's other settings */
	assert_int_equal(load("llm = { url = \"a;b\"; model = llama3; };\n",
			      &cfg),
			 1);
	expect(0, "%s:1: syntax error: llama3 is not a value: a string needs quotes, \"llama3\"",
	       path);
	assert_string_equal(reports[2], "      |                              ^");
	assert_int_equal(load("audio {\n  volume = 5; };\n", &cfg), 1);
	expect(0, "%s:1: syntax error: '=' expected after \"audio\"", path);
	assert_string_equal(reports[2], "      |       ^");
	assert_int_equal(load("audio = { volume = 5x; };\n", &cfg), 1);
	expect(0, "%s:1: syntax error: a number cannot go on with 'x'", path);
	assert_string_equal(reports[1], "    1 | audio = { volume = 5x; };");
	assert_string_equal(reports[2], "      | " "                    ^");
	/* nothing stands out: the line, and no caret rather than a guess */
	assert_int_equal(load("audio = { volume = 5;; };\n", &cfg), 1);
	assert_int_equal(nreports, 2);
	expect(0, "%s:1: syntax error, on this line or at the end of the one before",
	       path);
	assert_string_equal(reports[1], "    1 | audio = { volume = 5;; };");
	/* libconfig's other texts are its own */
	assert_int_equal(load("log = { level = \"info\"; };\nlog = {};\n", &cfg),
			 1);
	expect(0, "%s:2: duplicate setting name", path);
}

static void wrong_kinds_are_named(void **state)
{
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("audio = 5;\n"
			      "llm = {\n  url = { host = \"h\"; };\n"
			      "  temperature = { };\n};\n",
			      &cfg),
			 3);
	expect(0, "%s:1: audio = 5: audio must be a group: audio = { KEY = VALUE; ... };",
	       path);
	expect(1, "%s:3: llm.url must be a string, not a group", path);
	expect(2, "%s:4: llm.temperature must be a number, not a group", path);
}

static void misspelled_keys_get_a_suggestion(void **state)
{
	static struct parley_config cfg;
	char buf[64], why[400];

	(void)state;
	assert_int_equal(load("stt = { lnaguage = \"de\"; };\n"
			      "audoi = { volume = 5; };\n"
			      "volume = 4;\n"
			      "tts = { url_path = \"x\"; };\n"
			      "endpoint = { silence_msec = 700; };\n"
			      "llm = { zzzzzz = 1; };\n",
			      &cfg),
			 6);
	/* a transposition and a dropped letter are one edit each */
	expect(0, "%s:1: stt.lnaguage = \"de\": unknown key; did you mean stt.language?",
	       path);
	expect(1, "%s:2: audoi: unknown group; did you mean audio?", path);
	/* the right name in no group */
	expect(2, "%s:3: volume = 4: unknown key; did you mean audio.volume?",
	       path);
	expect(3, "%s:4: tts.url_path = \"x\": unknown key", path);
	expect(4, "%s:5: endpoint.silence_msec = 700: unknown key; did you mean endpoint.silence_ms?",
	       path);
	expect(5, "%s:6: llm.zzzzzz = 1: unknown key", path);
	/* a key in the wrong group, and set's own refusal */
	assert_int_equal(config_suggest("stt.voice", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tts.voice");
	assert_int_equal(config_suggest("xyzzy", buf, sizeof(buf)), -1);
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "endpoint.silense_ms", "900", NULL,
				    why, sizeof(why)),
			 -1);
	assert_string_equal(why,
			    "unknown key 'endpoint.silense_ms'; did you mean endpoint.silence_ms?");
}

/* URLs with the right scheme that cannot work: a hint for each. */
static void urls_that_cannot_work_get_a_hint(void **state)
{
	static struct parley_config cfg;
	char why[400];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), 0);
	snprintf(cfg.stt_url, sizeof(cfg.stt_url), "http://h:8080");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "stt.url = \"http://h:8080\": stt.backend = \"openai\" posts to the URL as given: add its path, http://h:8080/v1/audio/transcriptions");
	snprintf(cfg.stt_backend, sizeof(cfg.stt_backend), "whispercpp");
	snprintf(cfg.stt_url, sizeof(cfg.stt_url), "https://h/");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "stt.url = \"https://h/\": stt.backend = \"whispercpp\" posts to the URL as given: add its path, https://h/inference");
	snprintf(cfg.stt_url, sizeof(cfg.stt_url), "https://h/inference");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), 0);
	snprintf(cfg.llm_url, sizeof(cfg.llm_url),
		 "http://127.0.0.1:11434/api/chat/");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "llm.url = \"http://127.0.0.1:11434/api/chat/\": give the server's base URL, http://127.0.0.1:11434: llm.backend = \"ollama\" adds /api/chat itself");
	snprintf(cfg.llm_backend, sizeof(cfg.llm_backend), "openai");
	snprintf(cfg.llm_url, sizeof(cfg.llm_url),
		 "http://h:8000/v1/chat/completions");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "llm.url = \"http://h:8000/v1/chat/completions\": give the server's base URL, http://h:8000: llm.backend = \"openai\" adds /v1/chat/completions itself");
	snprintf(cfg.llm_url, sizeof(cfg.llm_url), "http://h:8000/v1");
	assert_int_equal(backends_url_rule(&cfg, why, sizeof(why)), 0);
}

/* A fake espeak-ng data directory (ESPEAK_DATA_PATH, set in main before
 * the first look): two languages and one variant. */
static char espeak_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_espeak_dir(void)
{
	char cmd[256];

	snprintf(espeak_dir, sizeof(espeak_dir), "/tmp/parley-espeak-%d",
		 getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/espeak-ng-data/lang/gmw' '%s/espeak-ng-data/voices/!v'",
		 espeak_dir, espeak_dir);
	if (system(cmd))
		abort();
	snprintf(cmd, sizeof(cmd), "%s/espeak-ng-data", espeak_dir);
	write_file(cmd, "lang/gmw/en-US",
		   "name English (America)\nlanguage en-us 2\nlanguage en 3\n");
	write_file(cmd, "lang/gmw/de", "name German\nlanguage de\n");
	write_file(cmd, "voices/!v/f3", "language variant\nname female3\n");
	setenv("ESPEAK_DATA_PATH", espeak_dir, 1);
}

static void voices_and_languages_that_exist(void **state)
{
	static const char *const good[] = {
		"tts = { voice = \"\"; };",
		"tts = { voice = \"en-us\"; };",
		"tts = { voice = \"German\"; };",
		"tts = { voice = \"English (America)+f3\"; };",
		"stt = { language = \"\"; };",
		"stt = { language = \"auto\"; };",
		"stt = { language = \"de\"; };",
		"stt = { language = \"en-US\"; };",
		"stt = { language = \"zh-Hant-TW\"; };",
	};
	static struct parley_config cfg;
	char want[1200];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (load(good[i], &cfg))
			fail_msg("%s: %s", good[i], reports[0]);
	assert_int_equal(load("tts = { voice = \"vulcan\"; };", &cfg), 1);
	expect(0, "%s:1: tts.voice = \"vulcan\": espeak-ng has no such voice; it has: de en-US",
	       path);
	assert_int_equal(load("tts = { voice = \"de+f9\"; };", &cfg), 1);
	snprintf(want, sizeof(want),
		 "%s:1: tts.voice = \"de+f9\": espeak-ng has no variant \"f9\" (the files in %s/espeak-ng-data/voices/!v)",
		 path, espeak_dir);
	assert_string_equal(reports[0], want);
	assert_int_equal(load("stt = { language = \"xx-notalang\"; };", &cfg),
			 1);
	snprintf(want, sizeof(want),
		 "%s:1: stt.language = \"xx-notalang\": must be \"\" (speaker.language's), \"auto\" (none), or an ISO 639-1 code, a region after '-' allowed (\"en-US\"): aa ab ae af ak",
		 path);
	assert_memory_equal(reports[0], want, strlen(want));
	assert_non_null(strstr(reports[0], " xh yi yo za zh zu"));
	/* a real code with a broken region, and one letter short */
	assert_int_equal(load("stt = { language = \"en-\"; };", &cfg), 1);
	assert_int_equal(load("stt = { language = \"e\"; };", &cfg), 1);
	assert_int_equal(load("stt = { language = \"english\"; };", &cfg), 1);
}

/* config_load_layers with store.path in dir: file, then drop-in. */
static int load_layers(const char *dir, const char *file_text,
		       const char *dropin_text, struct parley_config *cfg)
{
	char conf[128], text[512];

	snprintf(conf, sizeof(conf), "%s/parley.conf", dir);
	snprintf(text, sizeof(text), "store = { path = \"%s/parley.db\"; };\n%s",
		 dir, file_text);
	write_file(dir, "parley.conf", text);
	if (dropin_text)
		write_file(dir, "console.conf", dropin_text);
	nreports = 0;
	return config_load_layers(cfg, conf, report, NULL);
}

static int source_of(const struct parley_config *cfg, const char *key)
{
	return cfg->source[config_find(key) - config_keys];
}

/* config save keeps a console change in the drop-in beside the store;
 * each value says where it came from; the drop-in cannot move a peer. */
static void console_changes_are_saved_to_the_drop_in(void **state)
{
	static struct parley_config cfg, next;
	char dir[64], why[400], want[512], dropin[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/parley-dropin-%d", getpid());
	mkdir(dir, 0700);
	snprintf(dropin, sizeof(dropin), "%s/console.conf", dir);
	unlink(dropin);
	assert_int_equal(load_layers(dir, "llm = { model = \"m1\"; };\n", NULL,
				     &cfg),
			 0);
	assert_int_equal(source_of(&cfg, "llm.model"), CS_FILE);
	assert_int_equal(source_of(&cfg, "audio.volume"), CS_DEFAULT);
	assert_string_equal(config_source_name(CS_DROPIN), "drop-in");
	/* set: runtime; save: drop-in, a string's quote kept */
	assert_int_equal(config_set(&cfg, "endpoint.silence_ms", "900", NULL,
				    why, sizeof(why)),
			 0);
	assert_int_equal(config_set(&cfg, "llm.system_prompt",
				    "Say \"hi\" \\ bye", NULL, why, sizeof(why)),
			 0);
	assert_int_equal(source_of(&cfg, "endpoint.silence_ms"), CS_RUNTIME);
	assert_int_equal(config_save_dropin(&cfg, why, sizeof(why)), 2);
	assert_int_equal(source_of(&cfg, "endpoint.silence_ms"), CS_DROPIN);
	/* a restart reads it after the file */
	assert_int_equal(load_layers(dir, "endpoint = { silence_ms = 500; };\n",
				     NULL, &next),
			 0);
	assert_int_equal(next.end_silence_ms, 900);
	assert_string_equal(next.system_prompt, "Say \"hi\" \\ bye");
	assert_int_equal(source_of(&next, "endpoint.silence_ms"), CS_DROPIN);
	assert_int_equal(source_of(&next, "llm.model"), CS_DEFAULT);
	/* a reload of the same values: the source follows the files */
	config_set(&cfg, "llm.model", "m2", NULL, why, sizeof(why));
	assert_int_equal(config_apply_live(&cfg, &next, NULL, NULL_CHANGE,
					   NULL),
			 0);
	assert_int_equal(source_of(&cfg, "llm.model"), CS_DEFAULT);
	/* peers, and what only a restart changes, are the file's alone */
	assert_int_equal(load_layers(dir, "",
				     "stt = {\n  model = \"w\";\n  url = \"http://evil/v1/audio/transcriptions\";\n};\n"
				     "audio = { capture_device = \"hw:9\"; };\n",
				     &next),
			 2);
	expect(0, "%s:3: stt.url: set only in the main config file, not in the console's drop-in",
	       dropin);
	expect(1, "%s:5: audio.capture_device: set only in the main config file, not in the console's drop-in",
	       dropin);
	unlink(dropin);
	snprintf(want, sizeof(want), "%s/parley.conf", dir);
	unlink(want);
	rmdir(dir);
}

static void syntax_errors_and_missing_files(void **state)
{
	static struct parley_config cfg;

	(void)state;
	assert_int_equal(load("audio = {\n  playback_rate = 16000\n", &cfg), 1);
	assert_non_null(strstr(reports[0], "syntax error"));
	assert_null(strstr(reports[0], "syntax error: syntax error"));
	nreports = 0;
	assert_int_equal(config_load(&cfg, "/nonexistent/parley.conf", report,
				     NULL),
			 -1);
	assert_string_equal(reports[0],
			    "/nonexistent/parley.conf: cannot read the config file: No such file or directory");
}


/* Defaults have one source: where a key sets a lower floor's parameter,
 * the table's default is that floor's own tuned default. */
static void table_defaults_are_the_modules_defaults(void **state)
{
	struct parley_config cfg;
	struct chain_config mapped, chain;
	struct aec_config aec;

	(void)state;
	config_defaults(&cfg);
	config_chain(&cfg, &mapped);
	chain_config_default(&chain);
	aec_config_default(&aec);
	assert_int_equal(mapped.aec, chain.aec);
	assert_int_equal(mapped.tail_ms, chain.tail_ms);
	assert_int_equal(mapped.tail_ms, aec.tail_ms);
	assert_int_equal(mapped.residual, chain.residual);
	assert_int_equal(mapped.residual, aec.residual);
	assert_int_equal(mapped.ns_db, chain.ns_db);
	assert_int_equal(mapped.agc, chain.agc);
	/* the whole VAD, keyed members and the rest alike */
	assert_memory_equal(&mapped.vad, &chain.vad, sizeof(chain.vad));
	/* and the mapping is not the default by accident */
	cfg.vad_onset_ms = 50;
	cfg.vad_voicing_pct = 50;
	cfg.dsp_aec_tail_ms = 128;
	config_chain(&cfg, &mapped);
	assert_int_equal(mapped.vad.onset_frames, 5);
	assert_int_equal(mapped.vad.voicing_q15, 16384);
	assert_int_equal(mapped.tail_ms, 128);
}

static int hook_calls[CH_COUNT];

static void count_hook(void *ctx, const struct parley_config *cfg)
{
	(void)cfg;
	hook_calls[*(enum config_hook *)ctx]++;
}

static enum config_hook seen_hook;

static void volume_hook(void *ctx, const struct parley_config *cfg)
{
	(void)ctx;
	seen_hook = CH_VOLUME;
	assert_int_equal(cfg->volume, 42); /* applied after the change */
}

static void stt_hook(void *ctx, const struct parley_config *cfg)
{
	count_hook(ctx, cfg);
}

/* set, SIGHUP and the tools take one path: a checked value, the rules
 * between keys, then the key's hook. */
static void settings_apply_through_their_hooks(void **state)
{
	static enum config_hook stt = CH_STT;
	struct config_live live = { .apply = { [CH_VOLUME] = volume_hook,
					       [CH_STT] = stt_hook } };
	static struct parley_config cfg, next;
	const char *keys[2], *texts[2];
	char why[400];

	(void)state;
	assert_int_equal(config_add_rule(backends_url_rule), 0);
	config_defaults(&cfg);
	memset(hook_calls, 0, sizeof(hook_calls));
	seen_hook = CH_NONE;
	assert_int_equal(config_set(&cfg, "audio.volume", "42", &live, why,
				    sizeof(why)),
			 0);
	assert_int_equal(seen_hook, CH_VOLUME);
	/* a bad value changes nothing and runs no hook */
	seen_hook = CH_NONE;
	assert_int_equal(config_set(&cfg, "audio.volume", "420", &live, why,
				    sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "must be an integer from 0 to 100"));
	assert_int_equal(cfg.volume, 42);
	assert_int_equal(seen_hook, CH_NONE);
	/* a key that needs a restart */
	assert_int_equal(config_set(&cfg, "audio.playback_rate", "48000", &live,
				    why, sizeof(why)),
			 -2);
	/* the backend and its URL: alone, the rule between them refuses */
	live.ctx = &stt;
	assert_int_equal(config_set(&cfg, "stt.backend", "wyoming", &live, why,
				    sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "stt.backend = \"wyoming\" needs a tcp://HOST:PORT address"));
	assert_string_equal(cfg.stt_backend, "openai");
	assert_int_equal(hook_calls[CH_STT], 0);
	/* a peer address is the file's alone: set refuses it, whatever
	 * comes with it, and names the key and the way to change it */
	keys[0] = "stt.backend";
	texts[0] = "wyoming";
	keys[1] = "stt.url";
	texts[1] = "tcp://10.0.0.2:10300";
	assert_int_equal(config_set_many(&cfg, keys, texts, 2, &live, why,
					 sizeof(why)),
			 -2);
	assert_non_null(strstr(why, "stt.url is set only in the config file: edit it there and reload"));
	assert_string_equal(cfg.stt_backend, "openai");
	assert_int_equal(hook_calls[CH_STT], 0);
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (!k->file_only)
			continue;
		assert_int_equal(config_set(&cfg, k->path, k->def, &live, why,
					    sizeof(why)),
				 -2);
		assert_non_null(strstr(why, k->path));
	}
	assert_int_equal(config_find("llm.url")->file_only, 1);
	assert_int_equal(config_find("tts.url")->file_only, 1);
	assert_int_equal(config_find("llm.token_file")->file_only, 1);
	/* SIGHUP: the backend and its URL together, the hook once */
	next = cfg;
	snprintf(next.stt_backend, sizeof(next.stt_backend), "wyoming");
	snprintf(next.stt_url, sizeof(next.stt_url), "tcp://10.0.0.2:10300");
	nreports = 0;
	assert_int_equal(config_apply_live(&cfg, &next, &live, NULL_CHANGE, NULL), 0);
	assert_int_equal(hook_calls[CH_STT], 1);
	assert_string_equal(cfg.stt_backend, "wyoming");
	assert_string_equal(cfg.stt_url, "tcp://10.0.0.2:10300");
	/* -t: the same rule, with the file named */
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/parley-test-%d.conf", getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("stt = { backend = \"wyoming\"; url = \"http://h:10300\"; };\n", f);
	fclose(f);
	nreports = 0;
	assert_int_equal(config_load_layers(&next, path, report, NULL), 1);
	unlink(path);
	assert_non_null(strstr(reports[0], path));
	assert_non_null(strstr(reports[0], "stt.url = \"http://h:10300\": stt.backend = \"wyoming\" needs a tcp://HOST:PORT address"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_pass_their_own_checks),
		cmocka_unit_test(good_values_are_loaded),
		cmocka_unit_test(each_error_names_file_line_key_value_and_range),
		cmocka_unit_test(the_compiled_limit_is_the_ceiling),
		cmocka_unit_test(keep_alive_takes_seconds_or_a_go_duration),
		cmocka_unit_test(led_patterns_are_settings),
		cmocka_unit_test(values_with_control_bytes_stay_on_one_line),
		cmocka_unit_test(syntax_errors_and_missing_files),
		cmocka_unit_test(table_defaults_are_the_modules_defaults),
		cmocka_unit_test(settings_apply_through_their_hooks),
		cmocka_unit_test(syntax_errors_show_the_line_and_a_caret),
		cmocka_unit_test(wrong_kinds_are_named),
		cmocka_unit_test(misspelled_keys_get_a_suggestion),
		cmocka_unit_test(voices_and_languages_that_exist),
		cmocka_unit_test(urls_that_cannot_work_get_a_hint),
		cmocka_unit_test(console_changes_are_saved_to_the_drop_in),
	};
	char cmd[128];
	int r;

	make_espeak_dir();
	r = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", espeak_dir);
	if (system(cmd))
		r = 1;
	return r;
}
