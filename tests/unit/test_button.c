// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/button.c's gestures and debounce, through a fake GPIO
 * backend whose edges carry the times the test chooses and whose line
 * level the test sets.  Gestures told apart by edge times (tap, hold,
 * double) need no clock; the long press and the end of a debounce lockout
 * are loop timeouts, so those tests run the loop until the callback they
 * wait for stops it (an alarm fails the test instead of hanging).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../../app/button.h"
#include "../../app/log.h"
#include "../../app/loop.h"
#include "unit_util.h"

/* The fake backend: a queue of edges and a level. */
#define EDGES_MAX 16
static struct {
	uint64_t edge[EDGES_MAX];
	int head, n;
	int level; /* what get_button returns: 1 pressed, 0, or -errno */
	int reads; /* get_button calls */
} g;

static int fake_read_event(void *ctx, struct gpio_event *ev)
{
	(void)ctx;
	if (g.head == g.n)
		return 0;
	ev->time_ms = g.edge[g.head++];
	return 1;
}

static int fake_get_button(void *ctx)
{
	(void)ctx;
	g.reads++;
	loop_stop(); /* a lockout's end reads the line: a loop test waits for it */
	return g.level;
}

static const struct gpio_ops fake_ops = {
	.name = "fake",
	.read_event = fake_read_event,
	.get_button = fake_get_button,
};

/* Sets the line to level and hands the edges to the button (its event
 * fd became readable). */
static void edges(int level, int n, const uint64_t *t)
{
	assert_true(g.n + n <= EDGES_MAX);
	for (int i = 0; i < n; i++)
		g.edge[g.n++] = t[i];
	g.level = level;
	button_event();
	assert_int_equal(g.head, g.n); /* every queued edge was taken */
}

static void press_at(uint64_t t)
{
	edges(1, 1, &t);
}

static void release_at(uint64_t t)
{
	edges(0, 1, &t);
}

/* What the actions were asked to do, in order. */
enum what { PRESS, RELEASE, CANCEL, NEW_CONV, MUTE };
struct call {
	enum what what;
	uint64_t t; /* talk: the time given; else loop_now_ms() when called */
	int hold;
};
static struct {
	struct call c[32];
	int n;
	int heard; /* what heard_speech answers */
	int heard_asked;
	int ringing; /* what stop_ringing answers (then it stops) */
	int stop_asked;
} a;

static void record(enum what w, uint64_t t, int hold)
{
	assert_true(a.n < (int)(sizeof(a.c) / sizeof(a.c[0])));
	a.c[a.n++] = (struct call){ w, t, hold };
	loop_stop(); /* a loop test waits for an action */
}

static void act_talk_press(void *ctx, uint64_t t)
{
	assert_ptr_equal(ctx, &a);
	record(PRESS, t, 0);
}

static void act_talk_release(void *ctx, uint64_t t, int hold)
{
	assert_ptr_equal(ctx, &a);
	record(RELEASE, t, hold);
}

static void act_cancel(void *ctx)
{
	assert_ptr_equal(ctx, &a);
	record(CANCEL, loop_now_ms(), 0);
}

static void act_new_conversation(void *ctx)
{
	assert_ptr_equal(ctx, &a);
	record(NEW_CONV, loop_now_ms(), 0);
}

static void act_toggle_mute(void *ctx)
{
	assert_ptr_equal(ctx, &a);
	record(MUTE, loop_now_ms(), 0);
}

static int act_heard_speech(void *ctx)
{
	assert_ptr_equal(ctx, &a);
	a.heard_asked++;
	loop_stop(); /* the long timeout has fired, whatever it decides */
	return a.heard;
}

static int act_stop_ringing(void *ctx)
{
	int was = a.ringing;

	assert_ptr_equal(ctx, &a);
	a.stop_asked++;
	a.ringing = 0;
	return was;
}

static const struct button_actions actions = {
	.talk_press = act_talk_press,
	.talk_release = act_talk_release,
	.cancel = act_cancel,
	.new_conversation = act_new_conversation,
	.toggle_mute = act_toggle_mute,
	.heard_speech = act_heard_speech,
	.stop_ringing = act_stop_ringing,
	.ctx = &a,
};

static struct parley_config cfg;

static void run_loop(void)
{
	unit_run_loop("the awaited callback");
}

static void assert_call(int i, enum what w)
{
	assert_true(i < a.n);
	assert_int_equal(a.c[i].what, w);
}

static void assert_talk(int i, enum what w, uint64_t t, int hold)
{
	assert_call(i, w);
	assert_int_equal(a.c[i].t, t);
	assert_int_equal(a.c[i].hold, hold);
}

static void assert_counts(unsigned hold, unsigned tap, unsigned lng,
			  unsigned dbl)
{
	assert_int_equal(button_gesture_count(G_HOLD), hold);
	assert_int_equal(button_gesture_count(G_TAP), tap);
	assert_int_equal(button_gesture_count(G_LONG), lng);
	assert_int_equal(button_gesture_count(G_DOUBLE), dbl);
}

static int setup(void **state)
{
	(void)state;
	memset(&g, 0, sizeof(g));
	memset(&a, 0, sizeof(a));
	loop_init();
	config_defaults(&cfg);
	cfg.debounce_ms = 0; /* each edge read at once, unless a test says */
	cfg.tap_ms = 300;
	cfg.long_ms = 20; /* only reached where a test runs the loop */
	cfg.double_ms = 400;
	strcpy(cfg.hold_action, "talk");
	strcpy(cfg.tap_action, "talk");
	strcpy(cfg.long_action, "new_conversation");
	strcpy(cfg.double_action, "mute");
	return 0;
}

/* The button with cfg as the test has set it, released at the start. */
static void start(void)
{
	button_init(&fake_ops, NULL, &cfg, &actions);
	assert_int_equal(button_pressed(), 0);
	assert_counts(0, 0, 0, 0);
}

static void tap_talks_until_silence(void **state)
{
	uint64_t t0 = 1000, t1 = t0 + (uint64_t)cfg.tap_ms - 1;

	(void)state;
	start();
	press_at(t0);
	/* listening starts at the press, before the gesture is known */
	assert_int_equal(button_pressed(), 1);
	assert_int_equal(a.n, 1);
	assert_talk(0, PRESS, t0, 0);
	assert_int_equal(a.stop_asked, 1); /* a ringing timer was asked first */
	release_at(t1);
	assert_int_equal(button_pressed(), 0);
	assert_int_equal(a.n, 2);
	assert_talk(1, RELEASE, t1, 0); /* a tap: listen until silence */
	assert_counts(0, 1, 0, 0);
}

static void hold_talks_while_held(void **state)
{
	uint64_t t0 = 1000, t1 = t0 + (uint64_t)cfg.tap_ms; /* not < tap_ms */

	(void)state;
	start();
	press_at(t0);
	release_at(t1);
	assert_int_equal(a.n, 2);
	assert_talk(0, PRESS, t0, 0);
	assert_talk(1, RELEASE, t1, 1); /* held: the utterance ends now */
	assert_counts(1, 0, 0, 0);
}

static void double_press_cancels_the_tap_and_mutes(void **state)
{
	uint64_t tap = 1000, up = tap + 100;
	uint64_t again = up + (uint64_t)cfg.double_ms - 1;

	(void)state;
	start();
	press_at(tap);
	release_at(up);
	press_at(again);
	assert_int_equal(a.n, 4);
	assert_talk(0, PRESS, tap, 0);
	assert_talk(1, RELEASE, up, 0);
	assert_call(2, CANCEL); /* the tap's listening is taken back */
	assert_call(3, MUTE);
	assert_counts(0, 1, 0, 1);
	/* its release is part of the double press */
	release_at(again + 50);
	assert_int_equal(a.n, 4);
	assert_counts(0, 1, 0, 1);
	/* the next press, even soon after, is a press again */
	press_at(again + 100);
	assert_int_equal(a.n, 5);
	assert_talk(4, PRESS, again + 100, 0);
}

static void press_after_the_double_window_is_a_new_press(void **state)
{
	uint64_t up = 1100, again = up + (uint64_t)cfg.double_ms;

	(void)state;
	start();
	press_at(1000);
	release_at(up);
	press_at(again); /* double_ms after the tap: too late */
	assert_int_equal(a.n, 3);
	assert_talk(2, PRESS, again, 0);
	release_at(again + 10);
	assert_talk(3, RELEASE, again + 10, 0);
	assert_counts(0, 2, 0, 0);
}

static void long_press_starts_a_new_conversation(void **state)
{
	uint64_t before;

	(void)state;
	start();
	before = loop_now_ms();
	press_at(before);
	assert_int_equal(a.n, 1);
	assert_talk(0, PRESS, before, 0);
	while (a.n < 3)
		run_loop();
	assert_int_equal(a.heard_asked, 1);
	assert_int_equal(a.n, 3);
	assert_call(1, CANCEL); /* the press's listening first */
	assert_call(2, NEW_CONV);
	/* not before long_ms had passed since the press was handled */
	assert_true(a.c[2].t - before >= (uint64_t)cfg.long_ms);
	assert_counts(0, 0, 1, 0);
	assert_int_equal(button_pressed(), 1);
	/* the release ends the long press and does nothing more */
	release_at(before + 5000);
	assert_int_equal(a.n, 3);
	assert_counts(0, 0, 1, 0);
}

static void long_press_after_speech_is_a_hold(void **state)
{
	uint64_t t0;

	(void)state;
	a.heard = 1;
	start();
	t0 = loop_now_ms();
	press_at(t0);
	while (!a.heard_asked)
		run_loop(); /* the long timeout fires */
	assert_int_equal(a.heard_asked, 1);
	assert_int_equal(a.n, 1); /* only the press: no cancel, no new one */
	assert_counts(0, 0, 0, 0);
	release_at(t0 + 5000);
	assert_int_equal(a.n, 2);
	assert_talk(1, RELEASE, t0 + 5000, 1);
	assert_counts(1, 0, 0, 0);
}

static void press_while_ringing_only_stops_it(void **state)
{
	uint64_t up = 1100;

	(void)state;
	start();
	press_at(1000); /* a tap first, so a double press would be possible */
	release_at(up);
	assert_int_equal(a.n, 2);
	a.ringing = 1;
	press_at(up + 50);
	assert_int_equal(a.stop_asked, 2);
	assert_int_equal(a.ringing, 0); /* it was stopped */
	assert_int_equal(a.n, 2); /* and nothing else was done */
	assert_int_equal(button_pressed(), 1);
	release_at(up + 60);
	assert_int_equal(a.n, 2);
	assert_counts(0, 1, 0, 0);
	/* nor is the ringing press remembered: within double_ms of the tap,
	 * the next press is a plain press */
	press_at(up + 100);
	assert_int_equal(a.n, 3);
	assert_talk(2, PRESS, up + 100, 0);
	assert_counts(0, 1, 0, 0);
	/* a press while ringing arms no long press either: every loop
	 * timeout is still free */
	release_at(up + 110);
	a.ringing = 1;
	press_at(up + 200);
	assert_int_equal(a.n, 4);
	for (int i = 0; i < LOOP_MAX_TIMEOUTS; i++)
		assert_true(loop_timeout(1000000, NULL, NULL) > 0);
	assert_int_equal(loop_timeout(1000000, NULL, NULL), -ENOSPC);
}

static void actions_none_and_cancel(void **state)
{
	uint64_t t0 = 1000;

	(void)state;
	strcpy(cfg.tap_action, "cancel");
	strcpy(cfg.hold_action, "none");
	strcpy(cfg.double_action, "none");
	strcpy(cfg.long_action, "none");
	start();
	/* nothing talks, so a press starts no listening */
	press_at(t0);
	assert_int_equal(a.n, 0);
	release_at(t0 + 10);
	assert_int_equal(a.n, 1);
	assert_call(0, CANCEL);
	assert_counts(0, 1, 0, 0);
	/* double_action "none": a quick second press is a press of its own,
	 * here a hold, which does nothing */
	press_at(t0 + 20);
	release_at(t0 + 20 + (uint64_t)cfg.tap_ms);
	assert_int_equal(a.n, 1);
	assert_counts(1, 1, 0, 0);
	/* long_action "none": counted, nothing done */
	press_at(loop_now_ms());
	while (!a.heard_asked)
		run_loop();
	assert_int_equal(a.n, 1);
	assert_counts(1, 1, 1, 0);
	release_at(loop_now_ms() + 5000);
	assert_int_equal(a.n, 1);
	assert_counts(1, 1, 1, 0);
}

static void hold_none_takes_back_the_tap_listening(void **state)
{
	uint64_t t0 = 1000;

	(void)state;
	strcpy(cfg.hold_action, "none");
	start();
	press_at(t0); /* the tap talks: listening starts at once */
	assert_int_equal(a.n, 1);
	assert_talk(0, PRESS, t0, 0);
	release_at(t0 + (uint64_t)cfg.tap_ms); /* but it was a hold */
	assert_int_equal(a.n, 2);
	assert_call(1, CANCEL);
	assert_counts(1, 0, 0, 0);
	/* a hold is no tap: no double press after it */
	press_at(t0 + (uint64_t)cfg.tap_ms + 10);
	assert_int_equal(a.n, 3);
	assert_talk(2, PRESS, t0 + (uint64_t)cfg.tap_ms + 10, 0);
}

static void chattering_press_is_one_press(void **state)
{
	const uint64_t down[] = { 1000, 1001, 1003 };
	const uint64_t bounce[] = { 1005, 1008, 1012 };
	const uint64_t up[] = { 1400, 1401 };
	const uint64_t up_bounce[] = { 1404, 1406 };

	(void)state;
	cfg.debounce_ms = 30;
	cfg.long_ms = 60000; /* out of the way of the lockouts */
	start();
	/* leading edge: the press is seen at the first edge, at once */
	edges(1, 3, down);
	assert_int_equal(a.n, 1);
	assert_talk(0, PRESS, down[0], 0);
	/* more edges within the lockout only count, whatever the line says */
	g.reads = 0;
	edges(0, 2, bounce);
	edges(1, 1, bounce + 2);
	assert_int_equal(g.reads, 0);
	assert_int_equal(a.n, 1);
	/* the lockout's end reads the line once more: still pressed */
	while (!g.reads)
		run_loop();
	assert_int_equal(g.reads, 1);
	assert_int_equal(a.n, 1);
	assert_int_equal(button_pressed(), 1);
	/* the lockout is over: the release is seen at its first edge */
	edges(0, 2, up);
	assert_int_equal(a.n, 2);
	assert_talk(1, RELEASE, up[0], 1);
	/* and its bounces are one release too */
	g.reads = 0;
	edges(1, 2, up_bounce);
	assert_int_equal(g.reads, 0);
	g.level = 0;
	while (!g.reads)
		run_loop();
	assert_int_equal(a.n, 2);
	assert_int_equal(button_pressed(), 0);
	assert_counts(1, 0, 0, 0);
}

static void release_hidden_in_the_bounces_is_seen(void **state)
{
	const uint64_t bounce[] = { 1004, 1010, 1015 };

	(void)state;
	cfg.debounce_ms = 30;
	cfg.long_ms = 60000;
	start();
	press_at(1000);
	assert_int_equal(a.n, 1);
	/* released within the lockout: only counted now */
	edges(0, 3, bounce);
	assert_int_equal(a.n, 1);
	assert_int_equal(button_pressed(), 1);
	while (a.n < 2)
		run_loop();
	/* the lockout's end sees it, stamped with the burst's first edge */
	assert_int_equal(a.n, 2);
	assert_talk(1, RELEASE, bounce[0], 0);
	assert_int_equal(button_pressed(), 0);
	assert_counts(0, 1, 0, 0);
}

static void spike_too_short_is_ignored(void **state)
{
	(void)state;
	cfg.debounce_ms = 30;
	start();
	/* an edge, but the line reads released again: no press, and no
	 * lockout, so the next real press is seen at once */
	g.reads = 0;
	edges(0, 1, (const uint64_t[]){ 1000 });
	assert_int_equal(g.reads, 1);
	assert_int_equal(a.n, 0);
	assert_int_equal(button_pressed(), 0);
	press_at(1002);
	assert_int_equal(a.n, 1);
	assert_talk(0, PRESS, 1002, 0);
}

/* A button held while parleyd starts: letting go of it starts nothing. */
static void a_release_without_a_press_does_nothing(void **state)
{
	(void)state;
	g.level = 1;
	button_init(&fake_ops, NULL, &cfg, &actions);
	assert_int_equal(button_pressed(), 1);
	release_at(1000);
	assert_int_equal(button_pressed(), 0);
	assert_int_equal(a.n, 0);
	assert_counts(0, 0, 0, 0);
	/* the next press and release are a tap, as ever */
	press_at(2000);
	release_at(2100);
	assert_talk(0, PRESS, 2000, 0);
	assert_talk(1, RELEASE, 2100, 0);
}

static void full_timeout_table_does_not_kill_the_button(void *ctx)
{
	(void)ctx;
}

/* With every loop timeout taken, a press cannot start its lockout; the
 * button must still read its line at the next edges. */
static void no_free_timeout_leaves_the_button_working(void **state)
{
	int ids[64], n = 0, id;

	(void)state;
	cfg.debounce_ms = 20;
	start();
	while ((id = loop_timeout(60000, full_timeout_table_does_not_kill_the_button,
				  NULL)) > 0)
		ids[n++] = id;
	press_at(1000);
	assert_talk(0, PRESS, 1000, 0);
	for (int i = 0; i < n; i++)
		loop_cancel(ids[i]);
	release_at(1100);
	assert_talk(1, RELEASE, 1100, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(tap_talks_until_silence, setup),
		cmocka_unit_test_setup(a_release_without_a_press_does_nothing, setup),
		cmocka_unit_test_setup(no_free_timeout_leaves_the_button_working,
				       setup),
		cmocka_unit_test_setup(hold_talks_while_held, setup),
		cmocka_unit_test_setup(double_press_cancels_the_tap_and_mutes, setup),
		cmocka_unit_test_setup(press_after_the_double_window_is_a_new_press,
				       setup),
		cmocka_unit_test_setup(long_press_starts_a_new_conversation, setup),
		cmocka_unit_test_setup(long_press_after_speech_is_a_hold, setup),
		cmocka_unit_test_setup(press_while_ringing_only_stops_it, setup),
		cmocka_unit_test_setup(actions_none_and_cancel, setup),
		cmocka_unit_test_setup(hold_none_takes_back_the_tap_listening, setup),
		cmocka_unit_test_setup(chattering_press_is_one_press, setup),
		cmocka_unit_test_setup(release_hidden_in_the_bounces_is_seen, setup),
		cmocka_unit_test_setup(spike_too_short_is_ignored, setup),
	};

	log_open(1, LOG_ERR);
	return cmocka_run_group_tests_name("button", tests, NULL, NULL);
}
