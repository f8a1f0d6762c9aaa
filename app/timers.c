// SPDX-License-Identifier: MIT
/*
 * Timers and alarms; the rules are in timers.h.  The table is small
 * (PARLEY_TIMERS_MAX), so every change simply rescans it.
 */
#include "timers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "lang.h"
#include "log.h"
#include "loop.h"

#define ALARM_CHECK_MS 30000 /* alarms look at the wall clock this often */

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t timers_left_ms(const struct timer *t)
{
	int64_t left;

	if (t->ringing)
		return 0;
	if (t->kind == TK_TIMER)
		left = (int64_t)t->due_mono_ms - (int64_t)loop_now_ms();
	else
		left = t->due_unix_ms - unix_ms();
	return left > 0 ? left : 0;
}

static void on_due(void *ctx);

/* Waits for the soonest pending one. */
static void arm(struct timers *ts)
{
	int64_t next = -1;

	int pending = 0;

	loop_cancel(ts->timeout);
	ts->timeout = 0;
	for (int i = 0; i < ts->n; i++) {
		int64_t left;

		if (ts->t[i].ringing)
			continue;
		pending++;
		left = timers_left_ms(&ts->t[i]);
		if (ts->t[i].kind == TK_ALARM && left > ALARM_CHECK_MS)
			left = ALARM_CHECK_MS;
		if (next < 0 || left < next)
			next = left;
	}
	if (ts->d.pending)
		ts->d.pending(ts->d.ctx, pending);
	if (next < 0)
		return;
	ts->timeout = loop_timeout((uint64_t)next, on_due, ts);
	if (ts->timeout < 0) {
		LOGE("timers", "no loop timeout free; timers will not ring");
		ts->timeout = 0;
	}
}

static void ring(void *ctx);

static void ring_again(struct timers *ts)
{
	loop_cancel(ts->ring_timeout);
	ts->ring_timeout = loop_timeout(TIMERS_RING_PERIOD_MS, ring, ts);
}

/* One ring: the earcon, then the labels of everything ringing. */
static void ring(void *ctx)
{
	struct timers *ts = ctx;
	char text[PARLEY_SENTENCE_MAX];
	size_t n = 0;
	int count = 0;

	ts->ring_timeout = 0;
	if (!timers_ringing(ts))
		return;
	if (loop_now_ms() - ts->ring_since_ms >=
	    (uint64_t)ts->d.cfg->ring_max_s * 1000) {
		LOGW("timers", "nobody stopped the ringing in %d s; it stops now",
		     ts->d.cfg->ring_max_s);
		timers_stop_ringing(ts);
		return;
	}
	for (int i = 0; i < ts->n; i++) {
		const struct timer *t = &ts->t[i];

		if (!t->ringing || n >= sizeof(text) - 1)
			continue;
		if (count)
			text[n++] = ' ';
		n += (size_t)phrase_format(ts->d.cfg, text + n, sizeof(text) - n,
					   t->kind == TK_TIMER ? PH_TIMER_RINGS :
								 PH_ALARM_RINGS,
					   t->label);
		count++;
	}
	ts->ring_ids[0] = synth_tone(ts->d.synth, TIMERS_EARCON_HZ,
				     TIMERS_EARCON_MS);
	ts->ring_ids[1] = synth_tone(ts->d.synth, TIMERS_EARCON_HZ2,
				     TIMERS_EARCON_MS);
	ts->ring_ids[2] = synth_tone(ts->d.synth, TIMERS_EARCON_HZ,
				     TIMERS_EARCON_MS);
	ts->ring_ids[3] = synth_say(ts->d.synth, text);
	if (!ts->ring_ids[0] || !ts->ring_ids[3])
		LOGW("timers", "speech queue full: part of a ring was dropped");
	ring_again(ts);
}

static void start_ringing(struct timers *ts, struct timer *t)
{
	int was = timers_ringing(ts);

	t->ringing = 1;
	ts->rings++;
	LOGN("timers", "%s '%s' rings", t->kind == TK_TIMER ? "timer" : "alarm",
	     t->label);
	console_event("ring %s %s", t->kind == TK_TIMER ? "timer" : "alarm",
		      t->label);
	if (!was) {
		ts->ring_since_ms = loop_now_ms();
		if (ts->d.ringing)
			ts->d.ringing(ts->d.ctx, 1);
		ring(ts);
	}
}

static void on_due(void *ctx)
{
	struct timers *ts = ctx;

	ts->timeout = 0;
	for (int i = 0; i < ts->n; i++)
		if (!ts->t[i].ringing && timers_left_ms(&ts->t[i]) == 0)
			start_ringing(ts, &ts->t[i]);
	arm(ts);
}

static void remove_at(struct timers *ts, int i)
{
	if (store_timer_delete(ts->d.store, ts->t[i].id) < 0)
		LOGE("timers", "cannot delete timer %lld from the store",
		     (long long)ts->t[i].id);
	ts->t[i] = ts->t[--ts->n];
}

static void load_cb(int64_t id, int kind, const char *label, int64_t due,
		    void *ctx)
{
	struct timers *ts = ctx;
	struct timer *t;
	int64_t left = due - unix_ms();

	if (ts->n == PARLEY_TIMERS_MAX) {
		LOGW("timers", "more than %d timers stored; '%s' ignored",
		     PARLEY_TIMERS_MAX, label);
		return;
	}
	t = &ts->t[ts->n++];
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->kind = kind ? TK_ALARM : TK_TIMER;
	snprintf(t->label, sizeof(t->label), "%s", label);
	t->due_unix_ms = due;
	t->due_mono_ms = loop_now_ms() + (uint64_t)(left > 0 ? left : 0);
	LOGI("timers", "%s '%s' restored, due in %lld ms",
	     t->kind == TK_TIMER ? "timer" : "alarm", t->label,
	     (long long)(left > 0 ? left : 0));
}

void timers_init(struct timers *ts, const struct timers_deps *deps)
{
	memset(ts, 0, sizeof(*ts));
	ts->d = *deps;
	if (store_timers(ts->d.store, load_cb, ts) < 0)
		LOGE("timers", "cannot read the stored timers");
	on_due(ts); /* rings what fell due while parleyd was down */
}

void timers_stop(struct timers *ts)
{
	loop_cancel(ts->timeout);
	loop_cancel(ts->ring_timeout);
	ts->timeout = ts->ring_timeout = 0;
}

int timers_add(struct timers *ts, enum timer_kind kind, const char *label,
	       int64_t ms_or_due, char *why, size_t whylen)
{
	struct timer *t;
	int64_t due = kind == TK_TIMER ? unix_ms() + ms_or_due : ms_or_due;

	if (ts->n == PARLEY_TIMERS_MAX) {
		snprintf(why, whylen, "%d timers and alarms are set already",
			 PARLEY_TIMERS_MAX);
		return -ENOSPC;
	}
	t = &ts->t[ts->n];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->label, sizeof(t->label), "%s", label);
	t->due_unix_ms = due;
	t->due_mono_ms = loop_now_ms() +
			 (uint64_t)(kind == TK_TIMER ? ms_or_due : 0);
	t->id = store_timer_add(ts->d.store, kind, t->label, due);
	if (t->id < 0) {
		snprintf(why, whylen, "the store could not save it");
		return -EIO;
	}
	ts->n++;
	LOGI("timers", "%s '%s' set, due in %lld ms",
	     kind == TK_TIMER ? "timer" : "alarm", t->label,
	     (long long)timers_left_ms(t));
	arm(ts);
	return 0;
}

int timers_cancel(struct timers *ts, const char *label)
{
	int n = 0;

	for (int i = ts->n - 1; i >= 0; i--) {
		if (ts->t[i].ringing ||
		    (label[0] && strcasecmp(ts->t[i].label, label)))
			continue;
		LOGI("timers", "'%s' cancelled", ts->t[i].label);
		remove_at(ts, i);
		n++;
	}
	if (n)
		arm(ts);
	return n;
}

int64_t timers_newest(const struct timers *ts)
{
	return ts->n ? ts->t[ts->n - 1].id : 0;
}

/* The pending one with store id id, or -1. */
static int pending_at(const struct timers *ts, int64_t id)
{
	for (int i = 0; i < ts->n; i++)
		if (ts->t[i].id == id && !ts->t[i].ringing)
			return i;
	return -1;
}

int timers_cancel_id(struct timers *ts, int64_t id)
{
	int i = pending_at(ts, id);

	if (i < 0)
		return 0;
	LOGI("timers", "'%s' cancelled", ts->t[i].label);
	remove_at(ts, i);
	arm(ts);
	return 1;
}

int timers_ring_id(struct timers *ts, int64_t id)
{
	int i = pending_at(ts, id);

	if (i < 0)
		return 0;
	start_ringing(ts, &ts->t[i]);
	arm(ts);
	return 1;
}

int timers_ringing(const struct timers *ts)
{
	for (int i = 0; i < ts->n; i++)
		if (ts->t[i].ringing)
			return 1;
	return 0;
}

int timers_stop_ringing(struct timers *ts)
{
	int was = 0;

	for (int i = ts->n - 1; i >= 0; i--) {
		if (!ts->t[i].ringing)
			continue;
		LOGN("timers", "'%s' stopped", ts->t[i].label);
		remove_at(ts, i);
		was = 1;
	}
	if (!was)
		return 0;
	loop_cancel(ts->ring_timeout);
	ts->ring_timeout = 0;
	/* the ring stops mid-word, unless a turn's speech shares the queue
	 * (its own flush keeps count of its sentences: see turn.c) */
	if (!ts->d.speech_busy || !ts->d.speech_busy(ts->d.ctx))
		synth_flush(ts->d.synth);
	memset(ts->ring_ids, 0, sizeof(ts->ring_ids));
	if (ts->d.ringing)
		ts->d.ringing(ts->d.ctx, 0);
	console_event("ring stopped");
	return 1;
}

int timers_owns_job(struct timers *ts, uint32_t id)
{
	for (size_t i = 0; i < sizeof(ts->ring_ids) / sizeof(ts->ring_ids[0]);
	     i++)
		if (id && ts->ring_ids[i] == id) {
			ts->ring_ids[i] = 0;
			return 1;
		}
	return 0;
}

static int two_digits(const char *s, int lo, int hi, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return *out < lo || *out > hi ? -1 : 0;
}

int timers_parse_alarm(const char *text, time_t now, time_t *due, char *why,
		       size_t whylen)
{
	struct tm tm;
	const char *hm = text;
	int year = 0, mon = 0, day = 0, h, m, s = 0, dated = 0;
	size_t len = strlen(text);

	localtime_r(&now, &tm);
	if (len >= 16 && text[4] == '-' && text[7] == '-' &&
	    (text[10] == 'T' || text[10] == ' ')) {
		char *end;

		year = (int)strtol(text, &end, 10);
		if (end != text + 4 || year < 1970 || year > 9999 ||
		    two_digits(text + 5, 1, 12, &mon) ||
		    two_digits(text + 8, 1, 31, &day))
			goto bad;
		hm = text + 11;
		dated = 1;
	}
	len = strlen(hm);
	if (len < 4 || len > 8)
		goto bad;
	if (hm[1] == ':') { /* "7:30" */
		if (hm[0] < '0' || hm[0] > '9')
			goto bad;
		h = hm[0] - '0';
		hm += 2;
	} else {
		if (two_digits(hm, 0, 23, &h) || hm[2] != ':')
			goto bad;
		hm += 3;
	}
	if (two_digits(hm, 0, 59, &m))
		goto bad;
	hm += 2;
	if (*hm == ':') {
		if (two_digits(hm + 1, 0, 59, &s))
			goto bad;
		hm += 3;
	}
	if (*hm)
		goto bad;
	if (dated) {
		tm.tm_year = year - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = day;
	}
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	*due = mktime(&tm);
	if (*due == (time_t)-1)
		goto bad;
	if (dated && (tm.tm_mday != day || tm.tm_mon != mon - 1)) {
		/* mktime moved it: 31 February is 3 March */
		snprintf(why, whylen, "there is no %04d-%02d-%02d", year, mon,
			 day);
		return -1;
	}
	if (*due <= now) {
		if (dated) {
			snprintf(why, whylen,
				 "time '%.40s' is in the past", text);
			return -1;
		}
		tm.tm_mday++; /* that time today has passed: tomorrow */
		tm.tm_isdst = -1;
		*due = mktime(&tm);
	}
	return 0;
bad:
	snprintf(why, whylen,
		 "time '%.40s' is not HH:MM (24-hour) or a local ISO time YYYY-MM-DDTHH:MM[:SS]",
		 text);
	return -1;
}
