// SPDX-License-Identifier: MIT
/*
 * Unit tests: app/timers.c over a real store in a temporary file.  Tests
 * that never ring use a zeroed synth that is never started (a ring would
 * dereference its missing engine); tests that ring use a real synth
 * (espeak-ng) on an engine prepared with engine_init but never started, so
 * no device is opened: the ring's jobs are queued and synthesised into
 * the playback ring, which nothing plays.  That synth is started once for
 * the whole group, as espeak-ng 1.51 hangs in its second espeak_Terminate
 * after speaking in one process.  A ring is awaited through the loop,
 * stopped by the ringing callback (an alarm fails the test instead of
 * hanging).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../app/lang.h"
#include "../../app/log.h"
#include "../../app/loop.h"
#include "../../app/timers.h"
#include "unit_util.h"
#include "../../hal/audio.h"
#include "../../hal/chain.h"

static struct parley_config cfg;
static struct store *store;
static char path[64];
static struct timers ts;
static struct audio_engine eng; /* engine_init only: no device is opened */
static struct synth live_synth; /* started by start_synth, for the group */
static int live_started;
static struct synth idle_synth; /* zeroed, never started */
static struct synth *synth; /* the one the test's timers use */

/* What the timers asked of their deps. */
static struct {
	int on, off; /* ringing(ctx, 1) and (ctx, 0) calls */
	int busy; /* what speech_busy answers */
	int busy_asked;
} d;

static void dep_ringing(void *ctx, int on)
{
	assert_ptr_equal(ctx, &d);
	if (on) {
		d.on++;
		loop_stop(); /* a loop test waits for the ring */
	} else {
		d.off++;
	}
}

static int dep_speech_busy(void *ctx)
{
	assert_ptr_equal(ctx, &d);
	d.busy_asked++;
	return d.busy;
}

static void start_timers(void)
{
	struct timers_deps td = {
		.store = store,
		.synth = synth,
		.cfg = &cfg,
		.speech_busy = dep_speech_busy,
		.ringing = dep_ringing,
		.ctx = &d,
	};

	timers_init(&ts, &td);
}

static int64_t unix_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The store's rows, soonest first. */
struct row {
	int64_t id;
	int kind;
	char label[PARLEY_TIMER_LABEL_MAX];
	int64_t due;
};
static struct {
	struct row r[PARLEY_TIMERS_MAX + 4];
	int n;
} rows;

static void row_cb(int64_t id, int kind, const char *label, int64_t due,
		   void *ctx)
{
	(void)ctx;
	assert_true(rows.n < (int)(sizeof(rows.r) / sizeof(rows.r[0])));
	rows.r[rows.n] = (struct row){ .id = id, .kind = kind, .due = due };
	snprintf(rows.r[rows.n].label, sizeof(rows.r[0].label), "%s", label);
	rows.n++;
}

static int stored(void)
{
	int n;

	rows.n = 0;
	n = store_timers(store, row_cb, NULL);
	assert_int_equal(n, rows.n);
	return n;
}

static const struct row *stored_row(const char *label)
{
	for (int i = 0; i < rows.n; i++)
		if (!strcmp(rows.r[i].label, label))
			return &rows.r[i];
	fail_msg("no stored row '%s'", label);
	return NULL;
}

static const struct timer *find(const char *label)
{
	for (int i = 0; i < ts.n; i++)
		if (!strcmp(ts.t[i].label, label))
			return &ts.t[i];
	fail_msg("no timer '%s'", label);
	return NULL;
}

static void run_loop(void)
{
	unit_run_loop("the awaited ring");
}

static int setup_store(void **state)
{
	char err[256];

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(&idle_synth, 0, sizeof(idle_synth));
	synth = &idle_synth;
	loop_init();
	config_defaults(&cfg);
	unit_db_path(path, sizeof(path), "timers");
	store = store_open(path, err, sizeof(err));
	if (!store)
		fail_msg("store_open: %s", err);
	return 0;
}

/* Group setup: the engine (not started) and the synth on it. */
static int start_synth(void **state)
{
	struct audio_params ap;
	struct engine_options eo;
	struct chain_config cc;
	const struct audio_ops *ops = audio_find("alsa");
	char err[256];

	(void)state;
	if (!ops) {
		print_error("no alsa audio backend\n");
		return -1;
	}
	config_defaults(&cfg);
	config_audio_params(&cfg, &ap);
	config_engine_options(&cfg, &eo);
	config_chain(&cfg, &cc);
	if (engine_init(&eng, ops, &ap, &cc, &eo, err, sizeof(err))) {
		print_error("engine_init: %s\n", err);
		return -1;
	}
	if (synth_start(&live_synth, &eng, lang_voice(&cfg), cfg.tts_rate_wpm,
			(unsigned)cfg.playback_rate, err, sizeof(err))) {
		print_error("synth_start: %s\n", err);
		synth_stop(&live_synth);
		engine_stop(&eng);
		return -1;
	}
	live_started = 1;
	return 0;
}

static int stop_synth(void **state)
{
	(void)state;
	if (live_started) {
		synth_stop(&live_synth);
		engine_stop(&eng);
	}
	live_started = 0;
	return 0;
}

/* A test that rings: the live synth, with what earlier tests queued
 * dropped. */
static int setup_synth(void **state)
{
	setup_store(state);
	assert_true(live_started);
	synth_flush(&live_synth);
	synth = &live_synth;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	timers_stop(&ts);
	store_close(store);
	unit_db_remove(path);
	return 0;
}

static void add_timer_and_alarm(void **state)
{
	const int64_t ms = 90 * 1000, alarm_in = 3600 * 1000;
	uint64_t m0, m1;
	int64_t u0, u1, due, left;
	char why[128] = "";
	const struct timer *t, *a;

	(void)state;
	start_timers();
	assert_int_equal(ts.n, 0);
	m0 = loop_now_ms();
	u0 = unix_ms();
	due = u0 + alarm_in;
	assert_int_equal(timers_add(&ts, TK_TIMER, "tea", ms, why, sizeof(why)), 0);
	assert_int_equal(timers_add(&ts, TK_ALARM, "wake", due, why, sizeof(why)), 0);
	assert_string_equal(why, ""); /* no error to tell */
	assert_int_equal(ts.n, 2);
	t = find("tea");
	a = find("wake");
	assert_int_equal(t->kind, TK_TIMER);
	assert_int_equal(a->kind, TK_ALARM);
	assert_false(t->ringing || a->ringing);

	/* a timer counts from when it was set */
	left = timers_left_ms(t);
	m1 = loop_now_ms();
	u1 = unix_ms();
	assert_true(left <= ms);
	assert_true(left >= ms - (int64_t)(m1 - m0));
	assert_true(t->due_unix_ms >= u0 + ms && t->due_unix_ms <= u1 + ms);
	/* an alarm is due at its wall-clock time */
	assert_int_equal(a->due_unix_ms, due);
	left = timers_left_ms(a);
	assert_true(left <= due - u0);
	assert_true(left >= due - unix_ms());

	/* both are in the store, as set */
	assert_int_equal(stored(), 2);
	assert_int_equal(stored_row("tea")->kind, 0);
	assert_int_equal(stored_row("tea")->due, t->due_unix_ms);
	assert_int_equal(stored_row("tea")->id, t->id);
	assert_int_equal(stored_row("wake")->kind, 1);
	assert_int_equal(stored_row("wake")->due, due);
	assert_int_equal(stored_row("wake")->id, a->id);
	assert_int_equal(timers_ringing(&ts), 0);
	assert_int_equal(d.on, 0);
}

static void cancel_by_label_and_all(void **state)
{
	char why[128];
	int64_t later = unix_ms() + 3600 * 1000;

	(void)state;
	start_timers();
	assert_int_equal(timers_add(&ts, TK_TIMER, "Tea", 60000, why, sizeof(why)), 0);
	assert_int_equal(timers_add(&ts, TK_TIMER, "coffee", 60000, why, sizeof(why)), 0);
	assert_int_equal(timers_add(&ts, TK_ALARM, "tea", later, why, sizeof(why)), 0);
	assert_int_equal(timers_add(&ts, TK_TIMER, "eggs", 60000, why, sizeof(why)), 0);
	assert_int_equal(timers_cancel(&ts, "bread"), 0);
	assert_int_equal(ts.n, 4);
	/* labels match without regard to case, timers and alarms alike */
	assert_int_equal(timers_cancel(&ts, "TEA"), 2);
	assert_int_equal(ts.n, 2);
	find("coffee");
	find("eggs");
	assert_int_equal(stored(), 2);
	stored_row("coffee");
	stored_row("eggs");
	/* an empty label: all of them */
	assert_int_equal(timers_cancel(&ts, ""), 2);
	assert_int_equal(ts.n, 0);
	assert_int_equal(stored(), 0);
	assert_int_equal(timers_cancel(&ts, ""), 0);
}

static void at_most_timers_max(void **state)
{
	char why[128], label[16], want[128];
	int64_t later = unix_ms() + 3600 * 1000;

	(void)state;
	start_timers();
	for (int i = 0; i < PARLEY_TIMERS_MAX; i++) {
		snprintf(label, sizeof(label), "t%d", i);
		assert_int_equal(timers_add(&ts, i % 2 ? TK_ALARM : TK_TIMER,
					    label, i % 2 ? later : 60000, why,
					    sizeof(why)), 0);
	}
	assert_int_equal(ts.n, PARLEY_TIMERS_MAX);
	why[0] = '\0';
	assert_int_equal(timers_add(&ts, TK_TIMER, "one more", 60000, why,
				    sizeof(why)), -ENOSPC);
	snprintf(want, sizeof(want), "%d timers and alarms are set already",
		 PARLEY_TIMERS_MAX);
	assert_string_equal(why, want);
	why[0] = '\0';
	assert_int_equal(timers_add(&ts, TK_ALARM, "one more", later, why,
				    sizeof(why)), -ENOSPC);
	assert_string_equal(why, want);
	/* nothing of the refused ones reached the store */
	assert_int_equal(ts.n, PARLEY_TIMERS_MAX);
	assert_int_equal(stored(), PARLEY_TIMERS_MAX);
	/* one cancelled makes room for one */
	assert_int_equal(timers_cancel(&ts, "t3"), 1);
	assert_int_equal(timers_add(&ts, TK_TIMER, "one more", 60000, why,
				    sizeof(why)), 0);
	assert_int_equal(stored(), PARLEY_TIMERS_MAX);
}

static void timers_survive_a_restart(void **state)
{
	const int64_t ms = 10 * 60 * 1000;
	int64_t due = unix_ms() + 2 * 3600 * 1000;
	char why[128];
	struct timer before[2];
	int64_t u;

	(void)state;
	start_timers();
	assert_int_equal(timers_add(&ts, TK_TIMER, "pasta", ms, why, sizeof(why)), 0);
	assert_int_equal(timers_add(&ts, TK_ALARM, "meeting", due, why, sizeof(why)), 0);
	before[0] = *find("pasta");
	before[1] = *find("meeting");

	timers_stop(&ts);
	u = unix_ms();
	memset(&ts, 0xa5, sizeof(ts)); /* nothing is kept but the store */
	start_timers();

	assert_int_equal(ts.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct timer *t = find(before[i].label);

		assert_int_equal(t->id, before[i].id);
		assert_int_equal(t->kind, before[i].kind);
		assert_int_equal(t->due_unix_ms, before[i].due_unix_ms);
		assert_false(t->ringing);
	}
	/* the timer goes on from its stored due time: what was left of it
	 * at the restart at most */
	assert_true(timers_left_ms(find("pasta")) > 0);
	assert_true(timers_left_ms(find("pasta")) <= before[0].due_unix_ms - u);
	assert_true(timers_left_ms(find("meeting")) > 0);
	assert_true(timers_left_ms(find("meeting")) <= due - u);
	assert_int_equal(timers_ringing(&ts), 0);
	assert_int_equal(d.on, 0);
	assert_int_equal(stored(), 2);
}

static void missed_while_down_rings_at_init(void **state)
{
	int64_t now = unix_ms();
	int64_t missed, later;

	(void)state;
	missed = store_timer_add(store, 0, "bread", now - 60 * 1000);
	later = store_timer_add(store, 1, "later", now + 3600 * 1000);
	assert_true(missed > 0 && later > 0);

	start_timers();
	/* it rang during init: no loop needed */
	assert_int_equal(d.on, 1);
	assert_int_equal(ts.rings, 1);
	assert_int_equal(ts.n, 2);
	assert_int_equal(timers_ringing(&ts), 1);
	assert_true(find("bread")->ringing);
	assert_int_equal(timers_left_ms(find("bread")), 0);
	assert_false(find("later")->ringing);
	assert_true(timers_left_ms(find("later")) > 0);
	for (int i = 0; i < 4; i++)
		assert_int_not_equal(ts.ring_ids[i], 0);
	/* a ringing one is no longer pending: cancelling leaves it */
	assert_int_equal(timers_cancel(&ts, "bread"), 0);
	assert_int_equal(timers_ringing(&ts), 1);

	assert_int_equal(timers_stop_ringing(&ts), 1);
	assert_int_equal(d.off, 1);
	assert_int_equal(ts.n, 1);
	assert_int_equal(stored(), 1);
	assert_int_equal(rows.r[0].id, later);
}

static void timer_rings_through_the_loop(void **state)
{
	char why[128];
	uint32_t turn_job, gen;

	(void)state;
	d.busy = 1; /* a turn is speaking: the stop must not flush */
	start_timers();
	assert_int_equal(timers_add(&ts, TK_TIMER, "tea", 1, why, sizeof(why)), 0);
	assert_int_equal(stored(), 1);
	while (!d.on)
		run_loop();
	assert_int_equal(d.on, 1);
	assert_int_equal(d.off, 0);
	assert_int_equal(ts.rings, 1);
	assert_int_equal(timers_ringing(&ts), 1);
	assert_true(find("tea")->ringing);
	assert_int_equal(timers_left_ms(find("tea")), 0);
	assert_int_not_equal(ts.ring_timeout, 0); /* the next ring is armed */

	/* the ring's jobs are the timers'; a turn's job is not */
	turn_job = synth_say(synth, "The answer.");
	assert_int_not_equal(turn_job, 0);
	assert_int_equal(timers_owns_job(&ts, turn_job), 0);
	assert_int_equal(timers_owns_job(&ts, 0), 0);
	for (int i = 0; i < 4; i++) {
		uint32_t id = ts.ring_ids[i];

		assert_int_not_equal(id, 0);
		assert_int_not_equal(id, turn_job);
		assert_int_equal(timers_owns_job(&ts, id), 1);
		assert_int_equal(timers_owns_job(&ts, id), 0); /* told once */
	}

	/* stopped: the row goes, the LED is told, the synth is not flushed
	 * while the turn's speech shares its queue */
	gen = engine_flush_gen(&eng);
	assert_int_equal(timers_stop_ringing(&ts), 1);
	assert_int_equal(d.off, 1);
	assert_int_equal(d.busy_asked, 1);
	assert_int_equal(engine_flush_gen(&eng), gen);
	assert_int_equal(timers_ringing(&ts), 0);
	assert_int_equal(ts.n, 0);
	assert_int_equal(ts.ring_timeout, 0);
	assert_int_equal(stored(), 0);
	/* once is enough */
	assert_int_equal(timers_stop_ringing(&ts), 0);
	assert_int_equal(d.off, 1);
	assert_int_equal(d.busy_asked, 1);
}

static void stopped_ring_flushes_an_idle_synth(void **state)
{
	char why[128];
	uint32_t gen;

	(void)state;
	d.busy = 0;
	start_timers();
	assert_int_equal(timers_add(&ts, TK_ALARM, "now", unix_ms() + 1, why,
				    sizeof(why)), 0);
	while (!d.on)
		run_loop();
	assert_int_equal(timers_ringing(&ts), 1);
	assert_true(find("now")->ringing);
	gen = engine_flush_gen(&eng);
	assert_int_equal(timers_stop_ringing(&ts), 1);
	assert_int_equal(d.busy_asked, 1);
	assert_int_equal(engine_flush_gen(&eng), gen + 1); /* cut mid-word */
	assert_int_equal(d.off, 1);
	assert_int_equal(stored(), 0);
}

/* A local time, as mktime makes it. */
static time_t local(int year, int mon, int day, int h, int m, int s)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1,
			 .tm_mday = day, .tm_hour = h, .tm_min = m,
			 .tm_sec = s, .tm_isdst = -1 };

	return mktime(&tm);
}

static void parse_alarm_times(void **state)
{
	time_t now = local(2030, 6, 15, 10, 0, 0), due;
	char why[256];

	(void)state;
	/* passed today: tomorrow */
	assert_int_equal(timers_parse_alarm("07:30", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due, local(2030, 6, 16, 7, 30, 0));
	assert_int_equal(timers_parse_alarm("7:30", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due, local(2030, 6, 16, 7, 30, 0));
	/* still to come today: today; the very minute now: tomorrow */
	assert_int_equal(timers_parse_alarm("12:00", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due, local(2030, 6, 15, 12, 0, 0));
	assert_int_equal(timers_parse_alarm("10:00", now, &due, why, sizeof(why)), 0);
	assert_int_equal(due, local(2030, 6, 16, 10, 0, 0));
	/* from a morning "now", 07:30 is today */
	assert_int_equal(timers_parse_alarm("07:30", local(2030, 6, 15, 6, 0, 0),
					    &due, why, sizeof(why)), 0);
	assert_int_equal(due, local(2030, 6, 15, 7, 30, 0));
	/* a local ISO time */
	assert_int_equal(timers_parse_alarm("2099-01-01T08:00", now, &due, why,
					    sizeof(why)), 0);
	assert_int_equal(due, local(2099, 1, 1, 8, 0, 0));
	assert_int_equal(timers_parse_alarm("2099-01-01T08:00:30", now, &due,
					    why, sizeof(why)), 0);
	assert_int_equal(due, local(2099, 1, 1, 8, 0, 30));
}

static void parse_alarm_errors_name_the_text(void **state)
{
	static const char *const bad[] = {
		"tomorrow", "24:00", "07:60", "0730", "7:3", "07:30:60",
		"07:30 ", "07h30", "", "2099-13-01T08:00", "2099-01-01T24:00",
		"2099-01-01X08:00",
	};
	static const char *const past[] = { "2020-01-01T08:00",
					    "2030-06-15T10:00" /* now */ };
	time_t now = local(2030, 6, 15, 10, 0, 0), due;
	char why[256], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (!timers_parse_alarm(bad[i], now, &due, why, sizeof(why)))
			fail_msg("'%s' was taken", bad[i]);
		snprintf(want, sizeof(want), "'%s'", bad[i]);
		if (!strstr(why, want) || !strstr(why, "HH:MM"))
			fail_msg("'%s': %s", bad[i], why);
	}
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		why[0] = '\0';
		assert_int_equal(timers_parse_alarm(past[i], now, &due, why,
						    sizeof(why)), -1);
		snprintf(want, sizeof(want), "'%s' is in the past", past[i]);
		if (!strstr(why, want))
			fail_msg("'%s': %s", past[i], why);
	}
	/* days a month does not have are refused, not moved on */
	static const char *const nodate[][2] = {
		{ "2099-02-31T08:00", "there is no 2099-02-31" },
		{ "2099-02-29T08:00", "there is no 2099-02-29" },
		{ "2099-04-31T08:00", "there is no 2099-04-31" },
	};
	for (size_t i = 0; i < sizeof(nodate) / sizeof(nodate[0]); i++) {
		why[0] = '\0';
		assert_int_equal(timers_parse_alarm(nodate[i][0], now, &due, why,
						    sizeof(why)), -1);
		if (!strstr(why, nodate[i][1]))
			fail_msg("'%s': %s", nodate[i][0], why);
	}
	/* a leap day is a day */
	assert_int_equal(timers_parse_alarm("2096-02-29T08:00", now, &due, why,
					    sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(add_timer_and_alarm, setup_store,
						teardown),
		cmocka_unit_test_setup_teardown(cancel_by_label_and_all,
						setup_store, teardown),
		cmocka_unit_test_setup_teardown(at_most_timers_max, setup_store,
						teardown),
		cmocka_unit_test_setup_teardown(timers_survive_a_restart,
						setup_store, teardown),
		cmocka_unit_test_setup_teardown(missed_while_down_rings_at_init,
						setup_synth, teardown),
		cmocka_unit_test_setup_teardown(timer_rings_through_the_loop,
						setup_synth, teardown),
		cmocka_unit_test_setup_teardown(stopped_ring_flushes_an_idle_synth,
						setup_synth, teardown),
		cmocka_unit_test(parse_alarm_times),
		cmocka_unit_test(parse_alarm_errors_name_the_text),
	};

	log_open(1, LOG_ERR);
	return cmocka_run_group_tests_name("timers", tests, start_synth,
					   stop_synth);
}
