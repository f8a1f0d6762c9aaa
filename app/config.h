/* SPDX-License-Identifier: MIT */
/*
 * Configuration: a libconfig file checked against one table of keys
 * {path, type, min, max, default}.  Every error names the file, the line,
 * the key, the bad value and what is allowed.
 */
#ifndef PARLEY_APP_CONFIG_H
#define PARLEY_APP_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "../dsp/sizes.h"
#include "config_mcp.h"

#define CONFIG_STR_MAX 256
#define CONFIG_ARRAY_MAX 3
#define CONFIG_KEYS_MAX 192 /* room in parley_config.source; config.c checks */

/*
 * Where a key's value came from, for "config show": the table's default,
 * the config file (board.conf included), the console's drop-in that
 * "config save" writes (config_dropin_path), or a change at run time
 * ("set", a device tool) that no file holds yet.
 */
enum config_source { CS_DEFAULT, CS_FILE, CS_DROPIN, CS_RUNTIME };

struct parley_config {
	/* audio */
	char audio_backend[CONFIG_STR_MAX];
	char capture_device[CONFIG_STR_MAX];
	char playback_device[CONFIG_STR_MAX];
	int playback_rate;
	int buffer_periods;
	int playback_periods;
	int capture_rate;
	int capture_channels;
	int capture_channel;
	int volume;
	int earcons;
	char mixer_control[CONFIG_STR_MAX];
	int rt_priority;
	int mlock;
	int drift_correction;
	/* DSP chain */
	char dsp_aec[CONFIG_STR_MAX];
	int dsp_aec_tail_ms;
	int dsp_residual;
	int dsp_ns_db;
	int dsp_agc;
	/* vad and endpointing */
	int vad_threshold_db;
	int vad_min_level_dbfs;
	int vad_onset_ms;
	int vad_hangover_ms;
	int vad_release_db;
	int vad_voicing_pct;
	int vad_lookback_ms;
	int end_silence_ms;
	int max_utterance_ms;
	int no_speech_ms;
	int speculate_ms;
	int commit_early;
	int preroll_ms;
	int tail_ms;
	/* button */
	char gpio_backend[CONFIG_STR_MAX];
	char gpio_chip[CONFIG_STR_MAX];
	int button_line;
	int button_active_low;
	char button_bias[CONFIG_STR_MAX];
	int debounce_ms;
	int led_lines[CONFIG_ARRAY_MAX];
	int led_count; /* entries in led_lines */
	int led_active_low;
	char led_idle[CONFIG_STR_MAX]; /* the patterns, led.c */
	char led_listening[CONFIG_STR_MAX];
	char led_thinking[CONFIG_STR_MAX];
	char led_speaking[CONFIG_STR_MAX];
	char led_error[CONFIG_STR_MAX];
	char led_muted[CONFIG_STR_MAX];
	char led_ringing[CONFIG_STR_MAX];
	char led_recording[CONFIG_STR_MAX];
	char led_timer[CONFIG_STR_MAX];
	int tap_ms;
	int long_ms;
	int double_ms;
	char hold_action[CONFIG_STR_MAX];
	char tap_action[CONFIG_STR_MAX];
	char long_action[CONFIG_STR_MAX];
	char double_action[CONFIG_STR_MAX];
	char language[CONFIG_STR_MAX]; /* speaker.language, lang.h */
	/* speech to text */
	char stt_backend[CONFIG_STR_MAX];
	char stt_url[CONFIG_STR_MAX];
	char stt_model[CONFIG_STR_MAX];
	char stt_language[CONFIG_STR_MAX];
	int stt_timeout_ms;
	char stt_no_speech[CONFIG_STR_MAX * 2];
	/* language model */
	char llm_backend[CONFIG_STR_MAX];
	char llm_url[CONFIG_STR_MAX];
	char token_file[CONFIG_STR_MAX];
	char ca_file[CONFIG_STR_MAX];
	double temperature;
	int num_ctx;
	int num_predict;
	char llm_model[CONFIG_STR_MAX];
	char system_prompt[PARLEY_PROMPT_MAX];
	char keep_alive[CONFIG_STR_MAX];
	int connect_timeout_ms;
	int first_token_timeout_ms;
	int stall_timeout_ms;
	int history_chars;
	int first_clause_chars;
	int answer_max_chars;
	/* speech */
	char tts_backend[CONFIG_STR_MAX];
	char tts_url[CONFIG_STR_MAX];
	char tts_model[CONFIG_STR_MAX];
	char tts_remote_voice[CONFIG_STR_MAX];
	int tts_timeout_ms;
	char tts_voice[CONFIG_STR_MAX];
	int tts_rate_wpm;
	/* store */
	char store_path[CONFIG_STR_MAX];
	int conversation_idle_s;
	int follow_up_ms;
	int barge_in_voice;
	int barge_in_min_speech_ms;
	int max_turns;
	int max_days;
	/* device tools (function calling), timers, facts */
	int tools_enable;
	int tools_offline;
	int facts_chars;
	int ring_max_s;
	int volume_step;
	char sphinx_model[CONFIG_STR_MAX];
	char sphinx_dict[CONFIG_STR_MAX];
	/* console and logging */
	char console_socket[CONFIG_STR_MAX];
	char console_device[CONFIG_STR_MAX];
	int console_baud;
	char console_serial_role[CONFIG_STR_MAX];
	int console_idle_timeout_s;
	int console_per_uid;
	int record_max_s;
	int allow_insecure_token;
	char log_level[CONFIG_STR_MAX];
	/* the Home Assistant satellite (satellite.h) */
	int satellite_enable;
	int satellite_port;
	char satellite_bind[CONFIG_STR_MAX];
	char satellite_name[CONFIG_STR_MAX];
	char satellite_area[CONFIG_STR_MAX];
	char satellite_allow[CONFIG_STR_MAX];
	char satellite_away[CONFIG_STR_MAX];
	/* the wake words (wake.h) */
	int wake_enable;
	char wake_words[CONFIG_STR_MAX];
	char wake_models_dir[CONFIG_STR_MAX];
	double wake_cutoff; /* 0: each manifest's own */
	int wake_refractory_ms;
	int wake_record;
	/* mcp.servers (config_mcp.c): file only, not a key of the table */
	struct mcp_server_conf mcp[MCP_SERVERS_MAX];
	int mcp_count;
	/* each key's enum config_source, by its index in config_keys: set
	 * by the loaders and config_set_many, so it travels with the values */
	unsigned char source[CONFIG_KEYS_MAX];
};

enum config_type { CT_INT, CT_STRING, CT_ENUM, CT_BOOL, CT_INT_ARRAY, CT_FLOAT };

/*
 * What a live key's change must do to the running daemon, beyond the new
 * value in the configuration (which most modules read at each use).  The
 * daemon gives one function per hook (struct config_live); set, SIGHUP and
 * the device tools all apply changes through config_set and
 * config_apply_live, so they take the same path.
 */
enum config_hook {
	CH_NONE,
	CH_VOLUME, /* audio.volume: the engine's gain or mixer */
	CH_EARCONS, /* audio.earcons */
	CH_LOG_LEVEL, /* log.level */
	CH_STT, /* stt.backend: choose the backend again */
	CH_TTS, /* tts.backend */
	CH_LLM, /* llm.backend */
	CH_COUNT
};

struct config_live {
	void (*apply[CH_COUNT])(void *ctx, const struct parley_config *cfg);
	void *ctx;
};

struct config_key;
/* A rule a range cannot say; 0, or -1 with why filled. */
typedef int (*config_check_fn)(const struct config_key *k, const char *text,
			       char *why, size_t whylen);

struct config_key {
	const char *path; /* e.g. "audio.playback_rate" */
	enum config_type type;
	size_t offset; /* into struct parley_config */
	size_t size; /* for strings: buffer size */
	long min, max; /* ints: range; strings: length range */
	const char *def; /* default, as text */
	const char *const *choices; /* CT_ENUM: NULL-terminated */
	const char *help; /* one line, for the sample config */
	int live; /* SIGHUP applies a change without a restart */
	size_t count_offset; /* CT_INT_ARRAY: where the entry count goes */
	config_check_fn check; /* an extra rule, or NULL */
	enum config_hook hook; /* live keys: what applies a change */
	int int_ok; /* CT_STRING: an integer in the file is taken as text */
	int file_only; /* changes only through the file and a reload, never
			* from the console (peer addresses: issue 16) */
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* Fills cfg with the defaults. */
void config_defaults(struct parley_config *cfg);
/*
 * Loads and checks file into cfg (defaults first).  Each problem is passed
 * to report as one line; returns the number of problems (0 = valid), or -1
 * if the file could not be read at all (also reported).
 */
int config_load(struct parley_config *cfg, const char *file,
		void (*report)(const char *line, void *ctx), void *ctx);
/* As config_load, but over the values already in cfg (layering). */
int config_load_over(struct parley_config *cfg, const char *file,
		     void (*report)(const char *line, void *ctx), void *ctx);
/*
 * The daemon's layering: defaults, then the board fragment "board.conf"
 * beside file (if there is one), then file itself, then the console's
 * drop-in (config_dropin_path of the result, if there is one), then the
 * rules between keys.  The drop-in may hold only keys that "set" could
 * change (live, not file_only): any other key in it is a problem, so
 * that the console cannot move a peer through "config save" and a reload.
 */
int config_load_layers(struct parley_config *cfg, const char *file,
		       void (*report)(const char *line, void *ctx),
		       void *ctx);
/*
 * SIGHUP: applies the live keys of next to cfg, then each changed key's
 * hook through live (NULL: none).  Each changed key is passed to report
 * as "key: old -> new" (live) or "key: changed; restart needed".  Returns
 * the number of changes that need a restart.
 */
int config_apply_live(struct parley_config *cfg,
		      const struct parley_config *next,
		      const struct config_live *live,
		      void (*report)(const struct config_key *k, int live,
				     const char *old, const char *now,
				     void *ctx),
		      void *ctx);
/*
 * Console "set", the device tools: checks n pairs keys[i] = texts[i]
 * together (each value, then the rules between keys, on the result) and,
 * if all are good and can change live, applies them and runs their hooks
 * through live.  0, -1 (bad key, value or combination), or -2 (a key
 * needs a restart, or is file_only: peer addresses, the token, the CA
 * bundle); why says which.  Nothing changes unless all do.  SIGHUP does
 * not come this way (config_apply_live), so file_only keys still change
 * on a reload.
 */
int config_set_many(struct parley_config *cfg, const char *const *keys,
		    const char *const *texts, int n,
		    const struct config_live *live, char *why, size_t whylen);
/* The same for one key. */
int config_set(struct parley_config *cfg, const char *key, const char *text,
	       const struct config_live *live, char *why, size_t whylen);
/*
 * A rule between keys that a module above knows (backends.c: the URL a
 * backend can use): 0, or -1 with why filled.  config_add_rule adds one
 * for every later check (at most CONFIG_RULES_MAX).
 */
#define CONFIG_RULES_MAX 4
typedef int (*config_rule_fn)(const struct parley_config *cfg, char *why,
			      size_t whylen);
int config_add_rule(config_rule_fn rule);
/*
 * The rules between keys (a capture channel the device has, and the
 * added rules); each problem goes to report, prefixed by file.  Returns
 * the number of problems.
 */
int config_cross_check(const struct parley_config *cfg, const char *file,
		       void (*report)(const char *line, void *ctx),
		       void *ctx);
/* Checks one value given as text (console "set", tests); 0 or -1 + why. */
int config_check_value(const struct config_key *k, const char *text,
		       char *why, size_t whylen);
const struct config_key *config_find(const char *path);
/*
 * The known key (or group, for a path with no dot that names none) most
 * like path: the same group first, then the same name in another group,
 * then the whole path; within an edit distance that grows with the
 * length (1 to 3).  Fills buf and returns 0, or -1 if none is close.
 */
int config_suggest(const char *path, char *buf, size_t len);
/* "default", "file", "drop-in", "runtime" */
const char *config_source_name(enum config_source s);
/* The console's drop-in: console.conf in the directory of store.path. */
void config_dropin_path(const struct parley_config *cfg, char *buf,
			size_t len);
/*
 * "config save": writes every key whose value came from the console (set,
 * or an earlier save) to the drop-in, replacing it whole (a temporary
 * file renamed over it), and marks them CS_DROPIN.  Returns the number
 * of keys written, or -1 with why filled.
 */
int config_save_dropin(struct parley_config *cfg, char *why, size_t whylen);
/*
 * The rules of tts.voice and stt.language (config_lang.c): a voice
 * espeak-ng has, found in its data directory; an ISO 639-1 code.
 */
int config_voice_check(const struct config_key *k, const char *text,
		       char *why, size_t len);
int config_language_check(const struct config_key *k, const char *text,
			  char *why, size_t len);
/* Writes a sample config: every key commented out at its default. */
void config_write_sample(FILE *f);
/* Formats a key's current value into buf. */
void config_format(const struct parley_config *cfg,
		   const struct config_key *k, char *buf, size_t len);

/*
 * The configuration as the lower floors take it (config_map.c): the
 * audio devices, the engine's options, the DSP chain and the GPIO lines.
 * Members a key does not set keep the lower floor's own defaults.
 */
struct audio_params;
struct engine_options;
struct chain_config;
struct gpio_params;
void config_audio_params(const struct parley_config *cfg,
			 struct audio_params *ap);
void config_engine_options(const struct parley_config *cfg,
			   struct engine_options *eo);
void config_chain(const struct parley_config *cfg, struct chain_config *cc);
void config_gpio_params(const struct parley_config *cfg,
			struct gpio_params *gp);

#endif
