/* SPDX-License-Identifier: MIT */
/*
 * The speaker's own actions, one way to do each: the device tools the
 * model calls (tools.c), the offline grammar's answers (offline.c), the
 * console and the button all come here.  Settings change through the
 * configuration table (config_set), so a change from anywhere takes the
 * same path as "set" and SIGHUP.
 */
#ifndef PARLEY_APP_DEVICE_H
#define PARLEY_APP_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "timers.h"

struct device {
	struct parley_config *cfg;
	const struct config_live *live; /* applies settings (config.h) */
	struct timers *timers;
	struct store *store;
};

/* The playback volume in percent. */
int device_volume(const struct device *d);
/* Sets it (clamped to 0..100); returns the new volume, or -1 with why. */
int device_set_volume(struct device *d, int percent, char *why, size_t len);
/* Starts a timer of ms, or an alarm at due_unix_ms; as timers_add. */
int device_start_timer(struct device *d, enum timer_kind kind,
		       const char *label, int64_t ms_or_due, char *why,
		       size_t len);
/* Stops whatever rings; 1 if something was ringing. */
int device_stop_ringing(struct device *d);
/* The local time now, through strftime's fmt. */
void device_local_time(const char *fmt, char *buf, size_t len);

#endif
