// SPDX-License-Identifier: MIT
/*
 * LED pattern player.  A pattern is a list of (on, ms) steps played in a
 * loop; the error pattern plays once and then the previous state's pattern
 * comes back.  Each step is a loop timeout, so patterns cost nothing
 * between changes and never touch the audio path.
 */
#include "led.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"

#define RED 1
#define GREEN 2
#define BLUE 4
#define MAX_STEPS 6

struct step {
	unsigned char on;
	unsigned short ms; /* 0: hold for ever */
};

struct pattern {
	unsigned char colour;
	unsigned char once; /* play once, then back to the base state */
	struct step steps[MAX_STEPS];
};

const char *const led_state_names[LED_STATES] = {
	[LED_IDLE] = "idle",	     [LED_LISTENING] = "listening",
	[LED_THINKING] = "thinking", [LED_SPEAKING] = "speaking",
	[LED_ERROR] = "error",	     [LED_MUTED] = "muted",
	[LED_RINGING] = "ringing",   [LED_RECORDING] = "recording",
	[LED_TIMER] = "timer",
};

/*
 * Each state's pattern is a setting (led.STATE), written as
 *
 *   off | heartbeat | COLOURS ":" STEPS [" once"]
 *
 * COLOURS is red, green and blue joined by '+'; STEPS is "on" (held), or
 * on and off times in ms, alternating and starting with on, at most
 * MAX_STEPS of them; "once" plays the steps once, then the state before
 * comes back.  The defaults are the table in led.h.
 */
static const char *const defaults[LED_STATES] = {
	[LED_IDLE] = "off",
	[LED_LISTENING] = "blue:on",
	[LED_THINKING] = "red+green:500/500",
	[LED_SPEAKING] = "green:150/150",
	[LED_ERROR] = "red:150/150/150/150/150/150 once",
	[LED_MUTED] = "red:100/1900",
	[LED_RINGING] = "red+blue:250/250",
	/* slower than thinking's 500 ms, so a single LED tells them apart */
	[LED_RECORDING] = "red:1000/1000",
	[LED_TIMER] = "blue:100/3900",
};
#define HEARTBEAT "blue:60/140/60/2740"

static int parse_colours(const char **t, unsigned char *colour)
{
	static const struct {
		const char *name;
		unsigned char bit;
	} names[] = { { "red", RED }, { "green", GREEN }, { "blue", BLUE } };

	*colour = 0;
	for (;;) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t n = strlen(names[i].name);

			if (!strncmp(*t, names[i].name, n)) {
				*colour |= names[i].bit;
				*t += n;
				break;
			}
		}
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		if (**t != '+')
			return 0;
		(*t)++;
	}
}

static int led_pattern_parse(const char *text, struct pattern *p,
			     char *why, size_t len)
{
	const char *t = text;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (!strcmp(t, "off")) {
		p->colour = BLUE;
		return 0;
	}
	if (!strcmp(t, "heartbeat"))
		t = HEARTBEAT;
	if (parse_colours(&t, &p->colour) || *t++ != ':') {
		snprintf(why, len, "must be off, heartbeat, or COLOURS:STEPS with COLOURS red, green, blue joined by + (\"red+green:500/500\")");
		return -1;
	}
	if (!strncmp(t, "on", 2)) {
		p->steps[0] = (struct step){ 1, 0 };
		t += 2;
	} else {
		for (;;) {
			char *end;
			long ms = strtol(t, &end, 10);

			if (end == t || ms < 10 || ms > 60000 || n == MAX_STEPS) {
				snprintf(why, len, "steps must be \"on\", or up to %d on/off times of 10 to 60000 ms (\"150/150\")",
					 MAX_STEPS);
				return -1;
			}
			p->steps[n] = (struct step){ !(n & 1),
						     (unsigned short)ms };
			n++;
			t = end;
			if (*t != '/')
				break;
			t++;
		}
	}
	if (!strcmp(t, " once"))
		p->once = 1;
	else if (*t) {
		snprintf(why, len, "\"%s\" after the steps: only \" once\" may follow",
			 t);
		return -1;
	}
	return 0;
}

int led_pattern_check(const struct config_key *k, const char *text,
		      char *why, size_t len)
{
	struct pattern p;

	(void)k;
	return led_pattern_parse(text, &p, why, len);
}

/* the LED lines, and the settings (led.idle, gpio.led_lines) */
static struct {
	const struct gpio_ops *ops;
	void *ctx;
	const struct parley_config *cfg;
} out;
static enum led_state current, base;
static const struct pattern *pat;
static int step, timer;
/* overlays, over the states: recording over ringing over the rest */
static int ringing, recording;
static int timers_pending; /* idle shows as LED_TIMER */

const char *led_pattern_setting(enum led_state s)
{
	const char *const setting[LED_STATES] = {
		[LED_IDLE] = out.cfg->led_idle,
		[LED_LISTENING] = out.cfg->led_listening,
		[LED_THINKING] = out.cfg->led_thinking,
		[LED_SPEAKING] = out.cfg->led_speaking,
		[LED_ERROR] = out.cfg->led_error,
		[LED_MUTED] = out.cfg->led_muted,
		[LED_RINGING] = out.cfg->led_ringing,
		[LED_RECORDING] = out.cfg->led_recording,
		[LED_TIMER] = out.cfg->led_timer,
	};

	return setting[s];
}

/* The state's pattern as its setting says now (checked when set). */
static const struct pattern *pattern_of(enum led_state s)
{
	static struct pattern now[LED_STATES];
	char why[160];

	if (led_pattern_parse(led_pattern_setting(s), &now[s], why,
			      sizeof(why)))
		led_pattern_parse(defaults[s], &now[s], why, sizeof(why));
	return &now[s];
}

const char *led_pattern_default(enum led_state s)
{
	return defaults[s];
}

static int nsteps(const struct pattern *p)
{
	int n = 0;

	while (n < MAX_STEPS && (n == 0 || p->steps[n].ms || p->steps[n].on))
		n++;
	return n;
}

static void drive(int on, unsigned char colour)
{
	int n = out.cfg->led_count ? out.cfg->led_count : 1;

	for (int i = 0; i < n; i++) {
		int lit = on && (n == 1 || (colour & (1 << i)));

		if (out.ops->set_led(out.ctx, i, lit) < 0)
			LOGW("led", "cannot set LED %d", i);
	}
}

static void play(void *ctx);

static void run_step(void)
{
	const struct step *s = &pat->steps[step];

	drive(s->on, pat->colour);
	timer = s->ms ? loop_timeout(s->ms, play, NULL) : 0;
}

static void play(void *ctx)
{
	(void)ctx;
	timer = 0;
	if (++step >= nsteps(pat)) {
		if (pat->once) {
			current = base;
			pat = pattern_of(base);
		}
		step = 0;
	}
	run_step();
}

/* The overlay shown over the states, or -1. */
static int overlay(void)
{
	return recording ? LED_RECORDING : ringing ? LED_RINGING : -1;
}

void led_show(enum led_state s)
{
	int o = overlay();

	if (s == LED_IDLE && timers_pending)
		s = LED_TIMER;
	else if (s == LED_TIMER && !timers_pending)
		s = LED_IDLE;
	if (o >= 0 && s != (enum led_state)o) {
		if (s != LED_ERROR)
			base = s; /* shown when the overlays end */
		return;
	}
	if (s == current && pat)
		return;
	loop_cancel(timer);
	if (s != LED_ERROR)
		base = s;
	current = s;
	pat = pattern_of(s);
	step = 0;
	run_step();
}

/* An overlay came or went: show what is due now. */
static void refresh(void)
{
	int o = overlay();
	enum led_state s = o >= 0 ? (enum led_state)o : base;

	if (!out.ops || (s == current && pat))
		return;
	loop_cancel(timer);
	current = s;
	pat = pattern_of(s);
	step = 0;
	run_step();
}

void led_ring(int on)
{
	ringing = !!on;
	refresh();
}

void led_recording(int on)
{
	recording = !!on;
	refresh();
}

void led_timers(int pending)
{
	pending = !!pending;
	if (pending == timers_pending)
		return;
	timers_pending = pending;
	if (out.ops && (base == LED_IDLE || base == LED_TIMER))
		led_show(LED_IDLE);
}

int led_state_find(const char *name)
{
	for (int i = 0; i < LED_STATES; i++)
		if (!strcmp(led_state_names[i], name))
			return i;
	return -1;
}

enum led_state led_current(void)
{
	return current;
}

/*
 * led test and led STATE show patterns for a while without touching what
 * is due (base and the overlays), and then show that again; a real
 * change of state meanwhile takes over at once.
 */
static int test_timer, test_next;

static void show_for_a_while(enum led_state s)
{
	loop_cancel(timer);
	current = s;
	pat = pattern_of(s);
	step = 0;
	run_step();
}

static void test_step(void *ctx)
{
	(void)ctx;
	test_timer = 0;
	if (test_next >= LED_STATES) {
		pat = NULL; /* whatever the test showed last, back to what is due */
		refresh();
		return;
	}
	show_for_a_while((enum led_state)test_next);
	test_next++;
	test_timer = loop_timeout(1000, test_step, NULL);
}

void led_test(void)
{
	loop_cancel(test_timer);
	test_next = 0;
	test_step(NULL);
}

void led_preview(enum led_state s)
{
	loop_cancel(test_timer);
	show_for_a_while(s);
	test_next = LED_STATES; /* the next step ends it */
	test_timer = loop_timeout(LED_PREVIEW_MS, test_step, NULL);
}

void led_init(const struct gpio_ops *ops, void *gpio_ctx,
	      const struct parley_config *cfg)
{
	out.ops = ops;
	out.ctx = gpio_ctx;
	out.cfg = cfg;
	pat = NULL;
	led_show(LED_IDLE);
}

void led_stop(void)
{
	loop_cancel(test_timer);
	loop_cancel(timer);
	timer = 0;
	if (out.ops)
		drive(0, 0);
}
