// SPDX-License-Identifier: MIT
/*
 * The console's command table, shared by every console transport.  Each
 * command has its usage and one line of help; arguments are counted by the
 * transport before a handler runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "button.h"
#include "console.h"
#include "led.h"
#include "json_arena.h"
#include "log.h"
#include "loop.h"
#include "parley.h"

/* Every handler has the same signature; most use only part of it. */
#define U __attribute__((unused))
#define CMD(name)                                                       \
	static int name(struct parley *p U, struct console_client *c U, \
			int argc U, char **argv U, char *why U,         \
			size_t whylen U)

CMD(cmd_help)
{
	for (int i = 0; console_cmds[i].name; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s %s", console_cmds[i].name,
			 console_cmds[i].usage);
		console_printf(c, "%-28s %s", left, console_cmds[i].help);
	}
	return 0;
}

CMD(cmd_status)
{
	struct audio_engine *e = &p->eng;

	console_printf(c, "state: %s", turn_state_name(p->turn.state));
	console_printf(c, "uptime_s: %llu",
		       (unsigned long long)(loop_now_ms() - p->started_ms) / 1000);
	console_printf(c, "turns_stored: %lld",
		       (long long)store_turn_count(p->store));
	console_printf(c, "audio: %s capture '%s' playback '%s' at %d Hz",
		       e->ops->name, p->cfg.capture_device,
		       p->cfg.playback_device, p->cfg.playback_rate);
	console_printf(c, "frames: %llu",
		       (unsigned long long)atomic_load(&e->frames));
	console_printf(c, "played_samples: %llu",
		       (unsigned long long)atomic_load(&e->played_samples));
	console_printf(c, "xruns: %u reopens: %u dropped_frames: %u",
		       atomic_load(&e->xruns), atomic_load(&e->reopens),
		       atomic_load(&e->dropped_frames));
	console_printf(c, "button: %s (%s)",
		       button_pressed() ? "pressed" : "released", p->gpio->name);
	console_printf(c, "gestures: hold %u tap %u long %u double %u",
		       button_gesture_count(G_HOLD), button_gesture_count(G_TAP),
		       button_gesture_count(G_LONG),
		       button_gesture_count(G_DOUBLE));
	console_printf(c, "microphone: %s", p->turn.muted ? "muted" : "on");
	console_printf(c, "led: %s", led_state_names[led_current()]);
	console_printf(c, "llm: ollama %s model %s", p->cfg.llm_url,
		       p->cfg.llm_model);
	console_printf(c, "stt: openai %s", p->cfg.stt_url);
	console_printf(c, "tts: espeak-ng voice %s", p->cfg.tts_voice);
	console_printf(c, "heap: curl %zu (max %zu) json %zu (max %zu)",
		       http_heap_used(), http_heap_high_water(),
		       json_arena_used(), json_arena_high_water());
	return 0;
}

CMD(cmd_button)
{
	int pressed, r;

	if (!strcmp(argv[0], "press")) {
		pressed = 1;
	} else if (!strcmp(argv[0], "release")) {
		pressed = 0;
	} else {
		snprintf(why, whylen, "usage: button press|release");
		return -1;
	}
	if (!p->gpio->inject) {
		snprintf(why, whylen, "the %s button is real; it cannot be pressed from here",
			 p->gpio->name);
		return -1;
	}
	r = p->gpio->inject(p->gpio_ctx, pressed);
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

CMD(cmd_led)
{
	struct gpio_led_change log[64];
	int n, s;

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
		snprintf(why, whylen, "usage: led log|idle|listening|thinking|speaking|error|muted");
		return -1;
	}
	led_show((enum led_state)s);
	return 0;
}

CMD(cmd_ask)
{
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

CMD(cmd_config)
{
	char val[PARLEY_PROMPT_MAX + 8];
	const struct config_key *k;

	if (strcmp(argv[0], "show")) {
		snprintf(why, whylen, "usage: config show [KEY]");
		return -1;
	}
	if (argc == 2) {
		k = config_find(argv[1]);
		if (!k) {
			snprintf(why, whylen, "unknown key '%.64s'", argv[1]);
			return -1;
		}
		config_format(&p->cfg, k, val, sizeof(val));
		console_printf(c, "%s = %s", k->path, val);
		return 0;
	}
	for (size_t i = 0; i < config_nkeys; i++) {
		config_format(&p->cfg, &config_keys[i], val, sizeof(val));
		console_printf(c, "%s = %s", config_keys[i].path, val);
	}
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

const struct console_cmd console_cmds[] = {
	{ "help", "", "list the commands", 0, 0, cmd_help },
	{ "status", "", "state, uptime, audio counters, backends", 0, 0,
	  cmd_status },
	{ "button", "press|release", "press or release the (sim) button", 1,
	  1, cmd_button },
	{ "gpio", "", "GPIO lines in use and their values", 0, 0, cmd_gpio },
	{ "led", "log|STATE", "LED changes (sim), or show a state's pattern",
	  1, 1, cmd_led },
	{ "ask", "TEXT", "a text turn: TEXT goes to the model, no STT", 1, -1,
	  cmd_ask },
	{ "say", "TEXT", "speak TEXT with local TTS", 1, -1, cmd_say },
	{ "config", "show [KEY]", "show the configuration", 1, 2, cmd_config },
	{ "version", "", "show the version", 0, 0, cmd_version },
	{ "quit", "", "stop parleyd cleanly", 0, 0, cmd_quit },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
