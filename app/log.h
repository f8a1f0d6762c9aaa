/* SPDX-License-Identifier: MIT */
/*
 * Levelled logging to stderr (foreground) or syslog.  Transcripts, prompts
 * and keys are logged at LOG_DEBUG only.
 */
#ifndef PARLEY_APP_LOG_H
#define PARLEY_APP_LOG_H

#include <syslog.h>

void log_open(int foreground, int level);
void log_set_level(int level);
int log_get_level(void);
/* Parses "error", "warning", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(int level);
void log_msg(int level, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The in-memory ring of recent messages, for the console's "log". */
#define LOG_RING_LINES 128
#define LOG_RING_WIDTH 200
/* Calls cb for each kept line, oldest first; returns how many. */
int log_ring_walk(void (*cb)(const char *line, void *ctx), void *ctx);

#define LOGE(sub, ...) log_msg(LOG_ERR, sub, __VA_ARGS__)
#define LOGW(sub, ...) log_msg(LOG_WARNING, sub, __VA_ARGS__)
#define LOGN(sub, ...) log_msg(LOG_NOTICE, sub, __VA_ARGS__)
#define LOGI(sub, ...) log_msg(LOG_INFO, sub, __VA_ARGS__)
#define LOGD(sub, ...) log_msg(LOG_DEBUG, sub, __VA_ARGS__)

#endif
