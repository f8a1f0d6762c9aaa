// SPDX-License-Identifier: MIT
/*
 * The console's command table, shared by every console transport.  Each
 * command has its usage and one line of help; arguments are counted by the
 * transport before a handler runs.  Commands that wait for the network or
 * for audio return CONSOLE_PENDING and finish from a callback, so the loop
 * never waits for them.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "button.h"
#include "commands_list.h"
#include "console.h"
#include "json_arena.h"
#include "led.h"
#include "log.h"
#include "loop.h"
#include "mcp.h"
#include "parley.h"

/*
 * Every handler has the same signature; most use only part of it.  The
 * console passes the context given at console_open: the whole daemon.
 */
#define U __attribute__((unused))
#define CMD(name)                                                           \
	static int name##_(struct parley *p U, struct console_client *c U,  \
			   int argc U, char **argv U, char *why U,          \
			   size_t whylen U);                                \
	static int name(void *ctx, struct console_client *c, int argc,      \
			char **argv, char *why, size_t whylen)              \
	{                                                                   \
		return name##_(ctx, c, argc, argv, why, whylen);            \
	}                                                                   \
	static int name##_(struct parley *p U, struct console_client *c U,  \
			   int argc U, char **argv U, char *why U,          \
			   size_t whylen U)

static int to_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* help's role column: what each command needs */
static const char *const access_names[] = {
	[ACC_MONITOR] = CONSOLE_ROLE_TEXT_MONITOR,
	[ACC_ADMIN] = CONSOLE_ROLE_TEXT_ADMIN,
	[ACC_VIEW] = CONSOLE_ROLE_TEXT_VIEW,
};

CMD(cmd_help)
{
	console_printf(c, "your role: %s", console_role_names[console_role(c)]);
	for (int i = 0; console_cmds[i].name; i++) {
		char left[CONSOLE_HELP_LEFT_MAX];

		snprintf(left, sizeof(left), "%s %s", console_cmds[i].name,
			 console_cmds[i].usage);
		console_printf(c, CONSOLE_HELP_FMT, left,
			       access_names[console_cmds[i].access],
			       console_cmds[i].help);
	}
	return 0;
}

/* The engine's counters, as status and stats show them. */
static void engine_counters(struct console_client *c, const struct parley *p,
			    const struct engine_stats *st)
{
	console_printf(c, "xruns: %u reopens: %u dropped_frames: %u",
		       st->xruns, st->reopens, st->dropped_frames);
	console_printf(c, "suspends: %u resumes: %u", st->suspends,
		       st->resumes);
	console_printf(c, "playback_delay: %d frames, reference lag %d samples at 16 kHz",
		       st->play_delay, st->ref_delay);
	if (p)
		console_printf(c, "buffers: capture %u frames at %d Hz x%d, playback %u frames at %d Hz",
			       st->cap_buffer, p->cfg.capture_rate,
			       p->cfg.capture_channels, st->play_buffer,
			       p->cfg.playback_rate);
	console_printf(c, "drift: %d ppm, inserted %u dropped %u",
		       st->drift_ppm, st->drift_inserted, st->drift_dropped);
	console_printf(c, "volume: %d", st->volume);
	console_printf(c, "earcons: %u", st->earcons);
}

/* "ringing: no", or what rings: "ringing: kitchen, alarm 07:30" */
static void ringing_line(struct console_client *c, const struct timers *ts)
{
	char what[256];
	size_t n = 0;

	for (int i = 0; i < ts->n && n < sizeof(what); i++) {
		const struct timer *t = &ts->t[i];

		if (!t->ringing)
			continue;
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s%s",
				      n ? ", " : "",
				      t->kind == TK_ALARM ? "alarm " : "",
				      t->label);
	}
	console_printf(c, "ringing: %s", n ? what : "no");
}

CMD(cmd_status)
{
	struct engine_stats st;
	char line[CONFIG_STR_MAX * 2];
	char store_line[1024]; /* a path and why the disk is away */

	engine_stats(&p->eng, &st);
	console_printf(c, "state: %s", turn_state_name(p->turn.state));
	ringing_line(c, &p->timers);
	console_printf(c, "uptime_s: %llu",
		       (unsigned long long)(loop_now_ms() - p->started_ms) / 1000);
	console_printf(c, "turns_stored: %lld",
		       (long long)store_turn_count(p->store));
	console_printf(c, "conversation: %lld",
		       (long long)store_conversation_latest(p->store));
	store_describe(p->store, store_line, sizeof(store_line));
	console_printf(c, "store: %s", store_line);
	console_printf(c, "audio: %s capture '%s' playback '%s' at %d Hz",
		       p->eng.ops->name, p->cfg.capture_device,
		       p->cfg.playback_device, p->cfg.playback_rate);
	console_printf(c, "frames: %llu", (unsigned long long)st.frames);
	console_printf(c, "played_samples: %llu",
		       (unsigned long long)st.played_samples);
	engine_counters(c, p, &st);
	console_printf(c, "button: %s (%s)",
		       button_pressed() ? "pressed" : "released", p->gpio->name);
	console_printf(c, "gestures: hold %u tap %u long %u double %u",
		       button_gesture_count(G_HOLD), button_gesture_count(G_TAP),
		       button_gesture_count(G_LONG),
		       button_gesture_count(G_DOUBLE));
	console_printf(c, "microphone: %s", p->turn.muted ? "muted" : "on");
	console_printf(c, "speculation: %u started, %u dropped",
		       p->turn.spec_started, p->turn.spec_cancelled);
	console_printf(c, "led: %s", led_state_names[led_current()]);
	p->llm.proto->describe(&p->cfg, line, sizeof(line));
	console_printf(c, "llm: %s", line);
	console_printf(c, "tools: %s%s",
		       !p->cfg.tools_enable	      ? "off (tools.enable)" :
		       llm_tools_refused(&p->llm) ? "off for this model: " :
						    "on",
		       llm_tools_refused(&p->llm) ? llm_tools_refused(&p->llm) :
						    "");
	p->stt.ops->describe(&p->cfg, line, sizeof(line));
	console_printf(c, "stt: %s", line);
	p->tts.ops->describe(&p->cfg, line, sizeof(line));
	console_printf(c, "tts: %s", line);
	satellite_describe(&p->sat, line, sizeof(line));
	console_printf(c, "satellite: %s", line);
	wake_counts(&p->wake, line, sizeof(line));
	console_printf(c, "wake: %s", line);
	console_printf(c, "satellite_stage: %s", satellite_stage_name(&p->sat));
	console_printf(c, "host: %s", p->host_state[0] ? p->host_state :
							 "not checked yet");
	console_printf(c, "heap: curl %zu (max %zu) json %zu (max %zu) sqlite %lld (max %lld)",
		       http_heap_used(), http_heap_high_water(),
		       json_arena_used(), json_arena_high_water(),
		       store_heap_used(), store_heap_high_water());
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

CMD(cmd_stats)
{
	static int v[1000];
	char line[300];
	long n = 50;
	struct engine_stats st;

	if (argc && to_int(argv[0], 1, 1000, &n)) {
		snprintf(why, whylen, "usage: stats [TURNS], TURNS from 1 to 1000");
		return -1;
	}
	console_printf(c, "stage latency over the last %ld turns (ms from the press):", n);
	console_printf(c, "%-16s %6s %8s %8s", "stage", "turns", "median", "p95");
	for (int s = 0; s < ST_COUNT; s++) {
		int k = store_stage_times(p->store, (enum stage)s, (int)n, v);

		if (k <= 0) {
			console_printf(c, "%-16s %6d %8s %8s", stage_names[s], 0,
				       "-", "-");
			continue;
		}
		qsort(v, (size_t)k, sizeof(v[0]), cmp_int);
		/* nearest-rank percentiles */
		console_printf(c, "%-16s %6d %8d %8d", stage_names[s], k,
			       v[(k - 1) / 2], v[(95 * k + 99) / 100 - 1]);
	}
	engine_stats(&p->eng, &st);
	engine_counters(c, NULL, &st);
	wake_counts(&p->wake, line, sizeof(line));
	console_printf(c, "wake words: %s", line);
	console_printf(c, "heap high-water: curl %zu B, json arena %zu B, sqlite %lld B",
		       http_heap_high_water(), json_arena_high_water(),
		       store_heap_high_water());
	if (st.frames)
		console_printf(c, "dsp: %.1f us a frame on average, %.1f us at most, %.3f%% of real time",
			       st.dsp_ns / 1000.0 / st.frames,
			       st.dsp_ns_max / 1000.0,
			       st.dsp_ns / 1e9 /
				       (st.frames * PARLEY_FRAME_MS / 1000.0) * 100);
	return 0;
}

static void levels_tick(struct console_client *c, void *ctx)
{
	struct parley *p = ctx;

	console_live_line(c, "mic %6.1f dBFS  peak %6.1f  floor %6.1f  vad %s  erle %4.1f dB (aec %s)",
			  p->meter.level_q8 / 256.0, p->meter.peak_q8 / 256.0,
			  p->meter.floor_q8 / 256.0,
			  p->meter.speech ? "speech" : "-     ",
			  engine_erle_q8(&p->eng) / 256.0,
			  chain_aec_name(engine_aec(&p->eng)));
	p->meter.peak_q8 = -100 * 256;
}

CMD(cmd_levels)
{
	p->meter.peak_q8 = -100 * 256;
	console_live(c, 100, levels_tick, p);
	return CONSOLE_PENDING;
}

CMD(cmd_tone)
{
	long hz = 1000, ms = 1000;

	if ((argc > 0 && to_int(argv[0], 50, p->cfg.playback_rate / 2 - 1, &hz)) ||
	    (argc > 1 && to_int(argv[1], 10, 10000, &ms))) {
		snprintf(why, whylen, "usage: tone [HZ 50..%d] [MS 10..10000]",
			 p->cfg.playback_rate / 2 - 1);
		return -1;
	}
	return turn_tone(&p->turn, (unsigned)hz, (unsigned)ms, why, whylen) ? -1 :
									      0;
}

CMD(cmd_led)
{
	struct gpio_led_change log[64];
	int n, s;

	if (!strcmp(argv[0], "test")) {
		led_test();
		return 0;
	}
	if (!strcmp(argv[0], "log")) {
		if (!p->gpio->led_log) {
			snprintf(why, whylen, "the %s backend keeps no LED log",
				 p->gpio->name);
			return -1;
		}
		n = p->gpio->led_log(p->gpio_ctx, log, 64);
		for (int i = 0; i < n; i++)
			console_printf(c, "%llu led %u %s",
				       (unsigned long long)log[i].time_ms,
				       log[i].led, log[i].on ? "on" : "off");
		return 0;
	}
	s = led_state_find(argv[0]);
	if (s < 0) {
		snprintf(why, whylen, "usage: led test|log|idle|listening|thinking|speaking|error|muted|recording");
		return -1;
	}
	/* a look at the pattern, not a new state: led_show would leave the
	 * LED claiming "thinking" while the speaker idles */
	led_preview((enum led_state)s);
	console_printf(c, "led: showing %s (%s) for %d s",
		       led_state_names[s], led_pattern_setting((enum led_state)s),
		       LED_PREVIEW_MS / 1000);
	return 0;
}

CMD(cmd_button)
{
	int pressed, r;

	if (argc == 0) {
		console_printf(c, "button: %s (%s)",
			       button_pressed() ? "pressed" : "released",
			       p->gpio->name);
		return 0;
	}
	if (!strcmp(argv[0], "press")) {
		pressed = 1;
	} else if (!strcmp(argv[0], "release")) {
		pressed = 0;
	} else {
		snprintf(why, whylen, "usage: button [press|release [BOUNCES]]");
		return -1;
	}
	/* BOUNCES: the contact chatters that many times (back and forth)
	 * before it settles, as a worn switch does */
	char *end = NULL;
	long bounces = argc > 1 ? strtol(argv[1], &end, 10) : 0;

	if (argc > 1 && (*end || bounces < 0 || bounces > 7)) {
		snprintf(why, whylen, "button: bounces must be 0..7, not '%s'",
			 argv[1]);
		return -1;
	}
	if (!p->gpio->inject) {
		snprintf(why, whylen, "the %s button is real; it cannot be pressed from here",
			 p->gpio->name);
		return -1;
	}
	r = p->gpio->inject(p->gpio_ctx, pressed);
	for (long i = 0; !r && i < bounces; i++) {
		r = p->gpio->inject(p->gpio_ctx, !pressed);
		if (!r)
			r = p->gpio->inject(p->gpio_ctx, pressed);
	}
	if (r == -EALREADY) {
		snprintf(why, whylen, "button already %s",
			 pressed ? "pressed" : "released");
		return -1;
	}
	if (r) {
		snprintf(why, whylen, "%s", strerror(-r));
		return -1;
	}
	return 0;
}

CMD(cmd_gpio)
{
	char buf[512];

	p->gpio->describe(p->gpio_ctx, buf, sizeof(buf));
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		console_printf(c, "%s", line);
	return 0;
}

/*
 * config show [KEY]: the values; the whole list marks where each came
 * from (config.h: default, file, drop-in, runtime).  One key's line stays
 * "KEY = VALUE", which scripts read.  config save: what the console
 * changed goes to the drop-in beside the store, read after the file.
 */
CMD(cmd_config)
{
	char val[PARLEY_PROMPT_MAX + 8], path[CONFIG_STR_MAX + 16];
	const struct config_key *k;
	int n;

	if (!strcmp(argv[0], "save") && argc == 1) {
		n = config_save_dropin(&p->cfg, why, whylen);
		if (n < 0)
			return -1;
		config_dropin_path(&p->cfg, path, sizeof(path));
		LOGN("console", "config save: %d setting%s in %s", n,
		     n == 1 ? "" : "s", path);
		console_printf(c, "%d setting%s saved in %s, read after the config file at start-up and on reload",
			       n, n == 1 ? "" : "s", path);
		return 0;
	}
	if (strcmp(argv[0], "show")) {
		snprintf(why, whylen, "usage: config show [KEY] | config save");
		return -1;
	}
	if (argc == 2) {
		k = config_find(argv[1]);
		if (!k) {
			if (config_suggest(argv[1], path, sizeof(path)) == 0)
				snprintf(why, whylen,
					 "unknown key '%.64s'; did you mean %s?",
					 argv[1], path);
			else
				snprintf(why, whylen, "unknown key '%.64s'",
					 argv[1]);
			return -1;
		}
		config_format(&p->cfg, k, val, sizeof(val));
		console_printf(c, "%s = %s", k->path, val);
		return 0;
	}
	for (size_t i = 0; i < config_nkeys; i++) {
		config_format(&p->cfg, &config_keys[i], val, sizeof(val));
		console_printf(c, "%s = %s  (%s%s)", config_keys[i].path, val,
			       config_source_name(p->cfg.source[i]),
			       config_keys[i].live ? "" : "; restart to change");
	}
	return 0;
}

/*
 * set KEY VALUE [KEY VALUE ...]: the pairs change together (one rule may
 * tie two keys, as a backend and its URL).  A value in "quotes" may hold
 * spaces.  Returns the number of pairs, or -1 if the text is not pairs.
 */
static int split_pairs(char *text, char **words, int max)
{
	int n = 0;

	while (*text) {
		char *end;

		while (*text == ' ' || *text == '\t')
			text++;
		if (!*text)
			break;
		if (n == max)
			return -1;
		if (*text == '"') {
			end = strchr(text + 1, '"');
			if (!end || (end[1] && end[1] != ' ' && end[1] != '\t'))
				return -1;
			words[n++] = text + 1;
		} else {
			end = text + strcspn(text, " \t");
			words[n++] = text;
		}
		text = *end ? end + 1 : end;
		*end = '\0';
	}
	return n % 2 ? -1 : n / 2;
}

CMD(cmd_set)
{
	char val[PARLEY_PROMPT_MAX + 8], line[PARLEY_CONSOLE_LINE_MAX];
	const char *keys[8], *texts[8];
	char *words[16];
	int n;

	/* argv[1] is the rest of the line: more pairs may follow */
	snprintf(line, sizeof(line), "%s %s", argv[0], argv[1]);
	n = split_pairs(line, words, 16);
	for (int i = 0; i < n; i++) {
		keys[i] = words[2 * i];
		texts[i] = words[2 * i + 1];
	}
	if (n <= 0) { /* not pairs: the rest of the line is one value */
		size_t len = strlen(argv[1]);

		snprintf(line, sizeof(line), "%s", argv[1]);
		if (len >= 2 && line[0] == '"' && line[len - 1] == '"') {
			line[len - 1] = '\0';
			texts[0] = line + 1;
		} else {
			texts[0] = line;
		}
		keys[0] = argv[0];
		n = 1;
	}
	if (config_set_many(&p->cfg, keys, texts, n, &p->live, why, whylen))
		return -1;
	for (int i = 0; i < n; i++) {
		config_format(&p->cfg, config_find(keys[i]), val, sizeof(val));
		LOGN("console", "set %s = %s", keys[i], val);
		console_printf(c, "%s = %s", keys[i], val);
	}
	/* a change at the console is in no file: say how long it lasts,
	 * and how to keep it */
	console_printf(c, "until the next reload or restart; config save keeps it");
	return 0;
}

CMD(cmd_volume)
{
	long v;

	if (argc) {
		if (to_int(argv[0], 0, 100, &v)) {
			snprintf(why, whylen,
				 "volume '%.32s': usage: volume [0..100]",
				 argv[0]);
			return -1;
		}
		if (device_set_volume(&p->dev, (int)v, why, whylen) < 0)
			return -1;
	}
	console_printf(c, "volume: %d", device_volume(&p->dev));
	return 0;
}

CMD(cmd_wake)
{
	const char *ids[WAKE_WORDS_MAX], *phrases[WAKE_WORDS_MAX];
	int on[WAKE_WORDS_MAX], n;

	if (argc) {
		if (argc != 2 || (strcmp(argv[0], "on") && strcmp(argv[0], "off"))) {
			snprintf(why, whylen, "usage: wake [on|off WORD|all]");
			return -1;
		}
		if (wake_switch(&p->wake, argv[1], !strcmp(argv[0], "on"), why,
				whylen))
			return -1;
		n = wake_list(&p->wake, ids, phrases, on);
		satellite_wake_words(&p->sat, n, ids, phrases, on);
		LOGN("wake", "%s turned %s from the console", argv[1], argv[0]);
	}
	wake_show(&p->wake, c, p->turn.muted);
	return 0;
}

/*
 * A text turn waits for the last one to end: a question over a running
 * turn is refused, not a barge-in, so a script cannot flood the store and
 * starve the loop (a barge-in is the button's, or the voice's).
 */
CMD(cmd_ask)
{
	if (turn_busy(&p->turn)) {
		snprintf(why, whylen, "busy: a turn is %s; ask again when it is idle",
			 turn_state_name(p->turn.state));
		return -1;
	}
	return turn_ask(&p->turn, argv[0], why, whylen) ? -1 : 0;
}

CMD(cmd_say)
{
	if (strlen(argv[0]) >= PARLEY_SENTENCE_MAX) {
		snprintf(why, whylen, "text longer than %d bytes",
			 PARLEY_SENTENCE_MAX - 1);
		return -1;
	}
	return turn_say(&p->turn, argv[0], why, whylen) ? -1 : 0;
}

/*
 * history's rows: the turn and what was asked on the first line, then the
 * whole answer, wrapped at HISTORY_WIDTH columns under an indent, lines
 * broken only between words (a word longer than a line has one to
 * itself).  The question is never wrapped: it is one utterance, and
 * the turn's line shows it whole.  The answer starts on that line if its
 * first word fits, or if the question alone made the line long (breaking
 * then would save no width, and a short answer stays on the turn's line).
 */
#define HISTORY_WIDTH 78
#define HISTORY_INDENT "    "

struct wrap {
	struct console_client *c;
	char line[2048]; /* console_printf's own limit for one line */
	size_t len;
	int cols; /* columns the line takes on a terminal */
	int fresh; /* no word on this line yet: the next needs no room */
	int glue; /* the next word follows without a space (after a quote) */
};

/*
 * Columns text takes as the console writes it: a code point is one, a
 * control byte its \xHH escape (a C1 control, two bytes in UTF-8, two
 * escapes).
 */
static int columns(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	int cols = 0;

	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			cols += 4;
		else if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
			 u[i + 1] <= 0x9f)
			cols += 8, i++;
		else if ((u[i] & 0xc0) != 0x80)
			cols++;
	}
	return cols;
}

static void wrap_put(struct wrap *w, const char *s, size_t n)
{
	if (n > sizeof(w->line) - 1 - w->len)
		n = sizeof(w->line) - 1 - w->len;
	memcpy(w->line + w->len, s, n);
	w->len += n;
	w->cols += columns(s, n);
}

static void wrap_newline(struct wrap *w)
{
	console_printf(w->c, "%.*s", (int)w->len, w->line);
	w->len = 0;
	w->cols = 0;
	wrap_put(w, HISTORY_INDENT, strlen(HISTORY_INDENT));
	w->fresh = 1;
}

/* text's words after what the line holds; close ends the last word. */
static void wrap_words(struct wrap *w, const char *text, const char *close)
{
	const char *s = text + strspn(text, " ");

	if (!*s)
		wrap_put(w, close, strlen(close));
	while (*s) {
		size_t n = strcspn(s, " ");
		const char *next = s + n + strspn(s + n, " ");
		int last = !*next;
		int cols = columns(s, n) + (last ? (int)strlen(close) : 0);

		if (!w->fresh) {
			int gap = !w->glue;
			int long_question = w->glue && w->cols > HISTORY_WIDTH;

			if (w->cols + gap + cols > HISTORY_WIDTH && !long_question)
				wrap_newline(w);
			else if (gap)
				wrap_put(w, " ", 1);
		}
		wrap_put(w, s, n); /* cut only past the line's 2 KiB */
		if (last)
			wrap_put(w, close, strlen(close));
		w->fresh = 0;
		w->glue = 0;
		s = next;
	}
}

static void history_row(const struct turn_summary *t, void *ctx)
{
	struct wrap w = { .c = ctx };
	time_t secs = (time_t)(t->started_unix_ms / 1000);
	struct tm tm;
	char when[32];

	localtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	w.len = (size_t)snprintf(w.line, sizeof(w.line),
				 "#%lld %s conv %lld %s %s: \"%s\" -> \"",
				 (long long)t->id, when,
				 (long long)t->conversation, t->source,
				 t->outcome, t->transcript);
	if (w.len >= sizeof(w.line))
		w.len = sizeof(w.line) - 1;
	w.cols = columns(w.line, w.len);
	w.glue = 1;
	wrap_words(&w, t->answer, "\"");
	if (t->error[0]) {
		wrap_newline(&w);
		wrap_put(&w, "error:", 6);
		w.fresh = 0;
		wrap_words(&w, t->error, "");
	}
	console_printf(w.c, "%.*s", (int)w.len, w.line);
}

CMD(cmd_history)
{
	long n = 10;

	if (argc && to_int(argv[0], 1, 100, &n)) {
		snprintf(why, whylen, "usage: history [N], N from 1 to 100");
		return -1;
	}
	if (store_recent(p->store, (int)n, history_row, c) < 0) {
		snprintf(why, whylen, "the store cannot be read");
		return -1;
	}
	return 0;
}

CMD(cmd_conversation)
{
	if (strcmp(argv[0], "new")) {
		snprintf(why, whylen, "usage: conversation new");
		return -1;
	}
	turn_new_conversation(&p->turn);
	return 0;
}

/* ---- host ping and models: each backend probes its own peer ---- */

static const char *const peer_names[PEER_COUNT] = { "llm", "stt", "tts" };

static struct {
	struct console_ref who;
	int left; /* probes still running */
	int failed;
	int models_only;
} probing;

static void probe_reported(void *ctx, struct probe *pr, int ok,
			   const char *line)
{
	struct parley *p = ctx;
	struct console_client *c = console_get(probing.who);
	int idx = (int)(pr - p->probes);
	const char *backend[PEER_COUNT] = { p->llm.proto->name,
					    p->stt.ops->name,
					    p->tts.ops->name };

	probing.left--;
	probing.failed |= !ok;
	if (probing.models_only) {
		if (c && pr->answered) {
			for (const char *m = pr->models; *m;) {
				size_t k = strcspn(m, "\n");

				console_printf(c, "%.*s", (int)k, m);
				m += k + (m[k] == '\n');
			}
			console_finish(c, 1, NULL);
		} else if (c) {
			console_finish(c, 0, line);
		}
		return;
	}
	if (c)
		console_printf(c, "%s %s: %s", peer_names[idx], backend[idx],
			       line);
	if (probing.left)
		return;
	snprintf(p->host_state, sizeof(p->host_state), "%s",
		 probing.failed ? "problems at the last ping" :
				  "reachable at the last ping");
	if (c)
		console_finish(c, !probing.failed,
			       "a peer is unreachable or the model is missing");
}

CMD(cmd_host)
{
	int (*fn[PEER_COUNT])(struct probe *) = {
		[PEER_LLM] = p->llm.proto->probe,
		[PEER_STT] = p->stt.ops->probe,
		[PEER_TTS] = p->tts.ops->probe,
	};

	if (strcmp(argv[0], "ping")) {
		snprintf(why, whylen, "usage: host ping");
		return -1;
	}
	for (int i = 0; i < PEER_COUNT; i++)
		if (probing.left || probe_busy(&p->probes[i])) {
			snprintf(why, whylen, "a ping is already running");
			return -1;
		}
	probing.who = console_ref(c);
	probing.left = PEER_COUNT;
	probing.failed = 0;
	probing.models_only = 0;
	/* a probe may report at once (the local voice): count first */
	for (int i = 0; i < PEER_COUNT; i++)
		probe_start(&p->probes[i], fn[i], &p->cfg, probe_reported, p);
	return CONSOLE_PENDING;
}

/* "mcp call": one call at a time, its reply to the client that asked. */
static struct {
	struct console_ref who;
	int handle;
	char out[PARLEY_TOOL_RESULT_MAX * 4];
} direct;

static void mcp_called(void *ctx, int failed)
{
	struct console_client *c = console_get(direct.who);

	(void)ctx;
	direct.handle = 0;
	if (!c)
		return;
	/* the server's text, untrusted: console_printf escapes control
	 * bytes, and it is shown, never run */
	console_printf(c, "%s", direct.out);
	console_finish(c, !failed, failed ? "the tool reported an error" : NULL);
}

static void mcp_list(struct console_client *c)
{
	struct mcp_info in;

	if (!mcp_count())
		console_printf(c, "no MCP servers (mcp.servers in the config file)");
	for (int i = 0; i < mcp_count(); i++) {
		char tools[1024];
		size_t n = 0;
		const char *t;

		mcp_info(i, &in);
		console_printf(c, "%s: %s, %s", in.name, in.state, in.url);
		console_printf(c, "  session: %.8s%s, protocol %s, server %s",
			       in.session[0] ? in.session : "none",
			       strlen(in.session) > 8 ? "..." : "",
			       in.version[0] ? in.version : "-",
			       in.server[0] ? in.server : "-");
		tools[0] = '\0';
		for (int k = 0; (t = mcp_tool_name(i, k)) && n < sizeof(tools); k++)
			n += (size_t)snprintf(tools + n, sizeof(tools) - n,
					      "%s%s", k ? " " : "", t);
		console_printf(c, "  tools: %d listed, %d offered%s%s",
			       in.tools, in.offered, in.offered ? ": " : "",
			       tools);
		console_printf(c, "  notifications: %s",
			       in.get_stream ? "stream open" : "no stream");
		if (in.retry_ms)
			console_printf(c, "  next try in %d ms", in.retry_ms);
		if (in.error[0])
			console_printf(c, "  last error: %s", in.error);
	}
}

CMD(cmd_mcp)
{
	int h;

	if (!argc) {
		mcp_list(c);
		return 0;
	}
	if (strcmp(argv[0], "call") || argc < 4) {
		snprintf(why, whylen, "usage: mcp call SERVER TOOL JSON");
		return -1;
	}
	/* the JSON was split at blanks: join it again (a blank between
	 * JSON tokens is one, and JSON strings hold no raw tab) */
	for (char *q = argv[3]; q < argv[argc - 1]; q++)
		if (!*q)
			*q = ' ';
	if (direct.handle) {
		snprintf(why, whylen, "an mcp call is already running");
		return -1;
	}
	h = mcp_call_direct(argv[1], argv[2], argv[3], direct.out,
			    sizeof(direct.out), mcp_called, NULL);
	if (h < 0) {
		snprintf(why, whylen, "%s", direct.out + 7); /* "error: " */
		return -1;
	}
	direct.handle = h;
	direct.who = console_ref(c);
	return CONSOLE_PENDING;
}

CMD(cmd_models)
{
	if (probing.left || probe_busy(&p->probes[PEER_LLM])) {
		snprintf(why, whylen, "a ping is already running");
		return -1;
	}
	probing.who = console_ref(c);
	probing.left = 1;
	probing.failed = 0;
	probing.models_only = 1;
	probe_start(&p->probes[PEER_LLM], p->llm.proto->probe, &p->cfg,
		    probe_reported, p);
	return CONSOLE_PENDING;
}

static void log_line(const char *line, void *ctx)
{
	console_printf(ctx, "%s", line);
}

CMD(cmd_log)
{
	int level;

	if (argc == 0) {
		log_ring_walk(log_line, c);
		return 0;
	}
	level = log_level_parse(argv[0]);
	if (level < 0 ||
	    config_set(&p->cfg, "log.level", argv[0], &p->live, why, whylen)) {
		snprintf(why, whylen, "usage: log [error|warning|notice|info|debug]");
		return -1;
	}
	console_printf(c, "log level: %s", argv[0]);
	return 0;
}

CMD(cmd_record)
{
	long secs;
	int ref = argc < 3 || !strcmp(argv[2], "mic") ? 0 :
		  !strcmp(argv[2], "ref")		  ? 1 :
		  !strcmp(argv[2], "both")		  ? 2 :
							    -1;

	if (to_int(argv[0], 1, RECORD_MAX_S, &secs) || ref < 0) {
		snprintf(why, whylen, "usage: record SECONDS NAME [mic|ref|both], SECONDS from 1 to %d",
			 RECORD_MAX_S);
		return -1;
	}
	if (record_start(&p->rec, argv[1], (int)secs, console_ref(c), why,
			 whylen))
		return -1;
	p->rec.ref = ref;
	return CONSOLE_PENDING;
}

CMD(cmd_attach)
{
	c->attached = 1;
	return 0;
}

CMD(cmd_detach)
{
	c->attached = 0;
	return 0;
}

/*
 * A countdown as a person says it: "42 s", "4 min 12 s", "5 min",
 * "1 h 20 min" (past an hour the seconds are noise).  Rounded up, so a
 * timer just set for 252 s reads "4 min 12 s", not "4 min 11 s".
 */
static void say_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms + 999) / 1000;

	if (s >= 3600)
		snprintf(buf, len, "%lld h %lld min", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60 && s % 60)
		snprintf(buf, len, "%lld min %lld s", (long long)(s / 60),
			 (long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, len, "%lld s", (long long)s);
}

/* Calendar days from now's local date to when's: 0 today, 1 tomorrow. */
static int days_until(time_t now, time_t when)
{
	struct tm a, b;

	localtime_r(&now, &a);
	localtime_r(&when, &b);
	/* noon on each date: a DST change moves neither across midnight */
	a.tm_hour = b.tm_hour = 12;
	a.tm_min = b.tm_min = a.tm_sec = b.tm_sec = 0;
	a.tm_isdst = b.tm_isdst = -1;
	return (int)((difftime(mktime(&b), mktime(&a)) + 43200) / 86400);
}

/*
 * When an alarm rings, as a person says it: "07:30 today", "07:30
 * tomorrow", "Fri 07:30" within the week, "2025-06-01 07:30" beyond.
 */
static void say_alarm_time(time_t now, time_t when, char *buf, size_t len)
{
	struct tm tm;
	int days = days_until(now, when);

	localtime_r(&when, &tm);
	if (days <= 0)
		strftime(buf, len, "%H:%M today", &tm);
	else if (days == 1)
		strftime(buf, len, "%H:%M tomorrow", &tm);
	else if (days < 7)
		strftime(buf, len, "%a %H:%M", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/*
 * One timer or alarm: a line a person reads ("kitchen: 4 min 12 s
 * left", "alarm 07:30 tomorrow"), then one for scripts with the store's
 * id, the label as set and the times in milliseconds.
 */
static void timer_lines(struct console_client *c, const struct timer *t,
			time_t now)
{
	char when[48];
	int64_t left = timers_left_ms(t);

	if (t->kind == TK_TIMER) {
		say_duration(left, when, sizeof(when));
		if (t->ringing)
			console_printf(c, "%s: ringing", t->label);
		else
			console_printf(c, "%s: %s left", t->label, when);
	} else {
		say_alarm_time(now, (time_t)(t->due_unix_ms / 1000), when,
			       sizeof(when));
		console_printf(c, "alarm %s%s", when,
			       t->ringing ? ": ringing" : "");
	}
	console_printf(c, "  %s %lld '%s' due_unix_ms=%lld left_ms=%lld",
		       t->kind == TK_TIMER ? "timer" : "alarm", (long long)t->id,
		       t->label, (long long)t->due_unix_ms, (long long)left);
}

/* timers: list; timers stop; timers cancel [LABEL] (no label: all) */
CMD(cmd_timers)
{
	struct timers *ts = &p->timers;
	time_t now = time(NULL);

	if (argc && !strcmp(argv[0], "stop")) {
		if (!device_stop_ringing(&p->dev)) {
			snprintf(why, whylen, "nothing is ringing");
			return -1;
		}
		return 0;
	}
	if (argc && !strcmp(argv[0], "cancel")) {
		int pending = 0, n;

		for (int i = 0; i < ts->n; i++)
			pending += !ts->t[i].ringing;
		if (!pending) { /* what was asked is already so */
			console_printf(c, "no timers to cancel");
			return 0;
		}
		n = timers_cancel(ts, argc > 1 ? argv[1] : "");
		if (!n) { /* a label that names none: likely a typing slip */
			snprintf(why, whylen, "no pending timer named '%.64s'",
				 argc > 1 ? argv[1] : "");
			return -1;
		}
		console_printf(c, "cancelled: %d", n);
		return 0;
	}
	if (argc) {
		snprintf(why, whylen,
			 "timers '%.32s': usage: timers [stop|cancel [LABEL]]",
			 argv[0]);
		return -1;
	}
	if (!ts->n)
		console_printf(c, "no timers or alarms");
	for (int i = 0; i < ts->n; i++)
		timer_lines(c, &ts->t[i], now);
	console_printf(c, "set: %d ringing: %s rings: %u", ts->n,
		       timers_ringing(ts) ? "yes" : "no", ts->rings);
	return 0;
}

CMD(cmd_version)
{
	console_printf(c, "parleyd %s", PARLEY_VERSION);
	return 0;
}

CMD(cmd_quit)
{
	LOGN("console", "quit requested from the console");
	loop_stop();
	return 0;
}

void console_settings(void *ctx, struct console_settings *s)
{
	const struct parley *p = ctx;

	s->idle_timeout_s = p->cfg.console_idle_timeout_s;
	s->per_uid = p->cfg.console_per_uid;
	s->serial_role = strcmp(p->cfg.console_serial_role, "monitor") ?
				 ROLE_ADMIN : ROLE_MONITOR;
}

/*
 * The table itself is written once, in commands_list.h, which parleyctl
 * reads too; each row here gains its handler, cmd_<name>.
 */
#define COMMAND_ROW(name, usage, help, min, max, role) \
	{ #name, usage, help, min, max, ACC_##role, cmd_##name },

const struct console_cmd console_cmds[] = {
	CONSOLE_COMMANDS(COMMAND_ROW)
	{ NULL, NULL, NULL, 0, 0, 0, NULL },
};
