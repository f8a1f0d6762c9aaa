// SPDX-License-Identifier: MIT
/* Logging: one line per message, "subsystem: text". */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_fg = 1;
static int log_level = LOG_INFO;
/* the ring; the synth worker may log too, so it is guarded (never the
 * audio thread, whose messages come through the engine's own ring) */
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[LOG_RING_LINES][LOG_RING_WIDTH];
static unsigned ring_next;

static const char *const names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_open(int foreground, int level)
{
	log_fg = foreground;
	log_level = level;
	if (!foreground)
		openlog("parleyd", LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *log_level_name(int level)
{
	if (level < 0 || level > LOG_DEBUG)
		return "?";
	return names[level];
}

void log_msg(int level, const char *sub, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > log_level)
		return;
	struct timespec ts;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&ring_lock);
	snprintf(ring[ring_next % LOG_RING_LINES], LOG_RING_WIDTH,
		 "%lld.%03ld %s: %.16s: %.150s", (long long)ts.tv_sec,
		 ts.tv_nsec / 1000000, names[level], sub, buf);
	ring_next++;
	pthread_mutex_unlock(&ring_lock);
	if (log_fg) {
		fprintf(stderr, "%5lld.%03ld %s: %s: %s\n",
			(long long)ts.tv_sec, ts.tv_nsec / 1000000,
			names[level], sub, buf);
	} else {
		syslog(level, "%s: %s", sub, buf);
	}
}

int log_ring_walk(void (*cb)(const char *line, void *ctx), void *ctx)
{
	unsigned first = ring_next > LOG_RING_LINES ? ring_next - LOG_RING_LINES :
						      0;

	char line[LOG_RING_WIDTH];
	unsigned last;

	pthread_mutex_lock(&ring_lock);
	last = ring_next;
	pthread_mutex_unlock(&ring_lock);
	for (unsigned i = first; i < last; i++) {
		pthread_mutex_lock(&ring_lock);
		memcpy(line, ring[i % LOG_RING_LINES], sizeof(line));
		pthread_mutex_unlock(&ring_lock);
		cb(line, ctx);
	}
	return (int)(last - first);
}
