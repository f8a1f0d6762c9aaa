// SPDX-License-Identifier: MIT
/*
 * Debounce, on the leading edge: the first edge of a burst reads the line
 * at once, and a level different from the last stable one is a press or a
 * release straight away, stamped with the edge's time, so a barge-in press
 * costs no debounce delay.  Edges in the debounce_ms after it are bounces:
 * they are only counted, and when that lockout ends the line is read once
 * more, so a change hidden in the bounces (a release within the lockout)
 * is still seen.  A spike too short to be read back as a new level is
 * ignored.  With debounce_ms = 0 each edge is read at once.  The gesture
 * rules are in button.h.
 */
#include "button.h"

#include <string.h>

#include "log.h"
#include "loop.h"
#include "parley.h"

const char *const gesture_names[G_COUNT] = {
	[G_HOLD] = "hold", [G_TAP] = "tap", [G_LONG] = "long",
	[G_DOUBLE] = "double",
};

static struct {
	int stable; /* debounced level */
	int debounce_timer;
	uint64_t first_edge_ms; /* of the current bounce burst, 0 if none */
	uint64_t press_ms;
	uint64_t tap_release_ms; /* last tap, for double presses */
	int long_timer;
	int consumed; /* this press became long or double: ignore release */
	int talking; /* this press started listening */
	unsigned counts[G_COUNT];
} b;

static void do_action(struct parley *p, const char *action, uint64_t t)
{
	struct turn *tn = &p->turn;

	if (!strcmp(action, "talk")) {
		turn_talk_press(tn, t);
		turn_talk_release(tn, t, 0);
	} else if (!strcmp(action, "cancel")) {
		turn_cancel(tn);
	} else if (!strcmp(action, "new_conversation")) {
		turn_new_conversation(tn);
	} else if (!strcmp(action, "mute")) {
		turn_mute(tn, !tn->muted);
	}
}

static void gesture(struct parley *p, enum gesture g, const char *action,
		    uint64_t t)
{
	b.counts[g]++;
	LOGI("button", "%s: %s", gesture_names[g], action);
	if (b.talking) {
		/* the press started listening, but this gesture means else */
		turn_cancel(&p->turn);
		b.talking = 0;
	}
	do_action(p, action, t);
}

static void on_long(void *ctx)
{
	struct parley *p = ctx;

	b.long_timer = 0;
	if (!b.stable || b.consumed || turn_heard_speech(&p->turn))
		return;
	b.consumed = 1;
	gesture(p, G_LONG, p->cfg.long_action, loop_now_ms());
}

static int talks(const char *action)
{
	return !strcmp(action, "talk");
}

static void pressed(struct parley *p, uint64_t t)
{
	struct parley_config *c = &p->cfg;

	b.press_ms = t;
	b.consumed = 0;
	b.talking = 0;
	if (timers_stop_ringing(&p->timers)) {
		/* a press while a timer rings stops it, and does nothing else */
		LOGI("button", "press: the ringing stops");
		b.consumed = 1;
		b.tap_release_ms = 0;
		return;
	}
	if (b.tap_release_ms && t - b.tap_release_ms < (uint64_t)c->double_ms) {
		b.tap_release_ms = 0;
		b.consumed = 1;
		/* the tap before this started listening: take that back */
		b.talking = talks(c->tap_action);
		gesture(p, G_DOUBLE, c->double_action, t);
		return;
	}
	b.tap_release_ms = 0;
	if (talks(c->hold_action) || talks(c->tap_action)) {
		b.talking = 1;
		turn_talk_press(&p->turn, t);
	}
	b.long_timer = loop_timeout((uint64_t)c->long_ms, on_long, p);
}

static void released(struct parley *p, uint64_t t)
{
	struct parley_config *c = &p->cfg;
	int tap = t - b.press_ms < (uint64_t)c->tap_ms;
	const char *action = tap ? c->tap_action : c->hold_action;

	loop_cancel(b.long_timer);
	b.long_timer = 0;
	if (b.consumed)
		return;
	if (talks(action) && b.talking) {
		b.counts[tap ? G_TAP : G_HOLD]++;
		LOGI("button", "%s: talk", tap ? "tap" : "hold");
		turn_talk_release(&p->turn, t, !tap);
		b.talking = 0;
	} else {
		gesture(p, tap ? G_TAP : G_HOLD, action, t);
	}
	if (tap && strcmp(c->double_action, "none"))
		b.tap_release_ms = t;
}

static void settle(struct parley *p)
{
	int level = p->gpio->get_button(p->gpio_ctx);
	uint64_t t = b.first_edge_ms;

	b.first_edge_ms = 0;
	if (level < 0) {
		LOGE("button", "cannot read the button line");
		return;
	}
	if (level == b.stable)
		return; /* a bounce that came back */
	b.stable = level;
	LOGD("button", "%s", level ? "pressed" : "released");
	if (level)
		pressed(p, t);
	else
		released(p, t);
}

static void on_debounced(void *ctx);

/* Reads the line; a change starts a lockout, as it may bounce. */
static void settle_and_lock(struct parley *p)
{
	int was = b.stable;

	settle(p);
	if (b.stable != was)
		b.debounce_timer = loop_timeout((uint64_t)p->cfg.debounce_ms,
						on_debounced, p);
}

static void on_debounced(void *ctx)
{
	b.debounce_timer = 0;
	if (b.first_edge_ms) /* edges during the lockout */
		settle_and_lock(ctx);
}

void button_event(struct parley *p)
{
	struct gpio_event ev;
	int r, edges = 0;

	while ((r = p->gpio->read_event(p->gpio_ctx, &ev)) > 0) {
		if (!b.first_edge_ms)
			b.first_edge_ms = ev.time_ms;
		edges++;
	}
	if (r < 0)
		LOGE("button", "cannot read button events: %d", r);
	if (!edges)
		return;
	if (p->cfg.debounce_ms == 0) {
		settle(p);
		return;
	}
	if (!b.debounce_timer) /* else bounces: the lockout's end reads the line */
		settle_and_lock(p);
}

void button_init(struct parley *p)
{
	memset(&b, 0, sizeof(b));
	b.stable = p->gpio->get_button(p->gpio_ctx) > 0;
}

int button_pressed(void)
{
	return b.stable;
}

unsigned button_gesture_count(enum gesture g)
{
	return b.counts[g];
}
