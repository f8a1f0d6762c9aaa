// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the Home Assistant satellite's handling of what arrives on
 * its connection (wyoming_stream.h has the input's layout and the
 * reader's checks).  Every event goes to satellite.c's handler (included,
 * to reach its state), connected to one end of a socket pair whose other
 * end is drained, with a turn and timers that check what they are told:
 * the answer's audio comes only between its start and its stop and only
 * in a run, texts stay within the event's data, a run that failed says
 * nothing more, Home Assistant's timers stay within their table with ids
 * of bounded length, and every local timer cancelled or rung is one that
 * was started and is still there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../app/satellite.c"
#include "wyoming_stream.h"

static struct parley_config cfg;
static struct satellite sat;
static int peer_fd = -1;
static int playing, failed, again;
static int64_t next_local;
static uint8_t live[4096]; /* local timers started and not yet gone */

static void check_text(const char *text)
{
	if (strlen(text) >= WY_DATA_MAX)
		abort();
}

static void on_voice_stopped(void *ctx)
{
	(void)ctx;
	if (sat.streaming || failed)
		abort();
}

static void on_transcript(void *ctx, const char *text)
{
	(void)ctx;
	if (failed || sat.streaming)
		abort();
	check_text(text);
}

static void on_synthesize(void *ctx, const char *text)
{
	(void)ctx;
	if (failed)
		abort();
	check_text(text);
}

static int on_audio_start(void *ctx, unsigned rate)
{
	(void)ctx;
	if (playing || failed || sat.streaming || rate < 8000 || rate > 96000)
		abort();
	playing = 1;
	return 0;
}

static int on_audio(void *ctx, const uint8_t *pcm, size_t len)
{
	(void)ctx;
	if (!playing || failed || !pcm || !len)
		abort();
	/* now and then the worker has no room: the piece waits */
	return again++ % 7 == 3 ? -EAGAIN : 0;
}

static void on_audio_stop(void *ctx)
{
	(void)ctx;
	if (!playing || failed)
		abort();
	playing = 0;
}

static void on_error(void *ctx, const char *text)
{
	(void)ctx;
	check_text(text);
	failed = 1;
}

static void on_fail(void *ctx, enum sat_fail kind, const char *why)
{
	(void)ctx;
	(void)kind;
	check_text(why);
	failed = 1;
}

static const struct satellite_events events = {
	.voice_stopped = on_voice_stopped,
	.transcript = on_transcript,
	.synthesize = on_synthesize,
	.audio_start = on_audio_start,
	.audio = on_audio,
	.audio_stop = on_audio_stop,
	.error = on_error,
	.fail = on_fail,
};

static int64_t tm_start(void *ctx, const char *name, long seconds)
{
	(void)ctx;
	if (strlen(name) >= PARLEY_TIMER_LABEL_MAX || seconds < 0)
		abort();
	if (next_local + 1 >= (int64_t)sizeof(live))
		return -1;
	live[++next_local] = 1;
	return next_local;
}

static void tm_gone(void *ctx, int64_t local)
{
	(void)ctx;
	if (local <= 0 || local > next_local || !live[local])
		abort();
	live[local] = 0;
}

static void drain(void)
{
	char buf[4096];

	while (read(peer_fd, buf, sizeof(buf)) > 0)
		;
}

static void offer(const struct wy_event *ev)
{
	satellite_on_event(&sat.w, ev, &sat);
	drain();
	if (sat.ntimers < 0 || sat.ntimers > SAT_TIMERS)
		abort();
	for (int i = 0; i < sat.ntimers; i++) {
		const struct sat_timer *t = &sat.timers[i];

		if (strlen(t->id) >= SAT_TIMER_ID_MAX || !t->id[0])
			abort();
		if (t->local > 0 && !live[t->local])
			abort();
		for (int j = 0; j < i; j++)
			if (!strcmp(sat.timers[j].id, t->id))
				abort();
	}
	if (!sat.run)
		playing = 0; /* over: a new run starts quiet */
}

/* A fresh connection, in the state data[2] chooses: paused or running,
 * idle, streaming or waiting for the answer. */
static void connect_fresh(uint8_t how)
{
	struct satellite_timer_ops tm = {
		.start = tm_start, .cancel = tm_gone, .ring = tm_gone,
	};
	int sv[2];

	if (sat.w.fd >= 0)
		wyoming_close(&sat.w);
	if (peer_fd >= 0)
		close(peer_fd);
	memset(&sat, 0, sizeof(sat));
	memset(live, 0, sizeof(live));
	next_local = 0;
	sat.cfg = &cfg;
	sat.tm = tm;
	sat.listen_fd = 0; /* enabled; nothing is accepted here */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		abort();
	peer_fd = sv[1];
	wyoming_adopt(&sat.w, sv[0], "fuzz", satellite_on_event, on_close, &sat);
	satellite_listen(&sat, &events, NULL);
	sat.running = how & 1;
	sat.run = !!(how & 2);
	sat.streaming = sat.run && (how & 4);
	playing = failed = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	json_arena_install();
	if (!cfg.satellite_name[0]) {
		loop_init();
		snprintf(cfg.satellite_name, sizeof(cfg.satellite_name), "fuzz");
		cfg.playback_rate = 48000;
		sat.w.fd = -1;
	}
	connect_fresh(data[2]);
	fuzz_wyoming_stream(data, size, offer);
	return 0;
}
