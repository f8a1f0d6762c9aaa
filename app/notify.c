// SPDX-License-Identifier: MIT
/*
 * sd_notify without libsystemd: one AF_UNIX datagram per message.  An
 * address starting with '@' is in the abstract namespace.  The watchdog
 * timer runs at half of WATCHDOG_USEC and pings only if the audio engine's
 * frame counter moved since the last ping.
 */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "../hal/audio_engine.h"

static int fd = -1;
static struct sockaddr_un addr;
static socklen_t addr_len;
static uint64_t interval_ms;
static uint64_t last_frames;
static int timer;

void notify_send(const char *msg)
{
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
		   (struct sockaddr *)&addr, addr_len) < 0)
		LOGW("notify", "cannot notify the service manager: %s",
		     strerror(errno));
}

void notify_status(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "STATUS=");

	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	notify_send(buf);
}

static void watchdog(void *ctx)
{
	struct audio_engine *eng = ctx;
	uint64_t frames = engine_frames(eng);

	if (frames != last_frames)
		notify_send("WATCHDOG=1");
	else
		LOGW("notify", "audio thread stalled at frame %llu; watchdog not fed",
		     (unsigned long long)frames);
	last_frames = frames;
	timer = loop_timeout(interval_ms, watchdog, eng);
}

void notify_init(struct audio_engine *eng)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");

	if (!path || !path[0])
		return;
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(addr.sun_path)) {
		LOGW("notify", "NOTIFY_SOCKET '%s' is not a usable socket path",
		     path);
		return;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path));
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			       strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		LOGW("notify", "socket: %s", strerror(errno));
		return;
	}
	if (wd && (!pid || (pid_t)atol(pid) == getpid())) {
		uint64_t usec = strtoull(wd, NULL, 10);

		if (usec >= 2000) {
			interval_ms = usec / 2000;
			last_frames = (uint64_t)-1;
			timer = loop_timeout(interval_ms, watchdog, eng);
			LOGI("notify", "watchdog every %llu ms",
			     (unsigned long long)interval_ms);
		}
	}
}

void notify_close(void)
{
	loop_cancel(timer);
	timer = 0;
	if (fd >= 0)
		close(fd);
	fd = -1;
}
