/* SPDX-License-Identifier: MIT */
/*
 * systemd's notify protocol, written here rather than linked: READY=1,
 * STATUS=..., STOPPING=1 and WATCHDOG=1 datagrams to $NOTIFY_SOCKET.  The
 * watchdog is only fed while the audio thread is still moving frames, so
 * a wedged audio path gets the service restarted.
 */
#ifndef PARLEY_APP_NOTIFY_H
#define PARLEY_APP_NOTIFY_H

struct audio_engine;

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC; harmless when they are unset.
 * The watchdog is fed while eng's frame count moves. */
void notify_init(struct audio_engine *eng);
void notify_send(const char *msg);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notify_close(void);

#endif
