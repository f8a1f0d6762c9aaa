// SPDX-License-Identifier: MIT
/*
 * Audio engine thread.  See audio_engine.h for the contract.  Device errors
 * are handled by type: the backend's recover() fixes xruns and suspends
 * (counted in xruns); anything else closes the devices and reopens them with
 * a backoff from 100 ms to 2 s, logged once per outage (counted in reopens).
 */
#include "audio_engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_MIN_MS 100
#define REOPEN_MAX_MS 2000

__attribute__((format(printf, 3, 4))) static void emsg(struct audio_engine *e,
						      int level,
						      const char *fmt, ...)
{
	struct engine_msg m;
	va_list ap;

	m.level = level;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	ring_push(&e->msg_ring, &m, 1); /* dropped if the ring is full */
}

int engine_init(struct audio_engine *e, const struct audio_ops *ops,
		const struct audio_params *p, const struct vad_config *vad)
{
	int r;

	e->ops = ops;
	e->params = *p;
	snprintf(e->capture_device, sizeof(e->capture_device), "%s",
		 p->capture_device);
	snprintf(e->playback_device, sizeof(e->playback_device), "%s",
		 p->playback_device);
	e->params.capture_device = e->capture_device;
	e->params.playback_device = e->playback_device;
	e->vad_cfg = *vad;
	e->dev = NULL;
	atomic_store(&e->run, 0);
	r = ring_init(&e->cap_ring, e->cap_buf, sizeof(e->cap_buf[0]),
		      PARLEY_CAP_RING_FRAMES);
	if (!r)
		r = ring_init(&e->msg_ring, e->msg_buf, sizeof(e->msg_buf[0]),
			      ENGINE_MSG_RING);
	if (!r)
		r = ring_init(&e->play_ring, e->play_buf,
			      sizeof(e->play_buf[0]),
			      PARLEY_PLAY_RING_SAMPLES);
	if (r)
		return r;
	atomic_store(&e->flush_gen, 0);
	atomic_store(&e->producer_ack, 0);
	atomic_store(&e->flush_seen, 0);
	atomic_store(&e->frames, 0);
	atomic_store(&e->played_samples, 0);
	atomic_store(&e->xruns, 0);
	atomic_store(&e->reopens, 0);
	atomic_store(&e->dropped_frames, 0);
	atomic_store(&e->dsp_ns, 0);
	atomic_store(&e->dsp_ns_max, 0);
	engine_set_volume(e, 100);
	e->gain_now = GAIN_UNITY;
	hpf_init(&e->hpf);
	vad_init(&e->vad, &e->vad_cfg);
	e->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return e->event_fd < 0 ? -errno : 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Closes and reopens the devices until they come back or we are stopped. */
static void reopen(struct audio_engine *e, int err)
{
	char why[ENGINE_MSG_MAX];
	int wait = REOPEN_MIN_MS, logged = 0;

	e->ops->close(e->dev);
	e->dev = NULL;
	while (atomic_load_explicit(&e->run, memory_order_relaxed)) {
		int r = e->ops->open(&e->dev, &e->params, why, sizeof(why));

		if (r == 0) {
			atomic_fetch_add(&e->reopens, 1);
			emsg(e, LOG_NOTICE, "audio devices reopened");
			return;
		}
		if (!logged) {
			emsg(e, LOG_ERR, "audio device lost (%s); reopening: %s",
			     strerror(-err), why);
			logged = 1;
		}
		sleep_ms(wait);
		wait = wait * 2 > REOPEN_MAX_MS ? REOPEN_MAX_MS : wait * 2;
	}
}

/* Drops queued playback while a flush is under way. */
static void handle_flush(struct audio_engine *e)
{
	uint32_t ack = atomic_load_explicit(&e->producer_ack,
					    memory_order_acquire);
	uint32_t gen = atomic_load_explicit(&e->flush_gen,
					    memory_order_acquire);

	if (gen == atomic_load_explicit(&e->flush_seen, memory_order_relaxed))
		return;
	ring_discard(&e->play_ring);
	if (ack == gen)
		atomic_store_explicit(&e->flush_seen, gen,
				      memory_order_release);
}

static int period(struct audio_engine *e, int16_t *play, unsigned play_n)
{
	struct cap_frame f;
	struct timespec t0, t1;
	uint32_t got, ns;
	uint64_t one = 1;
	int r;

	r = e->ops->read(e->dev, f.pcm, PARLEY_FRAME);
	if (r < 0) {
		if (e->ops->recover(e->dev, 0, r) < 0)
			return r;
		atomic_fetch_add(&e->xruns, 1);
		return 0;
	}
	handle_flush(e);
	got = ring_pop(&e->play_ring, play, play_n);
	if (got < play_n)
		memset(play + got, 0, (play_n - got) * sizeof(*play));
	{
		int32_t g = atomic_load_explicit(&e->gain_q15,
						 memory_order_relaxed);

		gain_apply_ramp(play, (int)play_n, e->gain_now, g);
		e->gain_now = g;
	}
	r = e->ops->write(e->dev, play, play_n);
	if (r < 0) {
		if (e->ops->recover(e->dev, 1, r) < 0)
			return r;
		atomic_fetch_add(&e->xruns, 1);
	}
	atomic_fetch_add_explicit(&e->played_samples, got,
				  memory_order_relaxed);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	hpf_process(&e->hpf, f.pcm, PARLEY_FRAME);
	vad_process(&e->vad, f.pcm, PARLEY_FRAME, &f.vad);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000000L +
			(t1.tv_nsec - t0.tv_nsec));
	atomic_fetch_add_explicit(&e->dsp_ns, ns, memory_order_relaxed);
	if (ns > atomic_load_explicit(&e->dsp_ns_max, memory_order_relaxed))
		atomic_store_explicit(&e->dsp_ns_max, ns, memory_order_relaxed);
	f.index = atomic_fetch_add_explicit(&e->frames, 1,
					    memory_order_relaxed);
	f.played = got;
	if (ring_push(&e->cap_ring, &f, 1) != 1)
		atomic_fetch_add(&e->dropped_frames, 1);
	if (write(e->event_fd, &one, sizeof(one)) < 0) {
		/* the counter only saturates if the loop is gone; nothing to do */
	}
	return 0;
}

static void *engine_thread(void *arg)
{
	struct audio_engine *e = arg;
	int16_t play[PARLEY_PLAY_PERIOD_MAX];
	unsigned play_n = e->params.playback_rate / 100;

	/* the name shows in top -H, and the zero-allocation test counts
	 * this thread's heap calls by it */
	pthread_setname_np(pthread_self(), "parley-audio");
	while (atomic_load_explicit(&e->run, memory_order_relaxed)) {
		int r = period(e, play, play_n);

		if (r < 0)
			reopen(e, r);
	}
	return NULL;
}

int engine_start(struct audio_engine *e, char *err, size_t errlen)
{
	int r;

	if (e->params.playback_rate / 100 > PARLEY_PLAY_PERIOD_MAX ||
	    e->params.playback_rate % 100) {
		snprintf(err, errlen, "playback rate %u Hz is not supported",
			 e->params.playback_rate);
		return -EINVAL;
	}
	r = e->ops->open(&e->dev, &e->params, err, errlen);
	if (r < 0)
		return r;
	atomic_store(&e->run, 1);
	r = pthread_create(&e->thread, NULL, engine_thread, e);
	if (r) {
		atomic_store(&e->run, 0);
		e->ops->close(e->dev);
		e->dev = NULL;
		snprintf(err, errlen, "cannot start the audio thread: %s",
			 strerror(r));
		return -r;
	}
	return 0;
}

void engine_stop(struct audio_engine *e)
{
	if (atomic_exchange(&e->run, 0)) {
		pthread_join(e->thread, NULL);
		e->ops->close(e->dev);
		e->dev = NULL;
	}
	if (e->event_fd >= 0)
		close(e->event_fd);
	e->event_fd = -1;
}

void engine_flush_playback(struct audio_engine *e)
{
	atomic_fetch_add_explicit(&e->flush_gen, 1, memory_order_release);
}

int engine_flush_pending(struct audio_engine *e, uint32_t *gen)
{
	*gen = atomic_load_explicit(&e->flush_gen, memory_order_acquire);
	return *gen != atomic_load_explicit(&e->producer_ack,
					    memory_order_relaxed);
}

int engine_flush_ack(struct audio_engine *e, uint32_t gen)
{
	atomic_store_explicit(&e->producer_ack, gen, memory_order_release);
	for (int i = 0; i < 1000; i++) {
		if (atomic_load_explicit(&e->flush_seen, memory_order_acquire) ==
			    gen ||
		    !atomic_load_explicit(&e->run, memory_order_relaxed))
			return 0;
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

uint32_t engine_play_queued(struct audio_engine *e)
{
	return ring_count(&e->play_ring);
}

void engine_set_volume(struct audio_engine *e, int percent)
{
	if (percent < 0)
		percent = 0;
	if (percent > 100)
		percent = 100;
	atomic_store(&e->volume, percent);
	atomic_store(&e->gain_q15, gain_from_percent(percent));
}

int engine_volume(const struct audio_engine *e)
{
	return atomic_load((_Atomic int *)&e->volume);
}
