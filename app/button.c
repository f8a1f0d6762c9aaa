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

const char *const gesture_names[G_COUNT] = {
	[G_HOLD] = "hold", [G_TAP] = "tap", [G_LONG] = "long",
	[G_DOUBLE] = "double",
};

static struct {
	const struct gpio_ops *ops;
	void *gpio;
	const struct parley_config *cfg;
	struct button_actions act;
	int stable; /* debounced level */
	int debounce_timer;
	uint64_t first_edge_ms; /* of the current bounce burst, 0 if none */
	uint64_t press_ms;
	uint64_t tap_release_ms; /* last tap, for double presses */
	int long_timer;
	int consumed; /* this press became long or double: ignore release */
	int press_seen; /* a press was seen since start (one held at start-up
			 * is not ours to end) */
	int talking; /* this press started listening */
	unsigned counts[G_COUNT];
} b;

static void do_action(const char *action, uint64_t t)
{
	const struct button_actions *a = &b.act;

	if (!strcmp(action, "talk")) {
		a->talk_press(a->ctx, t);
		a->talk_release(a->ctx, t, 0);
	} else if (!strcmp(action, "cancel")) {
		a->cancel(a->ctx);
	} else if (!strcmp(action, "new_conversation")) {
		a->new_conversation(a->ctx);
	} else if (!strcmp(action, "mute")) {
		a->toggle_mute(a->ctx);
	}
}

static void gesture(enum gesture g, const char *action, uint64_t t)
{
	b.counts[g]++;
	LOGI("button", "%s: %s", gesture_names[g], action);
	if (b.talking) {
		/* the press started listening, but this gesture means else */
		b.act.cancel(b.act.ctx);
		b.talking = 0;
	}
	do_action(action, t);
}

static void on_long(void *ctx)
{
	(void)ctx;
	b.long_timer = 0;
	if (!b.stable || b.consumed || b.act.heard_speech(b.act.ctx))
		return;
	b.consumed = 1;
	gesture(G_LONG, b.cfg->long_action, loop_now_ms());
}

static int talks(const char *action)
{
	return !strcmp(action, "talk");
}

static void pressed(uint64_t t)
{
	const struct parley_config *c = b.cfg;

	b.press_ms = t;
	b.press_seen = 1;
	b.consumed = 0;
	b.talking = 0;
	if (b.act.stop_ringing(b.act.ctx)) {
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
		gesture(G_DOUBLE, c->double_action, t);
		return;
	}
	b.tap_release_ms = 0;
	if (talks(c->hold_action) || talks(c->tap_action)) {
		b.talking = 1;
		b.act.talk_press(b.act.ctx, t);
	}
	b.long_timer = loop_timeout((uint64_t)c->long_ms, on_long, NULL);
}

static void released(uint64_t t)
{
	const struct parley_config *c = b.cfg;
	int tap = t - b.press_ms < (uint64_t)c->tap_ms;
	const char *action = tap ? c->tap_action : c->hold_action;

	loop_cancel(b.long_timer);
	b.long_timer = 0;
	if (b.consumed || !b.press_seen) {
		if (!b.press_seen)
			LOGI("button", "released; it was held at start-up: ignored");
		return;
	}
	if (talks(action) && b.talking) {
		b.counts[tap ? G_TAP : G_HOLD]++;
		LOGI("button", "%s: talk", tap ? "tap" : "hold");
		b.act.talk_release(b.act.ctx, t, !tap);
		b.talking = 0;
	} else {
		gesture(tap ? G_TAP : G_HOLD, action, t);
	}
	if (tap && strcmp(c->double_action, "none"))
		b.tap_release_ms = t;
}

static void settle(void)
{
	int level = b.ops->get_button(b.gpio);
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
		pressed(t);
	else
		released(t);
}

static void on_debounced(void *ctx);

/* Reads the line; a change starts a lockout, as it may bounce. */
static void settle_and_lock(void)
{
	int was = b.stable;

	settle();
	if (b.stable != was) {
		int id = loop_timeout((uint64_t)b.cfg->debounce_ms,
				      on_debounced, NULL);

		/* no timeout free: no lockout (bounces may then count) rather
		 * than a button that never reads its line again */
		b.debounce_timer = id > 0 ? id : 0;
		if (id <= 0)
			LOGW("button", "no loop timeout free for the debounce lockout");
	}
}

static void on_debounced(void *ctx)
{
	(void)ctx;
	b.debounce_timer = 0;
	if (b.first_edge_ms) /* edges during the lockout */
		settle_and_lock();
}

void button_event(void)
{
	struct gpio_event ev;
	int r, edges = 0;

	while ((r = b.ops->read_event(b.gpio, &ev)) > 0) {
		if (!b.first_edge_ms)
			b.first_edge_ms = ev.time_ms;
		edges++;
	}
	if (r < 0)
		LOGE("button", "cannot read button events: %d", r);
	if (!edges)
		return;
	if (b.cfg->debounce_ms == 0) {
		settle();
		return;
	}
	if (!b.debounce_timer) /* else bounces: the lockout's end reads the line */
		settle_and_lock();
}

void button_init(const struct gpio_ops *ops, void *gpio_ctx,
		 const struct parley_config *cfg,
		 const struct button_actions *act)
{
	memset(&b, 0, sizeof(b));
	b.ops = ops;
	b.gpio = gpio_ctx;
	b.cfg = cfg;
	b.act = *act;
	b.stable = ops->get_button(gpio_ctx) > 0;
}

int button_pressed(void)
{
	return b.stable;
}

unsigned button_gesture_count(enum gesture g)
{
	return b.counts[g];
}
