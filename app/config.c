// SPDX-License-Identifier: MIT
/*
 * Configuration keys and their validator.  The table below is the single
 * list of options: the loader, the checker, the console's "config show"
 * and the sample file's comments all follow it.
 */
#include "config.h"

#include "lang.h"
#include "led.h"
#include "satellite.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define OFF(f) offsetof(struct parley_config, f)
#define SZ(f) sizeof(((struct parley_config *)0)->f)
/*
 * The argument l says whether SIGHUP may change the key live; after it,
 * optional members: .check (an extra rule) and .hook (what applies a live
 * change, config.h).
 */
#define KEY(p, t, f, lo, hi, d, c, h, l, ...)                                \
	{ .path = p, .type = t, .offset = OFF(f), .size = SZ(f), .min = lo, \
	  .max = hi, .def = d, .choices = c, .help = h, .live = l,          \
	  __VA_ARGS__ }
#define INT(p, f, lo, hi, d, h, l, ...) \
	KEY(p, CT_INT, f, lo, hi, #d, NULL, h, l, __VA_ARGS__)
#define STR(p, f, lo, d, h, l, ...) \
	KEY(p, CT_STRING, f, lo, SZ(f) - 1, d, NULL, h, l, __VA_ARGS__)
#define ENUM(p, f, d, c, h, l, ...) \
	KEY(p, CT_ENUM, f, 0, 0, d, c, h, l, __VA_ARGS__)
#define BOOL(p, f, d, h, l, ...) \
	KEY(p, CT_BOOL, f, 0, 1, d, NULL, h, l, __VA_ARGS__)
/* floats: the range is in hundredths */
#define FLOAT(p, f, lo, hi, d, h, l, ...) \
	KEY(p, CT_FLOAT, f, lo, hi, d, NULL, h, l, __VA_ARGS__)
#define ARRAY(p, f, n, lo, hi, d, h, l, ...)                 \
	KEY(p, CT_INT_ARRAY, f, lo, hi, d, NULL, h, l,      \
	    .count_offset = OFF(n), __VA_ARGS__)

_Static_assert(PARLEY_ANSWER_MAX - 1 == 16383,
	       "llm.answer_max_chars: the default is what an answer can hold");

static const char *const audio_backends_list[] = { "alsa", NULL };
static const char *const gpio_backends_list[] = { "sim", "gpiod", NULL };
static const char *const gpio_bias_list[] = { "pull-up", "pull-down",
					       "disable", "as-is", NULL };
static const char *const actions[] = { "talk", "cancel", "new_conversation",
				       "mute", "none", NULL };
static const char *const llm_list[] = { "ollama", "openai", NULL };
static const char *const stt_list[] = { "openai", "whispercpp", "wyoming",
					NULL };
static const char *const tts_list[] = { "espeak", "openai", "wyoming", NULL };
static const char *const aec_list[] = { "fixed", "speex", "off", NULL };
static const char *const roles[] = { "admin", "monitor", NULL };
static const char *const away_list[] = { "local", "say", NULL };
static const char *const levels[] = { "error", "warning", "notice", "info",
				      "debug", NULL };

/* wake.words: one or two names or paths, each usable as a file name. */
static int wake_words_check(const struct config_key *k, const char *text,
			    char *why, size_t len)
{
	int n = 0;

	(void)k;
	for (const char *w = text; *w;) {
		size_t l = strcspn(w, ",");

		while (l && (*w == ' ' || *w == '\t')) {
			w++;
			l--;
		}
		if (!l) {
			snprintf(why, len, "an empty word between commas");
			return -1;
		}
		if (++n > 2) {
			snprintf(why, len, "at most two wake words at once");
			return -1;
		}
		{ /* NAME:P, a cutoff of its own */
			const char *colon = memchr(w, ':', l);
			char num[32], *end;
			double p;

			if (colon) {
				snprintf(num, sizeof(num), "%.*s",
					 (int)(l - (size_t)(colon + 1 - w)), colon + 1);
				p = strtod(num, &end);
				while (end > num && end[-1] == ' ')
					end--;
				if (end == num || (*end && *end != ' ') || !(p > 0 && p < 1)) {
					snprintf(why, len, "'%.*s': the cutoff after ':' must be a probability between 0 and 1 (okay_nabu:0.7)",
						 (int)l, w);
					return -1;
				}
			}
		}
		w += l;
		if (*w == ',')
			w++;
	}
	return 0;
}

/* Rates: whole 10 ms periods. */
static int check_rate(const struct config_key *k, const char *text, char *why,
		      size_t len)
{
	(void)k;
	if (strtol(text, NULL, 10) % 100) {
		snprintf(why, len, "must be a multiple of 100 Hz (10 ms periods)");
		return -1;
	}
	return 0;
}

static int check_baud(const struct config_key *k, const char *text, char *why,
		      size_t len)
{
	static const long bauds[] = { 9600, 19200, 38400, 57600, 115200,
				      230400, 460800, 921600 };
	long v = strtol(text, NULL, 10);

	(void)k;
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (v == bauds[i])
			return 0;
	snprintf(why, len, "must be a standard rate: 9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600");
	return -1;
}

/*
 * Ollama's keep_alive (api/types.go, Duration.UnmarshalJSON): a JSON
 * number is seconds (negative: forever); a string goes to Go's
 * time.ParseDuration, which wants a unit on every number.  We send a
 * number when the setting is one, so both "-1" and "10m" are fine here;
 * what Go would refuse is refused now instead of on every turn.
 */
static int check_keep_alive(const struct config_key *k, const char *text,
			    char *why, size_t len)
{
	const char *p = text;
	char *end;

	(void)k;
	if (!*p)
		return 0;
	strtod(p, &end);
	if (end != p && !*end)
		return 0; /* a number: seconds */
	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, "0"))
		return 0;
	while (*p) {
		static const char *const units[] = { "ns", "us", "\xc2\xb5s",
						     "ms", "s", "m", "h" };
		size_t u, ul = 0;

		end = (char *)p;
		while ((*end >= '0' && *end <= '9') || *end == '.')
			end++;
		if (end == p)
			break;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			ul = strlen(units[u]);
			if (!strncmp(end, units[u], ul)) /* "ms" before "m" */
				break;
		}
		if (u == sizeof(units) / sizeof(units[0]))
			break;
		p = end + ul;
	}
	if (!*p)
		return 0;
	snprintf(why, len,
		 "must be seconds (a number, -1 to keep the model loaded) or a duration with units such as \"10m\" or \"1h30m\"");
	return -1;
}

/* One LED, or three (red, green, blue): two cannot show the colours. */
static int check_led_lines(const struct config_key *k, const char *text,
			   char *why, size_t len)
{
	int n = 0;

	(void)k;
	for (; *text; text++)
		n += *text == ',';
	if (n == 1) {
		snprintf(why, len,
			 "must list no line, one LED, or three (red, green, blue)");
		return -1;
	}
	return 0;
}

const struct config_key config_keys[] = {
	ENUM("audio.backend", audio_backend, "alsa", audio_backends_list,
	     "audio backend", 0),
	STR("audio.capture_device", capture_device, 1, "default",
	    "ALSA capture PCM (16 kHz mono S16_LE)", 0),
	STR("audio.playback_device", playback_device, 1, "default",
	    "ALSA playback PCM", 0),
	INT("audio.playback_rate", playback_rate, PARLEY_PLAY_RATE_MIN,
	    PARLEY_PLAY_RATE_MAX, 16000,
	    "playback rate in Hz, a multiple of 100", 0, .check = check_rate),
	INT("audio.buffer_periods", buffer_periods, 2, 8, 4,
	    "10 ms periods in the capture device buffer", 0),
	INT("audio.playback_periods", playback_periods, 2,
	    PARLEY_PLAY_PERIODS_MAX, 3,
	    "10 ms periods in the playback device buffer (small keeps barge-in and echo alignment tight)",
	    0),
	INT("audio.capture_rate", capture_rate, PARLEY_CAP_RATE_MIN,
	    PARLEY_CAP_RATE_MAX, 16000,
	    "capture rate in Hz, a multiple of 100; resampled to 16000", 0,
	    .check = check_rate),
	INT("audio.capture_channels", capture_channels, 1,
	    PARLEY_CAP_CHANNELS_MAX, 1,
	    "channels opened on the capture device", 0),
	INT("audio.capture_channel", capture_channel, -1,
	    PARLEY_CAP_CHANNELS_MAX - 1, 0,
	    "capture channel used as the microphone, -1 mixes all", 0),
	INT("audio.volume", volume, 0, 100, 100,
	    "playback volume in percent (0.5 dB a step, 0 mutes)", 1,
	    .hook = CH_VOLUME),
	BOOL("audio.earcons", earcons, "true",
	     "chimes when listening starts and stops, and on errors", 1,
	     .hook = CH_EARCONS),
	STR("audio.mixer_control", mixer_control, 0, "",
	    "ALSA simple mixer control for hardware volume, CONTROL or CONTROL@CARD; empty for software volume only",
	    0),
	INT("audio.rt_priority", rt_priority, 0, 99, 0,
	    "SCHED_FIFO priority of the audio thread, 0 for normal scheduling",
	    0),
	BOOL("audio.mlock", mlock, "false",
	     "lock all memory so the audio thread never page-faults", 0),
	BOOL("audio.drift_correction", drift_correction, "true",
	     "follow the playback clock against the capture clock", 0),
	ENUM("dsp.aec", dsp_aec, "fixed", aec_list,
	     "echo canceller: fixed (ours, fixed point), speex (speexdsp), off",
	     0),
	INT("dsp.aec_tail_ms", dsp_aec_tail_ms, PARLEY_AEC_TAIL_MIN_MS,
	    PARLEY_AEC_TAIL_MAX_MS, 256,
	    "echo tail the canceller covers, in ms (longer costs more)", 0),
	BOOL("dsp.residual", dsp_residual, "true",
	     "residual echo suppression after the canceller", 0),
	INT("dsp.ns_db", dsp_ns_db, 0, 60, 15,
	    "noise suppression depth in dB (speexdsp preprocessor), 0 for off",
	    0),
	BOOL("dsp.agc", dsp_agc, "false",
	     "automatic gain control of the microphone (speexdsp preprocessor)",
	     0),
	INT("vad.threshold_db", vad_threshold_db, 3, 30, 12,
	    "speech starts this many dB over the noise spectrum", 0),
	INT("vad.release_db", vad_release_db, 1, 30, 5,
	    "speech goes on while this many dB over the noise spectrum", 0),
	INT("vad.voicing_pct", vad_voicing_pct, 10, 100, 40,
	    "pitch strength (squared correlation, %) of a voiced frame", 0),
	INT("vad.min_level_dbfs", vad_min_level_dbfs, -90, -10, -55,
	    "frames quieter than this are never speech", 0),
	INT("vad.onset_ms", vad_onset_ms, 10, 200, 10,
	    "speech must last this long to start an utterance", 0),
	INT("vad.hangover_ms", vad_hangover_ms, 0, 1000, 120,
	    "speech is held this long after the last loud frame", 0),
	INT("vad.lookback_ms", vad_lookback_ms, 0, PARLEY_LOOKBACK_MAX_MS, 400,
	    "speech that rose this long before its first vowel is kept", 0),
	INT("endpoint.silence_ms", end_silence_ms, 300, 1500, 700,
	    "silence after speech that ends a tapped utterance", 1),
	INT("endpoint.max_utterance_ms", max_utterance_ms, 1000,
	    PARLEY_UTT_MAX_MS, 15000, "longest utterance", 1),
	INT("endpoint.no_speech_ms", no_speech_ms, 1000, PARLEY_UTT_MAX_MS,
	    5000, "stop listening if no speech starts within this time", 1),
	INT("endpoint.speculate_ms", speculate_ms, 0, 1000, 200,
	    "at a pause this long, start speech-to-text and the model while still listening (nothing is spoken before the turn ends); 0 waits for endpoint.silence_ms",
	    1),
	BOOL("endpoint.commit_early", commit_early, "true",
	     "end the turn at the pause when its transcript is a question or an offline command", 1),
	INT("endpoint.preroll_ms", preroll_ms, 0, PARLEY_PREROLL_MAX_MS, 200,
	    "audio kept before the start of speech", 1),
	INT("endpoint.tail_ms", tail_ms, 0, 500, 150,
	    "audio kept after the end of speech", 1),
	ENUM("gpio.backend", gpio_backend, "sim", gpio_backends_list,
	     "GPIO backend (sim: button driven from the console)", 0),
	STR("gpio.chip", gpio_chip, 1, "gpiochip0",
	    "GPIO chip: name, number, label or /dev path", 0),
	INT("gpio.button_line", button_line, 0, 511, 17,
	    "line offset of the push button", 0),
	BOOL("gpio.button_active_low", button_active_low, "true",
	     "the button pulls the line low when pressed", 0),
	ENUM("gpio.button_bias", button_bias, "pull-up", gpio_bias_list,
	     "bias on the button line, where the kernel supports it", 0),
	INT("gpio.debounce_ms", debounce_ms, 0, 200, 20,
	    "the button must be stable this long", 1),
	ARRAY("gpio.led_lines", led_lines, led_count, 0, 511, "[]",
	      "LED line offsets: none, one LED, or red, green, blue", 0,
	      .check = check_led_lines),
	BOOL("gpio.led_active_low", led_active_low, "false",
	     "the LEDs light when their line is low", 0),
	STR("led.idle", led_idle, 1, "off",
	    "LED pattern while idle: off, heartbeat, or COLOURS:STEPS as below",
	    1, .check = led_pattern_check),
	STR("led.listening", led_listening, 1, "blue:on",
	    "LED pattern while listening: COLOURS (red, green, blue joined by +), a colon, then on, or on/off times in ms; \" once\" plays it once",
	    1, .check = led_pattern_check),
	STR("led.thinking", led_thinking, 1, "red+green:500/500",
	    "LED pattern while thinking", 1, .check = led_pattern_check),
	STR("led.speaking", led_speaking, 1, "green:150/150",
	    "LED pattern while speaking", 1, .check = led_pattern_check),
	STR("led.error", led_error, 1, "red:150/150/150/150/150/150 once",
	    "LED pattern after an error", 1, .check = led_pattern_check),
	STR("led.muted", led_muted, 1, "red:100/1900",
	    "LED pattern while the microphone is muted", 1,
	    .check = led_pattern_check),
	STR("led.ringing", led_ringing, 1, "red+blue:250/250",
	    "LED pattern while a timer or alarm rings, over any state", 1,
	    .check = led_pattern_check),
	STR("led.recording", led_recording, 1, "red:1000/1000",
	    "LED pattern while record writes the microphone, over everything",
	    1, .check = led_pattern_check),
	STR("led.timer", led_timer, 1, "blue:100/3900",
	    "LED pattern for idle while a timer or alarm is pending (ours or Home Assistant's)",
	    1, .check = led_pattern_check),
	INT("button.tap_ms", tap_ms, 50, 1000, 300,
	    "a press shorter than this is a tap", 1),
	INT("button.long_ms", long_ms, 1000, 10000, 2000,
	    "held this long without speech is a long press", 1),
	INT("button.double_ms", double_ms, 100, 1000, 400,
	    "a second press this soon after a tap is a double press", 1),
	ENUM("button.hold_action", hold_action, "talk", actions,
	     "press and hold: talk while held", 1),
	ENUM("button.tap_action", tap_action, "talk", actions,
	     "tap: listen until the end of speech", 1),
	ENUM("button.long_action", long_action, "new_conversation", actions,
	     "long press without speaking", 1),
	ENUM("button.double_action", double_action, "mute", actions,
	     "double press: mute or unmute the microphone", 1),
	STR("speaker.language", language, 2, "en",
	    "the language the speaker speaks and understands: its phrases, offline commands, and (unless set below) tts.voice, stt.language and llm.system_prompt",
	    0, .check = lang_check),
	ENUM("stt.backend", stt_backend, "openai", stt_list,
	     "openai: /v1/audio/transcriptions; whispercpp: /inference; wyoming: tcp://HOST:PORT",
	     1, .hook = CH_STT),
	STR("stt.url", stt_url, 8,
	    "http://127.0.0.1:8080/v1/audio/transcriptions",
	    "the transcription endpoint, path included", 1, .file_only = 1),
	STR("stt.model", stt_model, 1, "whisper-1", "model name sent to STT",
	    1),
	STR("stt.language", stt_language, 0, "",
	    "ISO 639-1 language hint sent to STT; empty: speaker.language's; \"auto\": none, the server detects it",
	    1, .check = config_language_check),
	INT("stt.timeout_ms", stt_timeout_ms, 1000, 120000, 30000,
	    "whole STT request timeout", 1),
	STR("stt.no_speech", stt_no_speech, 0,
	    "[BLANK_AUDIO]|(silence)|[Silence]|[Music]|(music)|[Applause]|"
	    "Thank you.|Thanks for watching!|Thank you for watching.|you",
	    "transcripts that mean no speech (whisper's words for silence and noise), separated by |; case and spacing are ignored",
	    1),
	ENUM("llm.backend", llm_backend, "ollama", llm_list,
	     "ollama: /api/chat; openai: /v1/chat/completions with SSE", 1,
	     .hook = CH_LLM),
	STR("llm.url", llm_url, 8, "http://127.0.0.1:11434",
	    "base URL of the LLM server", 1, .file_only = 1),
	STR("llm.token_file", token_file, 0, "",
	    "file holding a bearer token for the LLM server, empty for none",
	    0, .file_only = 1),
	STR("tls.ca_file", ca_file, 0, "",
	    "CA bundle that verifies https peers, empty for the system's", 0,
	    .file_only = 1),
	FLOAT("llm.temperature", temperature, 0, 200, "0.7",
	      "sampling temperature", 1),
	INT("llm.num_ctx", num_ctx, 0, 131072, 0,
	    "context window in tokens, 0 for the server's default", 1),
	INT("llm.num_predict", num_predict, -1, 4096, 256,
	    "most tokens in an answer, -1 for no limit", 1),
	STR("llm.model", llm_model, 1, "llama3.2", "Ollama model name", 1),
	STR("llm.system_prompt", system_prompt, 0, "",
	    "system prompt sent first in every request; empty: speaker.language's own",
	    1),
	STR("llm.keep_alive", keep_alive, 0, "10m",
	    "how long Ollama keeps the model loaded: seconds as a number (-1 forever) or a duration such as \"10m\"",
	    1, .check = check_keep_alive, .int_ok = 1),
	INT("llm.connect_timeout_ms", connect_timeout_ms, 100, 30000, 3000,
	    "TCP connect timeout", 1),
	INT("llm.first_token_timeout_ms", first_token_timeout_ms, 1000,
	    300000, 30000, "longest wait for the first token", 1),
	INT("llm.stall_timeout_ms", stall_timeout_ms, 1000, 300000, 15000,
	    "longest gap between tokens", 1),
	INT("llm.history_chars", history_chars, 0, PARLEY_HISTORY_CHARS_MAX,
	    4000, "characters of earlier turns sent as history", 1),
	INT("llm.first_clause_chars", first_clause_chars, 0, 300, 40,
	    "the first sentence may end at a comma after this many bytes, 0 never",
	    1),
	INT("llm.answer_max_chars", answer_max_chars, 200,
	    PARLEY_ANSWER_MAX - 1, 16383, /* the default is the most */
	    "an answer ends at the sentence that reaches this many bytes, with a spoken note",
	    1),
	ENUM("tts.backend", tts_backend, "espeak", tts_list,
	     "espeak: local; openai: /v1/audio/speech; wyoming: tcp://HOST:PORT",
	     1, .hook = CH_TTS),
	STR("tts.url", tts_url, 0, "http://127.0.0.1:8000/v1/audio/speech",
	    "the remote TTS endpoint (openai) or tcp://HOST:PORT (wyoming)", 1,
	    .file_only = 1),
	STR("tts.model", tts_model, 1, "tts-1", "model name sent to openai TTS",
	    1),
	STR("tts.remote_voice", tts_remote_voice, 0, "",
	    "voice sent to the remote TTS; empty: the backend's own default (openai: alloy; wyoming: none, the server's)",
	    1),
	INT("tts.timeout_ms", tts_timeout_ms, 1000, 120000, 20000,
	    "longest wait for one remote sentence", 1),
	STR("tts.voice", tts_voice, 0, "",
	    "espeak-ng voice (local speech and the fallback); empty: speaker.language's",
	    0, .check = config_voice_check),
	INT("tts.rate_wpm", tts_rate_wpm, 80, 450, 175,
	    "espeak-ng speaking rate, words per minute", 0),
	STR("store.path", store_path, 1, "/var/lib/parley/parley.db",
	    "sqlite file with conversations and turns", 0),
	INT("conversation.idle_s", conversation_idle_s, 10, 86400, 300,
	    "a turn after this much idle time starts a new conversation", 1),
	INT("conversation.follow_up_ms", follow_up_ms, 0, 15000, 0,
	    "after an answer, listen this long without a press; 0 is off", 1),
	BOOL("barge_in.voice", barge_in_voice, "false",
	     "speech over an answer interrupts it as a press does (needs dsp.aec)",
	     1),
	INT("barge_in.min_speech_ms", barge_in_min_speech_ms, 100, 1000, 300,
	    "speech this long over an answer is a voice barge-in", 1),
	INT("store.max_turns", max_turns, 0, 1000000, 10000,
	    "keep at most this many turns, 0 for no limit", 1),
	INT("store.max_days", max_days, 0, 3650, 365,
	    "forget turns older than this many days, 0 for never", 1),
	BOOL("tools.enable", tools_enable, "true",
	     "offer the model device tools: timers, alarms, time, volume, memory",
	     1),
	BOOL("tools.offline", tools_offline, "true",
	     "answer a few fixed commands locally when the model is unreachable",
	     1),
	INT("tools.facts_chars", facts_chars, 0, PARLEY_FACTS_CHARS_MAX, 1000,
	    "bytes of remembered facts put in the system prompt, 0 for none",
	    1),
	INT("tools.ring_max_s", ring_max_s, 10, 3600, 300,
	    "a timer or alarm nobody stops rings this long", 1),
	INT("tools.volume_step", volume_step, 1, 50, 10,
	    "percent that \"volume up\" and \"volume down\" change", 1),
	STR("tools.sphinx_model", sphinx_model, 0, "",
	    "pocketsphinx model directory that hears the offline commands when STT is unreachable (/usr/share/pocketsphinx/model/en-us/en-us), empty for none",
	    0),
	STR("tools.sphinx_dict", sphinx_dict, 0,
	    "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
	    "pronunciation dictionary for tools.sphinx_model", 0),
	STR("console.socket", console_socket, 1, "/run/parley/parleyd.sock",
	    "UNIX socket for parleyctl", 0),
	STR("console.device", console_device, 0, "",
	    "serial console tty (/dev/ttyS0, /dev/ttyAMA0, /dev/ttyGS0), empty for none",
	    0),
	INT("console.baud", console_baud, 9600, 921600, 115200,
	    "serial console speed: 9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600",
	    0, .check = check_baud),
	ENUM("console.serial_role", console_serial_role, "admin", roles,
	     "the serial console's role: whoever holds the cable holds the board",
	     1),
	INT("console.idle_timeout_s", console_idle_timeout_s, 0, 86400, 300,
	    "a socket client that sends nothing this long is disconnected (attach excepted), 0 never",
	    1),
	INT("console.per_uid", console_per_uid, 1, 8, 3,
	    "socket connections one user may hold at once", 1),
	INT("record.max_s", record_max_s, 1, 3600, 60,
	    "the longest recording the record command makes", 1),
	BOOL("llm.allow_insecure_token", allow_insecure_token, "false",
	     "send the bearer token over plain http, loopback included (it can be read on the way, or by whoever listens on the port)",
	     1, .file_only = 1),
	ENUM("log.level", log_level, "info", levels, "log level", 1,
	     .hook = CH_LOG_LEVEL),
	/* satellite (issue 18) */
	BOOL("satellite.enable", satellite_enable, "false",
	     "be a Wyoming satellite that Home Assistant connects to (no authentication: see satellite.allow)",
	     0),
	INT("satellite.port", satellite_port, 0, 65535, 10700,
	    "TCP port the satellite listens on (Wyoming satellites use 10700; 0: any free one, status shows it)",
	    0, .file_only = 1),
	STR("satellite.bind", satellite_bind, 1, "0.0.0.0",
	    "address or network interface the satellite listens on (0.0.0.0: all IPv4, :: all)",
	    0, .check = satellite_bind_check, .file_only = 1),
	STR("satellite.name", satellite_name, 1, "parley",
	    "the satellite's name in Home Assistant", 0),
	STR("satellite.area", satellite_area, 0, "",
	    "the area Home Assistant puts the satellite in, empty for none", 0),
	STR("satellite.allow", satellite_allow, 0, "",
	    "addresses or networks (192.168.1.0/24, fd00::/8) Home Assistant may connect from, separated by commas; empty: any",
	    0, .check = satellite_allow_check, .file_only = 1),
	ENUM("satellite.away", satellite_away, "local", away_list,
	     "when Home Assistant is not connected: local (parley's own STT, LLM and TTS answer) or say (the speaker says it cannot reach Home Assistant)",
	     1),
	/* wake words (issue 17) */
	BOOL("wake.enable", wake_enable, "false",
	     "listen for the wake words (wake.words) as well as the button", 0),
	STR("wake.words", wake_words, 1, "okay_nabu",
	    "up to two wake words, separated by commas: a model's name in wake.models_dir (okay_nabu, hey_jarvis, hey_mycroft, alexa) or the path of a .tflite file (its manifest beside it, same name .json); NAME:P gives one its own probability cutoff",
	    0, .check = wake_words_check),
	STR("wake.models_dir", wake_models_dir, 1, "/usr/share/parley/wake",
	    "directory of the wake word models (NAME.tflite and NAME.json)", 0),
	FLOAT("wake.cutoff", wake_cutoff, 0, 99, "0",
	      "probability every wake word needs, over its manifest's sliding window (0: parley's tuned cutoff for the published models, else each manifest's own); higher wakes less often by mistake and misses more",
	      0),
	INT("wake.refractory_ms", wake_refractory_ms, 200, 10000, 2000,
	    "after a detection, the word is not detected again for this long", 0),
	INT("wake.record", wake_record, 0, 20, 0,
	    "keep the audio of this many latest detections (2 s each, WAV files wake-*.wav in recordings/ beside the store), for diagnosis; 0: none",
	    1),
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX,
	       "parley_config.source has a place for every key");

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
	case CT_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case CT_FLOAT:
		snprintf(buf, len, "a number from %ld.%02ld to %ld.%02ld",
			 k->min / 100, k->min % 100, k->max / 100, k->max % 100);
		break;
	case CT_INT_ARRAY:
		snprintf(buf, len, "a list of up to %d integers from %ld to %ld",
			 CONFIG_ARRAY_MAX, k->min, k->max);
		break;
	case CT_ENUM:
		n = (size_t)snprintf(buf, len, "one of");
		for (int i = 0; k->choices[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s \"%s\"",
					      i ? "," : "", k->choices[i]);
		break;
	}
}

/* "[1, 2, 3]" -> values; returns the count, or -1 if malformed. */
static int parse_array(const struct config_key *k, const char *text,
		       int *out, int *count)
{
	const char *p = text;
	int n = 0;

	while (*p == ' ')
		p++;
	if (*p++ != '[')
		return -1;
	for (;;) {
		char *end;
		long v;

		while (*p == ' ')
			p++;
		if (*p == ']' && n == 0)
			break;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < k->min || v > k->max ||
		    n == CONFIG_ARRAY_MAX)
			return -1;
		if (out)
			out[n] = (int)v;
		n++;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ']')
			break;
		if (*p++ != ',')
			return -1;
	}
	if (p[1] != '\0')
		return -1;
	if (count)
		*count = n;
	return n;
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
		break;
	case CT_STRING:
		if ((long)n < k->min || (long)n > k->max) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		break;
	case CT_ENUM: {
		int found = 0;

		for (int i = 0; k->choices[i]; i++)
			found |= !strcmp(text, k->choices[i]);
		if (!found) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		break;
	}
	case CT_FLOAT: {
		double d;

		errno = 0;
		d = strtod(text, &end);
		if (errno || end == text || *end || d * 100 < k->min ||
		    d * 100 > k->max) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		break;
	}
	case CT_BOOL:
		if (strcmp(text, "true") && strcmp(text, "false")) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		break;
	case CT_INT_ARRAY:
		if (parse_array(k, text, NULL, NULL) < 0) {
			snprintf(why, whylen, "must be %s", want);
			return -1;
		}
		break;
	}
	return k->check ? k->check(k, text, why, whylen) : 0;
}

static void store_value(struct parley_config *cfg, const struct config_key *k,
			const char *text)
{
	char *field = (char *)cfg + k->offset;

	if (k->type == CT_INT)
		*(int *)field = (int)strtol(text, NULL, 10);
	else if (k->type == CT_FLOAT)
		*(double *)field = strtod(text, NULL);
	else if (k->type == CT_BOOL)
		*(int *)field = !strcmp(text, "true");
	else if (k->type == CT_INT_ARRAY)
		parse_array(k, text, (int *)field,
			    (int *)((char *)cfg + k->count_offset));
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

	if (k->type == CT_INT) {
		snprintf(buf, len, "%d", *(const int *)field);
	} else if (k->type == CT_FLOAT) {
		snprintf(buf, len, "%g", *(const double *)field);
	} else if (k->type == CT_BOOL) {
		snprintf(buf, len, "%s", *(const int *)field ? "true" : "false");
	} else if (k->type == CT_INT_ARRAY) {
		const int *v = (const int *)field;
		int n = *(const int *)((const char *)cfg + k->count_offset);
		size_t used = (size_t)snprintf(buf, len, "[");

		for (int i = 0; i < n && used < len; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 i ? ", " : "", v[i]);
		if (used < len)
			snprintf(buf + used, len - used, "]");
	} else {
		snprintf(buf, len, "\"%s\"", field);
	}
}

struct loader {
	const char *file;
	void (*report)(const char *line, void *ctx);
	void *ctx;
	int problems;
	enum config_source source; /* what the values read are marked */
};

#define REPORT_MAX 1280 /* one report line; a voice list fits */

__attribute__((format(printf, 3, 4))) static void problem(struct loader *l,
							  int line,
							  const char *fmt,
							  ...)
{
	char msg[REPORT_MAX - 256], out[REPORT_MAX];
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

/* ---- syntax errors: the line libconfig names, shown ---- */

#define SRC_SHOW_MAX 200 /* bytes of a source line a report shows */

/* Line n (from 1) of f into buf, cut at len - 1; -1 past the end. */
static int read_line(FILE *f, int n, char *buf, size_t len)
{
	int c, line = 1;
	size_t used = 0;

	rewind(f);
	while (line < n && (c = getc(f)) != EOF)
		line += c == '\n';
	if (line < n)
		return -1;
	while ((c = getc(f)) != EOF && c != '\n')
		if (used + 1 < len)
			buf[used++] = (char)c;
	if (c == EOF && used == 0 && line > 1)
		return -1; /* the empty "line" after the last newline */
	buf[used] = '\0';
	return 0;
}

/*
 * Reports line n as "  N | text" and, if col >= 0, a caret under byte
 * col.  Tabs are kept in both lines so the caret lines up; other control
 * bytes are shown as '?' so a report stays one line.  Not a problem of
 * its own: it belongs to the one just reported.
 */
static void show_line(struct loader *l, FILE *f, int n, int col)
{
	char src[SRC_SHOW_MAX + 1], mark[SRC_SHOW_MAX + 2], out[REPORT_MAX];
	size_t len, i;

	if (n <= 0 || read_line(f, n, src, sizeof(src)) < 0)
		return;
	len = strlen(src);
	for (i = 0; i < len; i++)
		if ((unsigned char)src[i] < 0x20 && src[i] != '\t')
			src[i] = '?';
	snprintf(out, sizeof(out), "%5d | %s", n, src);
	l->report(out, l->ctx);
	if (col < 0 || (size_t)col > len)
		return;
	for (i = 0; i < (size_t)col; i++)
		mark[i] = src[i] == '\t' ? '\t' : ' ';
	mark[i++] = '^';
	mark[i] = '\0';
	snprintf(out, sizeof(out), "      | %s", mark);
	l->report(out, l->ctx);
}

/*
 * What libconfig's parser does not say: it gives a line and a text
 * ("syntax error"), never a column, and at the end of the file it names
 * the line past the last.  Scanning the file ourselves finds the two
 * errors that end it early: a string never closed, a group never closed.
 */
struct src_scan {
	int str_line, str_col; /* the quote of a string still open at EOF */
	int group_line, group_col; /* the outermost '{' still open at EOF */
};

static void scan_source(FILE *f, struct src_scan *sc)
{
	int c, prev = 0, line = 1, col = 0, depth = 0;
	int in_str = 0, esc = 0, line_comment = 0, block_comment = 0;

	memset(sc, 0, sizeof(*sc));
	rewind(f);
	for (; (c = getc(f)) != EOF; prev = c, col++) {
		if (c == '\n') {
			line++;
			col = -1;
			line_comment = 0;
			continue;
		}
		if (line_comment)
			continue;
		if (block_comment) {
			block_comment = !(prev == '*' && c == '/');
			continue;
		}
		if (in_str) {
			if (!esc && c == '"')
				in_str = 0;
			esc = !esc && c == '\\';
			continue;
		}
		if (c == '"') {
			in_str = 1;
			sc->str_line = line;
			sc->str_col = col;
		} else if (c == '#' || (prev == '/' && c == '/')) {
			line_comment = 1;
		} else if (prev == '/' && c == '*') {
			block_comment = 1;
			c = 0; /* its '*' cannot also close it */
		} else if (c == '{' && depth++ == 0) {
			sc->group_line = line;
			sc->group_col = col;
		} else if (c == '}' && depth > 0) {
			depth--;
		}
	}
	if (!in_str)
		sc->str_line = 0;
	if (in_str || depth == 0)
		sc->group_line = 0;
}

static int name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*';
}

/* One "name = value" at s; its bad byte's column from line, or -1. */
static int bad_setting(const char *line, const char *s, const char **next,
		       char *hint, size_t len)
{
	const char *p = s, *q, *v;
	char *end;

	*next = NULL;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	      *p == '*'))
		return -1;
	for (q = p; name_char(*q); q++)
		;
	v = q;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v != '=' && *v != ':') {
		snprintf(hint, len, "'=' expected after \"%.*s\"",
			 (int)(q - p), p);
		return (int)(v - line);
	}
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	if (*v == '{') {
		*next = v + 1; /* a group: its settings follow */
		return -1;
	}
	if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z')) {
		for (q = v; name_char(*q); q++)
			;
		if ((q - v == 4 && !strncasecmp(v, "true", 4)) ||
		    (q - v == 5 && !strncasecmp(v, "false", 5))) {
			*next = q;
			return -1;
		}
		snprintf(hint, len,
			 "%.*s is not a value: a string needs quotes, \"%.*s\"",
			 (int)(q - v), v, (int)(q - v), v);
		return (int)(v - line);
	}
	if ((*v >= '0' && *v <= '9') || *v == '-' || *v == '+' || *v == '.') {
		strtod(v, &end);
		if (end == v)
			return -1;
		if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2))
			strtoll(v, &end, 16);
		while (*end == 'L')
			end++;
		if (*end && !strchr(" \t;,)]}#/", *end)) {
			snprintf(hint, len, "a number cannot go on with '%c'",
				 *end);
			return (int)(end - line);
		}
		*next = end;
		return -1;
	}
	if (*v == '"') { /* a string: the scan goes on after it */
		for (q = v + 1; *q && *q != '"'; q++)
			if (*q == '\\' && q[1])
				q++;
		*next = *q ? q + 1 : NULL;
	}
	return -1;
}

/*
 * On the line libconfig names, the first token it cannot have taken:
 * a name not followed by '=' or ':', a bare word where a value goes (a
 * string without its quotes), a number that goes on with letters.  Fills
 * hint and returns the byte's column, or -1 if the line looks well
 * formed (the error is then elsewhere on it, or on the line before).
 */
static int suspicious_token(const char *line, char *hint, size_t len)
{
	const char *p = line;
	int col;

	while (p) {
		p += strspn(p, " \t;,}");
		if (!*p || *p == '#' || *p == '/')
			return -1;
		col = bad_setting(line, p, &p, hint, len);
		if (col >= 0)
			return col;
	}
	return -1;
}

/*
 * A file libconfig could not parse: its own text and line, and then
 * what we can add with certainty, the line itself with a caret where a
 * column can be known.
 */
static void syntax_problem(struct loader *l, FILE *f, config_t *c)
{
	const char *text = config_error_text(c);
	int line = config_error_line(c), col;
	struct src_scan sc;
	char src[SRC_SHOW_MAX + 1], hint[160];

	if (!text)
		text = "syntax error";
	scan_source(f, &sc);
	if (sc.str_line) {
		problem(l, line,
			"%s: the file ends inside the string opened on line %d (its closing '\"' is missing)",
			text, sc.str_line);
		show_line(l, f, sc.str_line, sc.str_col);
		return;
	}
	if (sc.group_line) {
		problem(l, line,
			"%s: the file ends inside the group opened on line %d (its '}' is missing)",
			text, sc.group_line);
		show_line(l, f, sc.group_line, sc.group_col);
		return;
	}
	if (read_line(f, line, src, sizeof(src)) == 0 &&
	    (col = suspicious_token(src, hint, sizeof(hint))) >= 0) {
		problem(l, line, "%s: %s", text, hint);
		show_line(l, f, line, col);
		return;
	}
	/* libconfig's line is right, but it names no column and nothing
	 * on the line stands out: no caret, rather than a wrong one.  Its
	 * parser stops at the token after a mistake, so a syntax error can
	 * be at the end of the line before; its other texts ("duplicate
	 * setting name") are about the line itself. */
	if (!strcmp(text, "syntax error"))
		problem(l, line,
			"%s, on this line or at the end of the one before",
			text);
	else
		problem(l, line, "%s", text);
	show_line(l, f, line, -1);
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
	case CONFIG_TYPE_STRING: {
		/* quoted, control bytes escaped, so a report stays one line */
		const char *v = config_setting_get_string(s);
		size_t n = 0;

		buf[n++] = '"';
		for (; *v && n + 6 < len; v++) {
			if ((unsigned char)*v < 0x20 || *v == 0x7f)
				n += (size_t)snprintf(buf + n, len - n, "\\x%02x",
						      (unsigned char)*v);
			else
				buf[n++] = *v;
		}
		if (*v && n + 4 < len)
			n += (size_t)snprintf(buf + n, len - n, "...");
		snprintf(buf + n, len - n, "\"");
		break;
	}
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s",
			 config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		snprintf(buf, len, "(a list of %d)", config_setting_length(s));
		break;
	default:
		snprintf(buf, len, "(a group)");
	}
}

/* A value read from a file: stored, and marked with where it came from. */
static void load_value(struct loader *l, struct parley_config *cfg,
		       const struct config_key *k, const char *text)
{
	store_value(cfg, k, text);
	cfg->source[k - config_keys] = (unsigned char)l->source;
}

/* Whether name is a group of the table ("audio"). */
static int is_group(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < config_nkeys; i++)
		if (!strncmp(config_keys[i].path, name, n) &&
		    config_keys[i].path[n] == '.')
			return 1;
	return 0;
}

/* What a key's value is, in a word or three: "must be %s, not a group". */
static const char *kind(const struct config_key *k)
{
	switch (k->type) {
	case CT_INT:
		return "an integer";
	case CT_FLOAT:
		return "a number";
	case CT_BOOL:
		return "true or false";
	case CT_INT_ARRAY:
		return "a list of integers";
	case CT_STRING:
	case CT_ENUM:
		break;
	}
	return "a string";
}

static void mcp_problem(void *ctx, int line, const char *text)
{
	problem(ctx, line, "%s", text);
}

/* The group mcp: its one key, servers, is a list (config_mcp.c).  Only
 * the main file may name servers: they are peers with tokens. */
static void check_mcp(struct loader *l, struct parley_config *cfg,
		      config_setting_t *g)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		int line = (int)config_setting_source_line(s);

		if (strcmp(config_setting_name(s), "servers")) {
			problem(l, line, "mcp.%s: unknown key; the group mcp has one key, servers",
				config_setting_name(s));
			continue;
		}
		if (l->source == CS_DROPIN) {
			problem(l, line,
				"mcp.servers: set only in the main config file, not in the console's drop-in");
			continue;
		}
		config_mcp_parse(s, cfg->mcp, &cfg->mcp_count, mcp_problem, l);
	}
}

static void check_setting(struct loader *l, struct parley_config *cfg,
			  config_setting_t *s)
{
	char path[256], val[320], why[REPORT_MAX - 512], want[256], text[64];
	const struct config_key *k;
	int line = (int)config_setting_source_line(s);
	int type = config_setting_type(s), top;

	setting_path(s, path, sizeof(path));
	if (config_setting_is_root(s)) {
		for (int i = 0; i < config_setting_length(s); i++)
			check_setting(l, cfg, config_setting_get_elem(s, i));
		return;
	}
	top = config_setting_is_root(config_setting_parent(s));
	if (top && !strcmp(path, "mcp")) {
		if (type == CONFIG_TYPE_GROUP)
			check_mcp(l, cfg, s);
		else
			problem(l, line, "mcp must be a group: mcp = { servers = ( ... ); };");
		return;
	}
	k = config_find(path);
	if (type == CONFIG_TYPE_GROUP && !top) {
		if (k)
			problem(l, line, "%s must be %s, not a group", path,
				kind(k));
		else
			problem(l, line, "%s: groups nest only one level deep",
				path);
		return;
	}
	if (type == CONFIG_TYPE_GROUP) {
		if (!is_group(path)) {
			if (config_suggest(path, why, sizeof(why)) == 0)
				problem(l, line,
					"%s: unknown group; did you mean %s?",
					path, why);
			else
				problem(l, line, "%s: unknown group", path);
			return; /* its keys would each say so again */
		}
		for (int i = 0; i < config_setting_length(s); i++)
			check_setting(l, cfg, config_setting_get_elem(s, i));
		return;
	}
	value_text(s, val, sizeof(val));
	if (top && is_group(path)) {
		problem(l, line, "%s = %s: %s must be a group: %s = { KEY = VALUE; ... };",
			path, val, path, path);
		return;
	}
	if (!k) {
		if (config_suggest(path, why, sizeof(why)) == 0)
			problem(l, line, "%s = %s: unknown key; did you mean %s?",
				path, val, why);
		else
			problem(l, line, "%s = %s: unknown key", path, val);
		return;
	}
	/* the drop-in is the daemon's to write, from the console: it may
	 * hold only what the console could set (config.h) */
	if (l->source == CS_DROPIN && (!k->live || k->file_only)) {
		problem(l, line,
			"%s: set only in the main config file, not in the console's drop-in",
			path);
		return;
	}
	allowed(k, want, sizeof(want));
	if (k->type == CT_BOOL) {
		if (type != CONFIG_TYPE_BOOL) {
			problem(l, line, "%s = %s: must be %s", path, val,
				want);
			return;
		}
		load_value(l, cfg, k, config_setting_get_bool(s) ? "true" :
								  "false");
		return;
	}
	if (k->type == CT_INT_ARRAY) {
		char arr[128];
		size_t used = 0;
		int n = config_setting_length(s), bad = 0;

		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			bad = 1;
		used = (size_t)snprintf(arr, sizeof(arr), "[");
		for (int i = 0; !bad && i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, i);

			if (config_setting_type(e) != CONFIG_TYPE_INT) {
				bad = 1;
				break;
			}
			used += (size_t)snprintf(arr + used, sizeof(arr) - used,
						 "%s%d", i ? ", " : "",
						 config_setting_get_int(e));
			if (used >= sizeof(arr) - 2)
				bad = 1;
		}
		if (!bad) {
			snprintf(arr + used, sizeof(arr) - used, "]");
			snprintf(val, sizeof(val), "%s", arr);
			if (config_check_value(k, arr, why, sizeof(why))) {
				problem(l, line, "%s = %s: %s", path, val, why);
				return;
			}
		}
		if (bad) {
			problem(l, line, "%s = %s: must be %s", path, val,
				want);
			return;
		}
		load_value(l, cfg, k, arr);
		return;
	}
	/* the setting as text, if its libconfig type suits the key */
	const char *as_text = NULL;

	if (k->type == CT_FLOAT && type == CONFIG_TYPE_FLOAT)
		snprintf(text, sizeof(text), "%.17g",
			 config_setting_get_float(s));
	else if ((k->type == CT_FLOAT || k->type == CT_INT) &&
		 type == CONFIG_TYPE_INT)
		snprintf(text, sizeof(text), "%d", config_setting_get_int(s));
	else if (k->type == CT_INT && type == CONFIG_TYPE_INT64)
		snprintf(text, sizeof(text), "%lld", config_setting_get_int64(s));
	else if (k->type == CT_STRING && k->int_ok && type == CONFIG_TYPE_INT)
		snprintf(text, sizeof(text), "%d", config_setting_get_int(s));
	else if ((k->type == CT_STRING || k->type == CT_ENUM) &&
		 type == CONFIG_TYPE_STRING)
		as_text = config_setting_get_string(s);
	else {
		problem(l, line, "%s = %s: must be %s", path, val, want);
		return;
	}
	if (!as_text)
		as_text = text;
	if (config_check_value(k, as_text, why, sizeof(why))) {
		problem(l, line, "%s = %s: %s", path, val, why);
		return;
	}
	load_value(l, cfg, k, as_text);
}

int config_load(struct parley_config *cfg, const char *file,
		void (*report)(const char *line, void *ctx), void *ctx)
{
	config_defaults(cfg);
	return config_load_over(cfg, file, report, ctx);
}

static config_rule_fn rules[CONFIG_RULES_MAX]; /* set once, at start-up */

int config_add_rule(config_rule_fn rule)
{
	for (int i = 0; i < CONFIG_RULES_MAX; i++)
		if (!rules[i] || rules[i] == rule) {
			rules[i] = rule;
			return 0;
		}
	return -ENOSPC;
}

int config_cross_check(const struct parley_config *cfg, const char *file,
		       void (*report)(const char *line, void *ctx), void *ctx)
{
	char why[400], out[512];
	int problems = 0;

	if (cfg->capture_channel >= cfg->capture_channels) {
		snprintf(why, sizeof(why),
			 "audio.capture_channel = %d: must be -1 (mix) or below audio.capture_channels (%d)",
			 cfg->capture_channel, cfg->capture_channels);
		snprintf(out, sizeof(out), "%s: %s", file, why);
		report(out, ctx);
		problems++;
	}
	for (int i = 0; i < CONFIG_RULES_MAX && rules[i]; i++) {
		if (!rules[i](cfg, why, sizeof(why)))
			continue;
		snprintf(out, sizeof(out), "%s: %s", file, why);
		report(out, ctx);
		problems++;
	}
	return problems;
}

static int load_over(struct parley_config *cfg, const char *file,
		     enum config_source source,
		     void (*report)(const char *line, void *ctx), void *ctx);

int config_load_layers(struct parley_config *cfg, const char *file,
		       void (*report)(const char *line, void *ctx),
		       void *ctx)
{
	char board[CONFIG_STR_MAX + 16], dropin[CONFIG_STR_MAX + 16];
	const char *slash = strrchr(file, '/');
	int r = 0;

	config_defaults(cfg);
	if (slash)
		snprintf(board, sizeof(board), "%.*s/board.conf",
			 (int)(slash - file), file);
	else
		snprintf(board, sizeof(board), "board.conf");
	if (strcmp(board, file) && access(board, F_OK) == 0)
		r = config_load_over(cfg, board, report, ctx);
	if (r < 0)
		return r;
	int m = config_load_over(cfg, file, report, ctx);

	if (m < 0)
		return m;
	/* the drop-in follows the store named by the files, and is read
	 * after them: what the console saved wins over the file */
	config_dropin_path(cfg, dropin, sizeof(dropin));
	if (access(dropin, F_OK) == 0) {
		int d = load_over(cfg, dropin, CS_DROPIN, report, ctx);

		if (d < 0)
			return d;
		m += d;
	}
	return r + m + config_cross_check(cfg, file, report, ctx);
}

void config_dropin_path(const struct parley_config *cfg, char *buf,
			size_t len)
{
	const char *slash = strrchr(cfg->store_path, '/');

	if (slash)
		snprintf(buf, len, "%.*s/console.conf",
			 (int)(slash - cfg->store_path), cfg->store_path);
	else
		snprintf(buf, len, "console.conf");
}

const char *config_source_name(enum config_source s)
{
	static const char *const names[] = {
		[CS_DEFAULT] = "default",
		[CS_FILE] = "file",
		[CS_DROPIN] = "drop-in",
		[CS_RUNTIME] = "runtime",
	};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/*
 * Whether key g is the first of its group in the table; *glen is the
 * group's length.  A writer puts each group's keys in one block under
 * its first: libconfig refuses a group named twice.
 */
static int group_first(size_t g, size_t *glen)
{
	const char *gp = config_keys[g].path;

	*glen = (size_t)(strchr(gp, '.') - gp);
	for (size_t e = 0; e < g; e++)
		if (!strncmp(config_keys[e].path, gp, *glen + 1))
			return 0;
	return 1;
}

/* A string as libconfig reads it back: quoted, '"' and '\\' escaped,
 * control bytes as \xNN. */
static void write_string(FILE *f, const char *v)
{
	putc('"', f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(f, "\\%c", *v);
		else if ((unsigned char)*v < 0x20 || *v == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*v);
		else
			putc(*v, f);
	}
	putc('"', f);
}

static int saved_here(const struct parley_config *cfg, size_t i)
{
	const struct config_key *k = &config_keys[i];

	return k->live && !k->file_only &&
	       (cfg->source[i] == CS_RUNTIME || cfg->source[i] == CS_DROPIN);
}

int config_save_dropin(struct parley_config *cfg, char *why, size_t whylen)
{
	char path[CONFIG_STR_MAX + 16], tmp[CONFIG_STR_MAX + 24];
	char val[PARLEY_PROMPT_MAX + 8];
	int fd, n = 0, err;
	FILE *f;

	config_dropin_path(cfg, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp); /* a stale one from a crash; O_EXCL then refuses links */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(why, whylen, "cannot write %s: %s", tmp,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# Written by parleyd's \"config save\": the settings changed at\n"
		   "# the console, read after the config file at start-up and on\n"
		   "# reload.  Only keys that \"set\" can change belong here.\n");
	for (size_t g = 0; g < config_nkeys; g++) {
		const char *gp = config_keys[g].path;
		size_t glen;
		int opened = 0;

		if (!group_first(g, &glen))
			continue;
		for (size_t i = g; i < config_nkeys; i++) {
			const struct config_key *k = &config_keys[i];

			if (strncmp(k->path, gp, glen + 1) || !saved_here(cfg, i))
				continue;
			if (!opened++)
				fprintf(f, "%.*s = {\n", (int)glen, gp);
			fprintf(f, "\t%s = ", k->path + glen + 1);
			if (k->type == CT_STRING || k->type == CT_ENUM)
				write_string(f, (const char *)cfg + k->offset);
			else if (k->type == CT_FLOAT)
				fprintf(f, "%.15g",
					*(const double *)((const char *)cfg +
							  k->offset));
			else {
				config_format(cfg, k, val, sizeof(val));
				fputs(val, f);
			}
			fprintf(f, ";\n");
			n++;
		}
		if (opened)
			fprintf(f, "};\n");
	}
	err = fflush(f) || fsync(fileno(f)) ? errno : 0;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		snprintf(why, whylen, "cannot write %s: %s", path,
			 strerror(err));
		unlink(tmp);
		return -1;
	}
	for (size_t i = 0; i < config_nkeys; i++)
		if (saved_here(cfg, i))
			cfg->source[i] = CS_DROPIN;
	return n;
}

/*
 * Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions, each substring edited once), over at most 63 bytes:
 * "modle" is one from "model".  Three rows suffice.
 */
static int distance(const char *a, const char *b)
{
	int rows[3][64], *pp = rows[0], *p = rows[1], *c = rows[2];
	size_t la = strlen(a), lb = strlen(b);

	if (la > 63 || lb > 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		p[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int d = p[j] + 1;

			if (c[j - 1] + 1 < d)
				d = c[j - 1] + 1;
			if (p[j - 1] + cost < d)
				d = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			c[j] = d;
		}
		int *t = pp;

		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

/* How far a misspelling may be: short names have few letters to spare. */
static int slack(const char *s)
{
	size_t n = strlen(s);

	return n <= 3 ? 1 : n <= 7 ? 2 : 3;
}

int config_suggest(const char *path, char *buf, size_t len)
{
	const char *dot = strchr(path, '.');
	const char *name = dot ? dot + 1 : path;
	size_t glen = dot ? (size_t)(dot - path) : 0;
	const struct config_key *best = NULL;
	int bestd = slack(name) + 1;

	/* a key in its own group, misspelt */
	for (size_t i = 0; dot && i < config_nkeys; i++) {
		const char *kp = config_keys[i].path;
		int d;

		if (strncmp(kp, path, glen + 1))
			continue;
		d = distance(name, kp + glen + 1);
		if (d < bestd) {
			bestd = d;
			best = &config_keys[i];
		}
	}
	/* the right name in the wrong group (or in none) */
	for (size_t i = 0; !best && i < config_nkeys; i++)
		if (!strcmp(strchr(config_keys[i].path, '.') + 1, name))
			best = &config_keys[i];
	/* the whole path: a group misspelt with its key */
	bestd = slack(path) + 1;
	for (size_t i = 0; !best && dot && i < config_nkeys; i++)
		if (distance(path, config_keys[i].path) < bestd)
			best = &config_keys[i];
	if (best) {
		snprintf(buf, len, "%s", best->path);
		return 0;
	}
	/* a group name, misspelt */
	bestd = slack(path) + 1;
	for (size_t i = 0; !dot && i < config_nkeys; i++) {
		const char *kp = config_keys[i].path;
		size_t kl = (size_t)(strchr(kp, '.') - kp);
		char group[64];
		int d;

		snprintf(group, sizeof(group), "%.*s", (int)kl, kp);
		d = distance(path, group);
		if (d < bestd) {
			bestd = d;
			snprintf(buf, len, "%s", group);
		}
	}
	return bestd <= slack(path) ? 0 : -1;
}

static int load_over(struct parley_config *cfg, const char *file,
		     enum config_source source,
		     void (*report)(const char *line, void *ctx), void *ctx)
{
	struct loader l = { file, report, ctx, 0, source };
	config_t c;
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		problem(&l, 0, "cannot read the config file: %s",
			strerror(errno));
		return -1;
	}
	config_init(&c);
	if (!config_read(&c, f)) {
		syntax_problem(&l, f, &c);
		config_destroy(&c);
		fclose(f);
		return l.problems;
	}
	fclose(f);
	check_setting(&l, cfg, config_root_setting(&c));
	config_destroy(&c);
	return l.problems;
}

int config_load_over(struct parley_config *cfg, const char *file,
		     void (*report)(const char *line, void *ctx), void *ctx)
{
	return load_over(cfg, file, CS_FILE, report, ctx);
}

void config_write_sample(FILE *f)
{
	char want[256];

	fprintf(f, "# parley.conf: configuration of parleyd, in libconfig syntax.\n"
		   "# Every option is shown commented out at its default, with\n"
		   "# what it accepts.  Check a file with: parleyd -t -c FILE\n");
	for (size_t g = 0; g < config_nkeys; g++) {
		const char *gp = config_keys[g].path;
		size_t glen;
		int first = 1;

		if (!group_first(g, &glen))
			continue;
		fprintf(f, "\n%.*s = {\n", (int)glen, gp);
		for (size_t i = g; i < config_nkeys; i++) {
			const struct config_key *k = &config_keys[i];
			const char *name = k->path + glen + 1;

			if (strncmp(k->path, gp, glen + 1))
				continue;
			if (!first)
				fprintf(f, "\n");
			first = 0;
			allowed(k, want, sizeof(want));
			fprintf(f, "\t# %s; %s\n", k->help, want);
			if (k->type == CT_STRING || k->type == CT_ENUM)
				fprintf(f, "\t#%s = \"%s\";\n", name, k->def);
			else
				fprintf(f, "\t#%s = %s;\n", name, k->def);
		}
		fprintf(f, "};\n");
	}
	config_mcp_sample(f);
}

/* Runs each hook that one of the changed keys names, once. */
static void run_hooks(const struct parley_config *cfg, const int *changed,
		      const struct config_live *live)
{
	int done[CH_COUNT] = { 0 };

	if (!live)
		return;
	for (size_t i = 0; i < config_nkeys; i++) {
		enum config_hook h = config_keys[i].hook;

		if (changed[i] && h != CH_NONE && !done[h] && live->apply[h]) {
			done[h] = 1;
			live->apply[h](live->ctx, cfg);
		}
	}
}

int config_apply_live(struct parley_config *cfg,
		      const struct parley_config *next,
		      const struct config_live *live,
		      void (*report)(const struct config_key *k, int live,
				     const char *old, const char *now,
				     void *ctx),
		      void *ctx)
{
	char old[PARLEY_PROMPT_MAX + 8], now[PARLEY_PROMPT_MAX + 8];
	int changed[sizeof(config_keys) / sizeof(config_keys[0])] = { 0 };
	int restart = 0;

	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		config_format(cfg, k, old, sizeof(old));
		config_format(next, k, now, sizeof(now));
		if (!strcmp(old, now)) {
			cfg->source[i] = next->source[i]; /* e.g. now saved */
			continue;
		}
		if (k->live) {
			cfg->source[i] = next->source[i];
			memcpy((char *)cfg + k->offset,
			       (const char *)next + k->offset, k->size);
			if (k->type == CT_INT_ARRAY)
				memcpy((char *)cfg + k->count_offset,
				       (const char *)next + k->count_offset,
				       sizeof(int));
			changed[i] = 1;
		} else {
			restart++;
		}
		report(k, k->live, old, now, ctx);
	}
	run_hooks(cfg, changed, live);
	return restart;
}

#define SET_WHY_MAX 400 /* config_set_many's message of the first problem */

static void note_problem(const char *line, void *ctx)
{
	char *why = ctx;
	const char *msg = strstr(line, ": ");

	/* keep the first, without the "file: " prefix */
	if (!why[0])
		snprintf(why, SET_WHY_MAX, "%s", msg ? msg + 2 : line);
}

int config_set_many(struct parley_config *cfg, const char *const *keys,
		    const char *const *texts, int n,
		    const struct config_live *live, char *why, size_t whylen)
{
	static struct parley_config next; /* control thread only */
	int changed[sizeof(config_keys) / sizeof(config_keys[0])] = { 0 };
	char msg[SET_WHY_MAX];

	next = *cfg;
	for (int i = 0; i < n; i++) {
		const struct config_key *k = config_find(keys[i]);

		if (!k) {
			if (config_suggest(keys[i], msg, sizeof(msg)) == 0)
				snprintf(why, whylen,
					 "unknown key '%.64s'; did you mean %s?",
					 keys[i], msg);
			else
				snprintf(why, whylen, "unknown key '%.64s'",
					 keys[i]);
			return -1;
		}
		/* Refused before the value is looked at: whoever can type
		 * at the console (or a model calling a device tool) must not
		 * point the speaker, its recordings or its token at another
		 * host.  Only the file, root's to write, says where peers are. */
		if (k->file_only) {
			snprintf(why, whylen,
				 "%s is set only in the config file: edit it there and %s",
				 k->path,
				 k->live ? "reload (systemctl reload parleyd)" :
					   "restart");
			return -2;
		}
		if (config_check_value(k, texts[i], msg, sizeof(msg))) {
			snprintf(why, whylen, "%s = %.64s: %s", keys[i],
				 texts[i], msg);
			return -1;
		}
		if (!k->live) {
			snprintf(why, whylen,
				 "%s cannot change while running: set it in the config file and restart",
				 keys[i]);
			return -2;
		}
		store_value(&next, k, texts[i]);
		next.source[k - config_keys] = CS_RUNTIME;
		changed[k - config_keys] = 1;
	}
	msg[0] = '\0';
	if (config_cross_check(&next, "set", note_problem, msg)) {
		snprintf(why, whylen, "%s", msg);
		return -1;
	}
	*cfg = next;
	run_hooks(cfg, changed, live);
	return 0;
}

int config_set(struct parley_config *cfg, const char *key, const char *text,
	       const struct config_live *live, char *why, size_t whylen)
{
	return config_set_many(cfg, &key, &text, 1, live, why, whylen);
}
