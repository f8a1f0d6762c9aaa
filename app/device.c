// SPDX-License-Identifier: MIT
/* The speaker's own actions (device.h). */
#include "device.h"

#include <stdio.h>
#include <time.h>

#include "log.h"

int device_volume(const struct device *d)
{
	return d->cfg->volume;
}

int device_set_volume(struct device *d, int percent, char *why, size_t len)
{
	char text[16];

	percent = percent < 0 ? 0 : percent > 100 ? 100 : percent;
	snprintf(text, sizeof(text), "%d", percent);
	if (config_set(d->cfg, "audio.volume", text, d->live, why, len))
		return -1;
	LOGN("device", "volume %d%%", percent);
	return percent;
}

int device_start_timer(struct device *d, enum timer_kind kind,
		       const char *label, int64_t ms_or_due, char *why,
		       size_t len)
{
	return timers_add(d->timers, kind, label, ms_or_due, why, len);
}

int device_stop_ringing(struct device *d)
{
	return timers_stop_ringing(d->timers);
}

void device_local_time(const char *fmt, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
#pragma GCC diagnostic push /* fmt comes from our own callers */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!strftime(buf, len, fmt, &tm) && len)
		buf[0] = '\0';
#pragma GCC diagnostic pop
}
