/* SPDX-License-Identifier: MIT */
/*
 * Timers and alarms.  Both live in the store (so they survive a restart)
 * and in a fixed table here; one loop timeout waits for the soonest.  A
 * timer counts CLOCK_MONOTONIC from when it was set (after a restart, the
 * rest of its stored wall-clock due time); an alarm follows the wall clock,
 * re-checked at least every ALARM_CHECK_MS so clock steps are seen.
 *
 * When one is due it rings: an earcon, the LED's ringing pattern and its
 * label spoken with local TTS, again every ring period, until a button
 * press (or "stop", or the console) stops it, or tools.ring_max_s passes.
 * Nothing here needs the LAN host.
 */
#ifndef PARLEY_APP_TIMERS_H
#define PARLEY_APP_TIMERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "store.h"
#include "synth.h"

enum timer_kind { TK_TIMER, TK_ALARM };

/* The ring's earcon: 880, 1175, 880 Hz, 250 ms each. */
#define TIMERS_EARCON_HZ 880
#define TIMERS_EARCON_HZ2 1175
#define TIMERS_EARCON_MS 250
#define TIMERS_RING_PERIOD_MS 6000 /* one ring: earcon + label, then quiet */

struct timer {
	int64_t id; /* store row */
	enum timer_kind kind;
	char label[PARLEY_TIMER_LABEL_MAX];
	int64_t due_unix_ms;
	uint64_t due_mono_ms; /* timers: when, on CLOCK_MONOTONIC */
	int ringing;
};

/* What the timers use, given at timers_init. */
struct timers_deps {
	struct store *store; /* where they are kept */
	struct synth *synth; /* the ring's earcon and spoken label */
	const struct parley_config *cfg; /* tools.ring_max_s */
	/* 1 while a turn's speech shares the synth queue (a stopped ring then
	 * must not flush it); NULL: never */
	int (*speech_busy)(void *ctx);
	/* a ring starts (1) or stops (0): the LED shows it */
	void (*ringing)(void *ctx, int on);
	/* how many are pending (not ringing), after each change; NULL: no
	 * one is told */
	void (*pending)(void *ctx, int n);
	void *ctx;
};

struct timers {
	struct timers_deps d;
	struct timer t[PARLEY_TIMERS_MAX]; /* control thread only */
	int n;
	int timeout; /* loop timeout for the soonest due */
	int ring_timeout; /* the next ring */
	uint64_t ring_since_ms;
	uint32_t ring_ids[4]; /* synth jobs of the current ring */
	unsigned rings; /* rings started since start-up */
};

/* Loads the stored timers and arms the soonest; rings missed ones now. */
void timers_init(struct timers *ts, const struct timers_deps *deps);
void timers_stop(struct timers *ts);
/*
 * Adds a timer due in ms, or an alarm due at due_unix_ms (wall clock).
 * 0, or -errno with why filled (full, store error).
 */
int timers_add(struct timers *ts, enum timer_kind kind, const char *label,
	       int64_t ms_or_due, char *why, size_t whylen);
/* Cancels the pending ones whose label is label (all if label is
 * empty); returns how many. */
int timers_cancel(struct timers *ts, const char *label);
/* By store id (timers_newest: the one timers_add just added, 0 if none):
 * cancels a pending one, or makes it ring now; 1 if it was pending. */
int64_t timers_newest(const struct timers *ts);
int timers_cancel_id(struct timers *ts, int64_t id);
int timers_ring_id(struct timers *ts, int64_t id);
/* Stops ringing; 1 if something was ringing. */
int timers_stop_ringing(struct timers *ts);
int timers_ringing(const struct timers *ts);
/* 1 if synth job id belongs to a ring (it is not the turn's). */
int timers_owns_job(struct timers *ts, uint32_t id);
/* Milliseconds until t rings (0 if due or ringing). */
int64_t timers_left_ms(const struct timer *t);
/*
 * Parses an alarm time: "HH:MM" (24 h; the next such time, today or
 * tomorrow) or a local ISO time "YYYY-MM-DDTHH:MM[:SS]" (must be in the
 * future).  0 with *due set, or -1 with why filled.
 */
int timers_parse_alarm(const char *text, time_t now, time_t *due, char *why,
		       size_t whylen);

#endif
