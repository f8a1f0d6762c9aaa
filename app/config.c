// SPDX-License-Identifier: MIT
/*
 * Configuration keys and their validator.  The table below is the single
 * list of options: the loader, the checker, the console's "config show"
 * and the sample file's comments all follow it.
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(f) offsetof(struct parley_config, f)
#define SZ(f) sizeof(((struct parley_config *)0)->f)
#define INT(p, f, lo, hi, d, h) \
	{ p, CT_INT, OFF(f), SZ(f), lo, hi, #d, NULL, h }
#define STR(p, f, lo, d, h) \
	{ p, CT_STRING, OFF(f), SZ(f), lo, SZ(f) - 1, d, NULL, h }
#define ENUM(p, f, d, c, h) \
	{ p, CT_ENUM, OFF(f), SZ(f), 0, 0, d, c, h }

static const char *const audio_backends_list[] = { "alsa", NULL };
static const char *const gpio_backends_list[] = { "sim", NULL };
static const char *const levels[] = { "error", "warning", "notice", "info",
				      "debug", NULL };

const struct config_key config_keys[] = {
	ENUM("audio.backend", audio_backend, "alsa", audio_backends_list,
	     "audio backend"),
	STR("audio.capture_device", capture_device, 1, "default",
	    "ALSA capture PCM (16 kHz mono S16_LE)"),
	STR("audio.playback_device", playback_device, 1, "default",
	    "ALSA playback PCM"),
	INT("audio.playback_rate", playback_rate, PARLEY_PLAY_RATE_MIN,
	    PARLEY_PLAY_RATE_MAX, 16000,
	    "playback rate in Hz, a multiple of 100"),
	INT("audio.buffer_periods", buffer_periods, 2, 8, 4,
	    "10 ms periods in each device buffer"),
	INT("vad.threshold_db", vad_threshold_db, 3, 30, 9,
	    "speech is this many dB over the noise floor"),
	INT("vad.min_level_dbfs", vad_min_level_dbfs, -90, -10, -55,
	    "frames quieter than this are never speech"),
	INT("vad.onset_ms", vad_onset_ms, 10, 200, 30,
	    "speech must last this long to start an utterance"),
	INT("vad.hangover_ms", vad_hangover_ms, 0, 1000, 200,
	    "speech is held this long after the last loud frame"),
	INT("endpoint.silence_ms", end_silence_ms, 300, 1500, 700,
	    "silence after speech that ends a tapped utterance"),
	INT("endpoint.max_utterance_ms", max_utterance_ms, 1000,
	    PARLEY_UTT_MAX_MS, 15000, "longest utterance"),
	INT("endpoint.no_speech_ms", no_speech_ms, 1000, PARLEY_UTT_MAX_MS,
	    5000, "stop listening if no speech starts within this time"),
	INT("endpoint.preroll_ms", preroll_ms, 0, PARLEY_PREROLL_MAX_MS, 200,
	    "audio kept before the start of speech"),
	INT("endpoint.tail_ms", tail_ms, 0, 500, 150,
	    "audio kept after the end of speech"),
	ENUM("gpio.backend", gpio_backend, "sim", gpio_backends_list,
	     "GPIO backend (sim: button driven from the console)"),
	STR("gpio.chip", gpio_chip, 1, "gpiochip0", "GPIO chip of the button"),
	INT("gpio.button_line", button_line, 0, 511, 17,
	    "line offset of the push button"),
	INT("button.tap_ms", tap_ms, 50, 1000, 300,
	    "a press shorter than this is a tap: listen until silence"),
	STR("stt.url", stt_url, 8,
	    "http://127.0.0.1:8080/v1/audio/transcriptions",
	    "OpenAI-compatible transcription endpoint"),
	STR("stt.model", stt_model, 1, "whisper-1", "model name sent to STT"),
	STR("stt.language", stt_language, 0, "en",
	    "ISO-639-1 language hint, empty for none"),
	INT("stt.timeout_ms", stt_timeout_ms, 1000, 120000, 30000,
	    "whole STT request timeout"),
	STR("llm.url", llm_url, 8, "http://127.0.0.1:11434",
	    "Ollama base URL"),
	STR("llm.model", llm_model, 1, "llama3.2", "Ollama model name"),
	STR("llm.system_prompt", system_prompt, 0,
	    "You are a voice assistant on a small speaker. Answer in one to "
	    "three short spoken sentences, with no lists or markdown.",
	    "system prompt sent first in every request"),
	STR("llm.keep_alive", keep_alive, 0, "10m",
	    "how long Ollama keeps the model loaded"),
	INT("llm.connect_timeout_ms", connect_timeout_ms, 100, 30000, 3000,
	    "TCP connect timeout"),
	INT("llm.first_token_timeout_ms", first_token_timeout_ms, 1000,
	    300000, 30000, "longest wait for the first token"),
	INT("llm.stall_timeout_ms", stall_timeout_ms, 1000, 300000, 15000,
	    "longest gap between tokens"),
	INT("llm.history_chars", history_chars, 0, PARLEY_HISTORY_CHARS_MAX,
	    4000, "characters of earlier turns sent as history"),
	STR("tts.voice", tts_voice, 1, "en", "espeak-ng voice"),
	INT("tts.rate_wpm", tts_rate_wpm, 80, 450, 175,
	    "espeak-ng speaking rate, words per minute"),
	STR("store.path", store_path, 1, "/var/lib/parley/parley.db",
	    "sqlite file with conversations and turns"),
	INT("conversation.idle_s", conversation_idle_s, 10, 86400, 300,
	    "a turn after this much idle time starts a new conversation"),
	STR("console.socket", console_socket, 1, "/run/parley/parleyd.sock",
	    "UNIX socket for parleyctl"),
	ENUM("log.level", log_level, "info", levels, "log level"),
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

const struct config_key *config_find(const char *path)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (!strcmp(config_keys[i].path, path))
			return &config_keys[i];
	return NULL;
}

static void allowed(const struct config_key *k, char *buf, size_t len)
{
	size_t n = 0;

	switch (k->type) {
	case CT_INT:
		snprintf(buf, len, "an integer from %ld to %ld", k->min,
			 k->max);
		break;
	case CT_STRING:
		snprintf(buf, len, "a string of %ld to %ld bytes", k->min,
			 k->max);
		break;
	case CT_ENUM:
		n = (size_t)snprintf(buf, len, "one of");
		for (int i = 0; k->choices[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s \"%s\"",
					      i ? "," : "", k->choices[i]);
		break;
	}
}

/* Extra rules that a range cannot say. */
static int check_int_rule(const struct config_key *k, long v, char *why,
			  size_t len)
{
	if (!strcmp(k->path, "audio.playback_rate") && v % 100) {
		snprintf(why, len, "must be a multiple of 100 Hz (10 ms periods)");
		return -1;
	}
	return 0;
}

int config_check_value(const struct config_key *k, const char *text,
		       char *why, size_t whylen)
{
	char want[256];
	char *end;
	long v;
	size_t n = strlen(text);

	allowed(k, want, sizeof(want));
	switch (k->type) {
	case CT_INT:
		errno = 0;
		v = strtol(text, &end, 10);
		if (errno || end == text || *end || v < k->min || v > k->max) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		return check_int_rule(k, v, why, whylen);
	case CT_STRING:
		if ((long)n < k->min || (long)n > k->max) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		return 0;
	case CT_ENUM:
		for (int i = 0; k->choices[i]; i++)
			if (!strcmp(text, k->choices[i]))
				return 0;
		snprintf(why, whylen, "must be %s", want);
		return -1;
	}
	return -1;
}

static void store_value(struct parley_config *cfg, const struct config_key *k,
			const char *text)
{
	char *field = (char *)cfg + k->offset;

	if (k->type == CT_INT)
		*(int *)field = (int)strtol(text, NULL, 10);
	else
		snprintf(field, k->size, "%s", text);
}

void config_defaults(struct parley_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < config_nkeys; i++)
		store_value(cfg, &config_keys[i], config_keys[i].def);
}

void config_format(const struct parley_config *cfg,
		   const struct config_key *k, char *buf, size_t len)
{
	const char *field = (const char *)cfg + k->offset;

	if (k->type == CT_INT)
		snprintf(buf, len, "%d", *(const int *)field);
	else
		snprintf(buf, len, "\"%s\"", field);
}

struct loader {
	const char *file;
	void (*report)(const char *line, void *ctx);
	void *ctx;
	int problems;
};

__attribute__((format(printf, 3, 4))) static void problem(struct loader *l,
							  int line,
							  const char *fmt,
							  ...)
{
	char msg[768], out[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(out, sizeof(out), "%s:%d: %s", l->file, line, msg);
	else
		snprintf(out, sizeof(out), "%s: %s", l->file, msg);
	l->report(out, l->ctx);
	l->problems++;
}

static void setting_path(config_setting_t *s, char *buf, size_t len)
{
	const char *name = config_setting_name(s);
	config_setting_t *parent = config_setting_parent(s);

	if (parent && !config_setting_is_root(parent)) {
		setting_path(parent, buf, len);
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, ".%s", name ? name : "?");
	} else {
		snprintf(buf, len, "%s", name ? name : "?");
	}
}

static void value_text(config_setting_t *s, char *buf, size_t len)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		snprintf(buf, len, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		snprintf(buf, len, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, len, "%g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_STRING:
		snprintf(buf, len, "\"%s\"", config_setting_get_string(s));
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s",
			 config_setting_get_bool(s) ? "true" : "false");
		break;
	default:
		snprintf(buf, len, "(a group or list)");
	}
}

static void check_setting(struct loader *l, struct parley_config *cfg,
			  config_setting_t *s)
{
	char path[256], val[320], why[300], want[256], text[64];
	const struct config_key *k;
	int line = (int)config_setting_source_line(s);
	int type = config_setting_type(s);

	setting_path(s, path, sizeof(path));
	if (type == CONFIG_TYPE_GROUP) {
		for (int i = 0; i < config_setting_length(s); i++)
			check_setting(l, cfg, config_setting_get_elem(s, i));
		return;
	}
	value_text(s, val, sizeof(val));
	k = config_find(path);
	if (!k) {
		problem(l, line, "%s = %s: unknown key", path, val);
		return;
	}
	allowed(k, want, sizeof(want));
	if (k->type == CT_INT) {
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			problem(l, line, "%s = %s: must be %s", path, val,
				want);
			return;
		}
		snprintf(text, sizeof(text), "%lld",
			 type == CONFIG_TYPE_INT ?
				 (long long)config_setting_get_int(s) :
				 config_setting_get_int64(s));
		if (config_check_value(k, text, why, sizeof(why))) {
			problem(l, line, "%s = %s: %s", path, val, why);
			return;
		}
		store_value(cfg, k, text);
		return;
	}
	if (type != CONFIG_TYPE_STRING) {
		problem(l, line, "%s = %s: must be %s", path, val, want);
		return;
	}
	if (config_check_value(k, config_setting_get_string(s), why,
			       sizeof(why))) {
		problem(l, line, "%s = %s: %s", path, val, why);
		return;
	}
	store_value(cfg, k, config_setting_get_string(s));
}

int config_load(struct parley_config *cfg, const char *file,
		void (*report)(const char *line, void *ctx), void *ctx)
{
	struct loader l = { file, report, ctx, 0 };
	config_t c;
	FILE *f;

	config_defaults(cfg);
	f = fopen(file, "re");
	if (!f) {
		problem(&l, 0, "cannot read the config file: %s",
			strerror(errno));
		return -1;
	}
	config_init(&c);
	if (!config_read(&c, f)) {
		problem(&l, config_error_line(&c), "syntax error: %s",
			config_error_text(&c));
		config_destroy(&c);
		fclose(f);
		return l.problems;
	}
	fclose(f);
	check_setting(&l, cfg, config_root_setting(&c));
	config_destroy(&c);
	return l.problems;
}

void config_write_sample(FILE *f)
{
	char want[256];
	const char *group = NULL;

	fprintf(f, "# parley.conf: configuration of parleyd, in libconfig syntax.\n"
		   "# Every option is shown commented out at its default, with\n"
		   "# what it accepts.  Check a file with: parleyd -t -c FILE\n");
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		const char *dot = strchr(k->path, '.');
		size_t glen = (size_t)(dot - k->path);

		if (!group || strncmp(group, k->path, glen) ||
		    group[glen] != '.') {
			if (group)
				fprintf(f, "};\n");
			fprintf(f, "\n%.*s = {\n", (int)glen, k->path);
			group = k->path;
		} else {
			fprintf(f, "\n");
		}
		allowed(k, want, sizeof(want));
		fprintf(f, "\t# %s; %s\n", k->help, want);
		if (k->type == CT_INT)
			fprintf(f, "\t#%s = %s;\n", dot + 1, k->def);
		else
			fprintf(f, "\t#%s = \"%s\";\n", dot + 1, k->def);
	}
	if (group)
		fprintf(f, "};\n");
}
