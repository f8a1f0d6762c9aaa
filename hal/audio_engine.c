// SPDX-License-Identifier: MIT
/*
 * Audio engine thread.  See audio_engine.h for the contract.  Device errors
 * are handled by type: the backend's recover() fixes xruns and suspends
 * (counted in xruns); anything else closes the devices and reopens them with
 * a backoff from 100 ms to 2 s, logged once per outage (counted in reopens).
 */
#include "audio_engine.h"

#include "../dsp/level.h"

#include "../dsp/mix.h"

#include <errno.h>
#include <sched.h>
#include <speex/speex_resampler.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define REOPEN_MIN_MS 100
#define REOPEN_MAX_MS 2000
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 3, 4))) static void emsg(struct audio_engine *e,
						      int level,
						      const char *fmt, ...)
{
	struct engine_msg m;
	uint64_t one = 1;
	va_list ap;

	m.level = level;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	ring_push(&e->msg_ring, &m, 1); /* dropped if the ring is full */
	/* wakes the control thread now: while the devices are gone no frame
	 * does it */
	if (e->event_fd >= 0 && write(e->event_fd, &one, sizeof(one)) < 0) {
		/* saturated only if the loop is gone */
	}
}

int engine_init(struct audio_engine *e, const struct audio_ops *ops,
		const struct audio_params *p, const struct chain_config *cc,
		const struct engine_options *opt, char *err, size_t errlen)
{
	int r;

	e->event_fd = -1;
	e->mixer = NULL;
	memset(&e->chain, 0, sizeof(e->chain));

	e->ops = ops;
	e->params = *p;
	snprintf(e->capture_device, sizeof(e->capture_device), "%s",
		 p->capture_device);
	snprintf(e->playback_device, sizeof(e->playback_device), "%s",
		 p->playback_device);
	e->params.capture_device = e->capture_device;
	e->params.playback_device = e->playback_device;
	e->chain_cfg = *cc;
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
	if (r) {
		snprintf(err, errlen, "the engine's rings cannot be set up");
		return r;
	}
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
	atomic_store(&e->suspends, 0);
	atomic_store(&e->resumes, 0);
	atomic_store(&e->play_delay, 0);
	atomic_store(&e->play_buffer, 0);
	atomic_store(&e->cap_buffer, 0);
	atomic_store(&e->ref_delay, 0);
	atomic_store(&e->drift_ppm, 0);
	atomic_store(&e->drift_inserted, 0);
	atomic_store(&e->drift_dropped, 0);
	atomic_store(&e->earcons, 0);
	atomic_store(&e->earcon_req, 0);
	atomic_store(&e->earcons_on, !!opt->earcons);
	atomic_store(&e->earcon_id, 0);
	e->earcon_seen = 0;
	earcon_init(&e->earcon);
	e->capture_channel = opt->capture_channel;
	e->rt_priority = opt->rt_priority;
	e->mlock = opt->mlock;
	e->drift_correction = opt->drift_correction;
	e->cap_rs = e->ref_rs = NULL;
	e->cap_latency = e->ref_latency = 0;
	e->cap16_n = 0;
	e->ref_w = 0;
	memset(e->ref_line, 0, sizeof(e->ref_line));
	for (int i = 0; i < ENGINE_MIC_HIST; i++)
		e->mic_hist[i] = LEVEL_FLOOR_Q8;
	engine_set_volume(e, opt->volume);
	e->gain_now = atomic_load(&e->gain_q15);
	e->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->event_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return r;
	}
	/* the chain's speexdsp states are allocated here, before the thread */
	r = chain_init(&e->chain, &e->chain_cfg, err, errlen);
	if (r) {
		chain_free(&e->chain);
		close(e->event_fd);
		e->event_fd = -1;
	}
	return r;
}

int engine_open_mixer(struct audio_engine *e, const char *control, char *err,
		      size_t errlen)
{
	struct audio_mixer *m = audio_mixer_open(control, err, errlen);

	if (!m)
		return -ENODEV;
	audio_mixer_close(e->mixer);
	e->mixer = m;
	engine_set_volume(e, engine_volume(e)); /* onto the control */
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Records the buffers the driver granted; says so if playback's is big. */
static void note_buffers(struct audio_engine *e)
{
	const struct audio_params *p = &e->params;
	unsigned period = p->playback_rate / 100;
	unsigned pb = p->playback_periods * period;
	unsigned cb = p->buffer_periods * (p->capture_rate / 100);

	if (e->ops->buffer) {
		pb = e->ops->buffer(e->dev, 1);
		cb = e->ops->buffer(e->dev, 0);
	}
	atomic_store(&e->play_buffer, pb);
	atomic_store(&e->cap_buffer, cb);
	if (pb > PARLEY_PLAY_PERIODS_MAX * period)
		emsg(e, LOG_WARNING,
		     "playback device '%s' keeps a buffer of %u frames (%u ms), more than audio.playback_periods asked; barge-in is slower by the difference",
		     e->playback_device, pb, pb * 1000 / p->playback_rate);
}

/*
 * Closes and reopens the devices until they come back or we are stopped
 * (e->dev is NULL then).  Runs in the device thread.
 */
static void reopen(struct audio_engine *e, int err)
{
	char why[ENGINE_MSG_MAX];
	int wait = REOPEN_MIN_MS, logged = 0;

	e->ops->close(e->dev);
	e->dev = NULL;
	while (atomic_load_explicit(&e->run, memory_order_relaxed)) {
		int r = e->ops->open(&e->dev, &e->params, why, sizeof(why));

		if (r == 0) {
			note_buffers(e);
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

/* Handles a device error by type; 0 if the stream runs again. */
static int recover(struct audio_engine *e, int playback, int err)
{
	if (err == -ESTRPIPE)
		atomic_fetch_add(&e->suspends, 1);
	if (e->ops->recover(e->dev, playback, err) < 0)
		return err;
	if (err == -ESTRPIPE)
		atomic_fetch_add(&e->resumes, 1);
	else
		atomic_fetch_add(&e->xruns, 1);
	drift_reset(&e->drift);
	return 0;
}

static long dev_delay(struct audio_engine *e, int playback)
{
	long d = 0;

	if (e->ops->delay && e->ops->delay(e->dev, playback, &d) < 0)
		d = 0;
	return d < 0 ? 0 : d;
}

/* Appends n reference samples (16 kHz) to the delay line. */
static void ref_push(struct audio_engine *e, const int16_t *x, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		e->ref_line[(e->ref_w + i) & (ENGINE_REF_LINE - 1)] = x[i];
	e->ref_w += n;
}

/* The 160 reference samples that end at line position end. */
static void ref_get(const struct audio_engine *e, int64_t end, int16_t *out)
{
	int64_t first = end - PARLEY_FRAME;

	if (end > (int64_t)e->ref_w) /* never ahead of what was written */
		first = (int64_t)e->ref_w - PARLEY_FRAME;
	for (int i = 0; i < PARLEY_FRAME; i++) {
		int64_t k = first + i;

		out[i] = k < 0 || (int64_t)e->ref_w - k > ENGINE_REF_LINE ?
				 0 :
				 e->ref_line[k & (ENGINE_REF_LINE - 1)];
	}
}

/* Runs the DSP chain over one 16 kHz frame and queues it. */
static void process_frame(struct audio_engine *e, const int16_t *pcm,
			  int64_t ref_end, uint32_t played)
{
	struct cap_frame f;
	struct timespec t0, t1;
	uint64_t one = 1;
	uint32_t ns;

	memcpy(f.pcm, pcm, sizeof(f.pcm));
	ref_get(e, ref_end, f.ref);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* f.ref is the echo reference aligned with f.pcm: what the
	 * loudspeaker emitted while f.pcm was recorded */
	{
		uint64_t k = atomic_load_explicit(&e->frames,
						  memory_order_relaxed);
		int d = chain_delay(&e->chain) / PARLEY_FRAME;
		int32_t a, b;

		e->mic_hist[k % ENGINE_MIC_HIST] =
			level_dbfs_q8(f.pcm, PARLEY_FRAME);
		/* the delay falls between two frames: the louder of both */
		a = e->mic_hist[(k + ENGINE_MIC_HIST - (uint64_t)d) %
				ENGINE_MIC_HIST];
		b = e->mic_hist[(k + ENGINE_MIC_HIST - (uint64_t)d - 1) %
				ENGINE_MIC_HIST];
		f.mic_in_q8 = a > b ? a : b;
	}
	chain_process(&e->chain, f.pcm, f.ref, &f.vad);
	atomic_store_explicit(&e->erle_q8, chain_erle_q8(&e->chain),
			      memory_order_relaxed);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000000L +
			(t1.tv_nsec - t0.tv_nsec));
	atomic_fetch_add_explicit(&e->dsp_ns, ns, memory_order_relaxed);
	if (ns > atomic_load_explicit(&e->dsp_ns_max, memory_order_relaxed))
		atomic_store_explicit(&e->dsp_ns_max, ns, memory_order_relaxed);
	f.index = atomic_fetch_add_explicit(&e->frames, 1,
					    memory_order_relaxed);
	f.played = played;
	if (ring_push(&e->cap_ring, &f, 1) != 1)
		atomic_fetch_add(&e->dropped_frames, 1);
	if (write(e->event_fd, &one, sizeof(one)) < 0) {
		/* the counter only saturates if the loop is gone; nothing to do */
	}
}

/* Capture: one period in, picked or mixed to mono, at 16 kHz in cap16. */
static int capture(struct audio_engine *e, unsigned cap_n)
{
	unsigned ch = e->params.capture_channels;
	int r = e->ops->read(e->dev, e->cap_raw, cap_n);

	if (r < 0)
		return r;
	mix_to_mono(e->cap_raw, (int)cap_n, (int)ch, e->capture_channel,
		    e->cap_raw);
	if (e->cap_rs) {
		spx_uint32_t in_len = cap_n;
		spx_uint32_t out_len = (spx_uint32_t)(ARRAY_SIZE(e->cap16) -
						      e->cap16_n);

		speex_resampler_process_int(e->cap_rs, 0, e->cap_raw, &in_len,
					    e->cap16 + e->cap16_n, &out_len);
		e->cap16_n += out_len;
	} else {
		unsigned n = cap_n;

		if (n > ARRAY_SIZE(e->cap16) - e->cap16_n)
			n = (unsigned)ARRAY_SIZE(e->cap16) - e->cap16_n;
		memcpy(e->cap16 + e->cap16_n, e->cap_raw, n * sizeof(int16_t));
		e->cap16_n += n;
	}
	return 0;
}

/* Playback: one period out; returns frames written or a negative errno. */
static int playback(struct audio_engine *e, unsigned play_n, uint32_t *got)
{
	uint32_t req = atomic_load_explicit(&e->earcon_req,
					    memory_order_acquire);
	int32_t g = atomic_load_explicit(&e->gain_q15, memory_order_relaxed);
	long delay;
	int k = 0, m, r;

	handle_flush(e);
	*got = ring_pop(&e->play_ring, e->play_in, play_n);
	if (*got < play_n)
		memset(e->play_in + *got, 0, (play_n - *got) * sizeof(int16_t));
	if (req != e->earcon_seen) {
		e->earcon_seen = req;
		if (!earcon_start(&e->earcon, atomic_load(&e->earcon_id),
				  e->params.playback_rate))
			atomic_fetch_add(&e->earcons, 1);
	}
	earcon_mix(&e->earcon, e->play_in, (int)play_n);
	gain_apply_ramp(e->play_in, (int)play_n, e->gain_now, g);
	e->gain_now = g;
	delay = dev_delay(e, 1);
	atomic_store_explicit(&e->play_delay, (int32_t)delay,
			      memory_order_relaxed);
	if (e->drift_correction)
		k = drift_update(&e->drift, (int32_t)delay);
	m = drift_stretch(e->play_in, (int)play_n, k, e->play_out);
	r = e->ops->write(e->dev, e->play_out, (unsigned)m);
	return r < 0 ? r : m;
}

static int period(struct audio_engine *e)
{
	unsigned cap_n = e->params.capture_rate / 100;
	unsigned play_n = e->params.playback_rate / 100;
	unsigned rate = e->params.playback_rate;
	long cap_delay, play_delay;
	int64_t end;
	uint32_t got = 0;
	int r, m;

	r = capture(e, cap_n);
	if (r < 0)
		return recover(e, 0, r);
	cap_delay = dev_delay(e, 0) * PARLEY_RATE /
		    (long)e->params.capture_rate;
	m = playback(e, play_n, &got);
	play_delay = atomic_load_explicit(&e->play_delay,
					  memory_order_relaxed);
	if (m < 0) {
		r = recover(e, 1, m);
		if (r < 0)
			return r;
		m = 0;
	}
	atomic_fetch_add_explicit(&e->played_samples, got,
				  memory_order_relaxed);
	atomic_store_explicit(&e->drift_ppm, drift_ppm(&e->drift),
			      memory_order_relaxed);
	atomic_store_explicit(&e->drift_inserted, (uint32_t)e->drift.inserted,
			      memory_order_relaxed);
	atomic_store_explicit(&e->drift_dropped, (uint32_t)e->drift.dropped,
			      memory_order_relaxed);

	/*
	 * The echo reference.  Before this period's write the loudspeaker was
	 * play_delay frames behind the writes, so it was emitting reference
	 * position ref_w - play_delay (at 16 kHz) plus the reference
	 * resampler's own delay.  The newest capture sample was recorded
	 * cap_delay samples ago, and the capture resampler delays it further;
	 * each frame still queued after a frame makes that frame older.
	 */
	end = (int64_t)e->ref_w + e->ref_latency -
	      (int64_t)play_delay * PARLEY_RATE / rate - cap_delay -
	      e->cap_latency;
	atomic_store_explicit(&e->ref_delay, (int32_t)((int64_t)e->ref_w - end),
			      memory_order_relaxed);
	if (m > 0) {
		if (e->ref_rs) {
			spx_uint32_t in_len = (spx_uint32_t)m;
			spx_uint32_t out_len = ARRAY_SIZE(e->ref_tmp);

			speex_resampler_process_int(e->ref_rs, 0, e->play_out,
						    &in_len, e->ref_tmp,
						    &out_len);
			ref_push(e, e->ref_tmp, out_len);
		} else {
			ref_push(e, e->play_out, (unsigned)m);
		}
	}
	while (e->cap16_n >= PARLEY_FRAME) {
		unsigned left = e->cap16_n - PARLEY_FRAME;

		process_frame(e, e->cap16, end - left, got);
		got = 0;
		memmove(e->cap16, e->cap16 + PARLEY_FRAME,
			left * sizeof(int16_t));
		e->cap16_n = left;
	}
	return 0;
}

static void rt_setup(struct audio_engine *e)
{
	struct sched_param sp = { .sched_priority = e->rt_priority };
	int r;

	if (e->rt_priority <= 0)
		return;
	r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (r)
		emsg(e, LOG_WARNING,
		     "audio.rt_priority %d: SCHED_FIFO refused (%s); the audio thread runs at normal priority",
		     e->rt_priority, strerror(r));
	else
		emsg(e, LOG_INFO, "audio thread at SCHED_FIFO priority %d",
		     e->rt_priority);
}

static void sem_wait_all(sem_t *s)
{
	while (sem_wait(s) && errno == EINTR)
		;
}

/*
 * The device thread: sleeps until the audio thread asks for a reopen, does
 * it (alsa-lib allocates on close and open), and wakes the audio thread.
 * Ends when the engine stops; its last post frees an audio thread that
 * asked too late.
 */
static void *devices_thread(void *arg)
{
	struct audio_engine *e = arg;

	pthread_setname_np(pthread_self(), "parley-devices");
	for (;;) {
		sem_wait_all(&e->reopen_req);
		if (!atomic_load(&e->run))
			break;
		reopen(e, e->reopen_err);
		sem_post(&e->reopen_done);
	}
	sem_post(&e->reopen_done);
	return NULL;
}

static void *engine_thread(void *arg)
{
	struct audio_engine *e = arg;

	/* the name shows in top -H, and the zero-allocation test counts
	 * this thread's heap calls by it */
	pthread_setname_np(pthread_self(), "parley-audio");
	rt_setup(e);
	while (atomic_load_explicit(&e->run, memory_order_relaxed)) {
		int r = period(e);

		if (r < 0) {
			/* the device thread reopens; nothing to play or
			 * capture meanwhile */
			e->reopen_err = r;
			sem_post(&e->reopen_req);
			sem_wait_all(&e->reopen_done);
			if (!e->dev)
				break; /* stopped while the devices were gone */
			drift_reset(&e->drift);
			e->cap16_n = 0;
			if (e->cap_rs)
				speex_resampler_reset_mem(e->cap_rs);
		}
	}
	return NULL;
}

static void *make_resampler(unsigned from, unsigned to, int *latency,
			    char *err, size_t errlen)
{
	SpeexResamplerState *rs;
	int r = 0;

	*latency = 0;
	if (from == to)
		return NULL;
	rs = speex_resampler_init(1, from, to, SPEEX_RESAMPLER_QUALITY_VOIP,
				  &r);
	if (!rs) {
		snprintf(err, errlen, "cannot resample %u Hz to %u Hz: %s", from,
			 to, speex_resampler_strerror(r));
		return NULL;
	}
	speex_resampler_skip_zeros(rs);
	*latency = speex_resampler_get_output_latency(rs);
	return rs;
}

static void free_resamplers(struct audio_engine *e)
{
	if (e->cap_rs)
		speex_resampler_destroy(e->cap_rs);
	if (e->ref_rs)
		speex_resampler_destroy(e->ref_rs);
	e->cap_rs = e->ref_rs = NULL;
}

int engine_start(struct audio_engine *e, char *err, size_t errlen)
{
	const struct audio_params *p = &e->params;
	int r;

	if (p->playback_rate / 100 > PARLEY_PLAY_PERIOD_MAX ||
	    p->playback_rate < PARLEY_PLAY_RATE_MIN ||
	    p->playback_rate % 100) {
		snprintf(err, errlen, "playback rate %u Hz is not supported",
			 p->playback_rate);
		return -EINVAL;
	}
	if (p->capture_rate / 100 > PARLEY_CAP_PERIOD_MAX ||
	    p->capture_rate < PARLEY_CAP_RATE_MIN || p->capture_rate % 100) {
		snprintf(err, errlen, "capture rate %u Hz is not supported",
			 p->capture_rate);
		return -EINVAL;
	}
	if (p->capture_channels < 1 ||
	    p->capture_channels > PARLEY_CAP_CHANNELS_MAX ||
	    e->capture_channel >= (int)p->capture_channels ||
	    e->capture_channel < -1) {
		snprintf(err, errlen,
			 "audio.capture_channel %d: the capture device has %u channel%s (0..%u, or -1 to mix)",
			 e->capture_channel, p->capture_channels,
			 p->capture_channels == 1 ? "" : "s",
			 p->capture_channels - 1);
		return -EINVAL;
	}
	if (p->playback_periods < 2 ||
	    p->playback_periods > PARLEY_PLAY_PERIODS_MAX) {
		snprintf(err, errlen, "audio.playback_periods %u: from 2 to %d",
			 p->playback_periods, PARLEY_PLAY_PERIODS_MAX);
		return -EINVAL;
	}
	e->cap_rs = make_resampler(p->capture_rate, PARLEY_RATE,
				   &e->cap_latency, err, errlen);
	if (!e->cap_rs && p->capture_rate != PARLEY_RATE)
		return -EINVAL;
	e->ref_rs = make_resampler(p->playback_rate, PARLEY_RATE,
				   &e->ref_latency, err, errlen);
	if (!e->ref_rs && p->playback_rate != PARLEY_RATE) {
		free_resamplers(e);
		return -EINVAL;
	}
	drift_init(&e->drift, (int)(p->playback_rate / 100), 100);
	if (e->mlock && mlockall(MCL_CURRENT | MCL_FUTURE))
		emsg(e, LOG_WARNING,
		     "audio.mlock: mlockall refused (%s); memory may page",
		     strerror(errno));
	r = e->ops->open(&e->dev, p, err, errlen);
	if (r < 0) {
		free_resamplers(e);
		return r;
	}
	note_buffers(e);
	atomic_store(&e->run, 1);
	sem_init(&e->reopen_req, 0, 0);
	sem_init(&e->reopen_done, 0, 0);
	r = pthread_create(&e->devices, NULL, devices_thread, e);
	if (!r) {
		r = pthread_create(&e->thread, NULL, engine_thread, e);
		if (r) {
			atomic_store(&e->run, 0);
			sem_post(&e->reopen_req);
			pthread_join(e->devices, NULL);
		}
	}
	if (r) {
		atomic_store(&e->run, 0);
		sem_destroy(&e->reopen_req);
		sem_destroy(&e->reopen_done);
		e->ops->close(e->dev);
		e->dev = NULL;
		free_resamplers(e);
		snprintf(err, errlen, "cannot start the audio thread: %s",
			 strerror(r));
		return -r;
	}
	return 0;
}

void engine_stop(struct audio_engine *e)
{
	if (atomic_exchange(&e->run, 0)) {
		/* wakes the device thread if it sleeps; a reopen under way
		 * sees run at 0 and gives up */
		sem_post(&e->reopen_req);
		pthread_join(e->devices, NULL);
		pthread_join(e->thread, NULL);
		sem_destroy(&e->reopen_req);
		sem_destroy(&e->reopen_done);
		e->ops->close(e->dev);
		e->dev = NULL;
		free_resamplers(e);
	}
	if (e->event_fd >= 0)
		close(e->event_fd);
	e->event_fd = -1;
	audio_mixer_close(e->mixer);
	e->mixer = NULL;
	chain_free(&e->chain);
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
	if (e->mixer && audio_mixer_set(e->mixer, percent) == 0) {
		atomic_store(&e->gain_q15, GAIN_UNITY);
		return;
	}
	atomic_store(&e->gain_q15, gain_from_percent(percent));
}

int engine_volume(const struct audio_engine *e)
{
	return atomic_load((_Atomic int *)&e->volume);
}

void engine_earcon(struct audio_engine *e, int id)
{
	if (!atomic_load_explicit(&e->earcons_on, memory_order_relaxed))
		return;
	atomic_store_explicit(&e->earcon_id, id, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->earcon_req, 1, memory_order_release);
}

int engine_event_fd(const struct audio_engine *e)
{
	return e->event_fd;
}

int engine_event_clear(struct audio_engine *e)
{
	uint64_t v;

	/* EAGAIN: nothing was pending, which is fine */
	if (read(e->event_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int engine_pop_frame(struct audio_engine *e, struct cap_frame *f)
{
	return ring_pop(&e->cap_ring, f, 1) == 1;
}

int engine_pop_msg(struct audio_engine *e, struct engine_msg *m)
{
	return ring_pop(&e->msg_ring, m, 1) == 1;
}

uint32_t engine_play_push(struct audio_engine *e, const int16_t *pcm,
			  uint32_t n)
{
	return ring_push(&e->play_ring, pcm, n);
}

uint32_t engine_flush_gen(struct audio_engine *e)
{
	return atomic_load(&e->flush_gen);
}

uint64_t engine_frames(const struct audio_engine *e)
{
	return atomic_load((_Atomic uint64_t *)&e->frames);
}

uint64_t engine_played_samples(const struct audio_engine *e)
{
	return atomic_load((_Atomic uint64_t *)&e->played_samples);
}

int32_t engine_erle_q8(const struct audio_engine *e)
{
	return atomic_load_explicit((_Atomic int32_t *)&e->erle_q8,
				    memory_order_relaxed);
}

enum chain_aec engine_aec(const struct audio_engine *e)
{
	return e->chain_cfg.aec;
}

void engine_set_earcons(struct audio_engine *e, int on)
{
	atomic_store(&e->earcons_on, !!on);
}

void engine_stats(const struct audio_engine *e, struct engine_stats *s)
{
	struct audio_engine *m = (struct audio_engine *)e; /* atomics only */

	s->frames = atomic_load(&m->frames);
	s->played_samples = atomic_load(&m->played_samples);
	s->dsp_ns = atomic_load(&m->dsp_ns);
	s->dsp_ns_max = atomic_load(&m->dsp_ns_max);
	s->xruns = atomic_load(&m->xruns);
	s->suspends = atomic_load(&m->suspends);
	s->resumes = atomic_load(&m->resumes);
	s->reopens = atomic_load(&m->reopens);
	s->dropped_frames = atomic_load(&m->dropped_frames);
	s->play_delay = atomic_load(&m->play_delay);
	s->ref_delay = atomic_load(&m->ref_delay);
	s->drift_ppm = atomic_load(&m->drift_ppm);
	s->play_buffer = atomic_load(&m->play_buffer);
	s->cap_buffer = atomic_load(&m->cap_buffer);
	s->drift_inserted = atomic_load(&m->drift_inserted);
	s->drift_dropped = atomic_load(&m->drift_dropped);
	s->earcons = atomic_load(&m->earcons);
	s->erle_q8 = atomic_load(&m->erle_q8);
	s->volume = atomic_load(&m->volume);
}
