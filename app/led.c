// SPDX-License-Identifier: MIT
/*
 * LED pattern player.  A pattern is a list of (on, ms) steps played in a
 * loop; the error pattern plays once and then the previous state's pattern
 * comes back.  Each step is a loop timeout, so patterns cost nothing
 * between changes and never touch the audio path.
 */
#include "led.h"

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
};

static const struct pattern off = { BLUE, 0, { { 0, 0 } } };
static const struct pattern heartbeat = {
	BLUE, 0, { { 1, 60 }, { 0, 140 }, { 1, 60 }, { 0, 2740 } }
};
static const struct pattern patterns[LED_STATES] = {
	[LED_LISTENING] = { BLUE, 0, { { 1, 0 } } },
	[LED_THINKING] = { RED | GREEN, 0, { { 1, 500 }, { 0, 500 } } },
	[LED_SPEAKING] = { GREEN, 0, { { 1, 150 }, { 0, 150 } } },
	[LED_ERROR] = { RED, 1,
			{ { 1, 150 }, { 0, 150 }, { 1, 150 }, { 0, 150 },
			  { 1, 150 }, { 0, 150 } } },
	[LED_MUTED] = { RED, 0, { { 1, 100 }, { 0, 1900 } } },
	[LED_RINGING] = { RED | BLUE, 0, { { 1, 250 }, { 0, 250 } } },
	/* slower than thinking's 500 ms, so a single LED tells them apart */
	[LED_RECORDING] = { RED, 0, { { 1, 1000 }, { 0, 1000 } } },
};

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

static const struct pattern *pattern_of(enum led_state s)
{
	if (s == LED_IDLE)
		return strcmp(out.cfg->led_idle, "heartbeat") ? &off :
								  &heartbeat;
	return &patterns[s];
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

static int test_timer, test_next;

static void test_step(void *ctx)
{
	(void)ctx;
	test_timer = 0;
	if (test_next >= LED_STATES) {
		pat = NULL; /* whatever the test showed last, back to what is due */
		refresh();
		return;
	}
	loop_cancel(timer);
	current = (enum led_state)test_next;
	pat = pattern_of(current);
	step = 0;
	run_step();
	test_next++;
	test_timer = loop_timeout(1000, test_step, NULL);
}

void led_test(void)
{
	loop_cancel(test_timer);
	test_next = 0;
	test_step(NULL);
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
