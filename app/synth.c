// SPDX-License-Identifier: MIT
/*
 * Synth worker.  espeak-ng runs synchronously in this thread and hands its
 * 16-bit samples (22050 Hz for the standard voices) to a callback, which
 * resamples them and pushes them into the playback ring, waiting while the
 * ring is full.  A flush (barge-in) is seen by the callback, which stops
 * espeak-ng at once; the worker then acknowledges the flush to the audio
 * engine and drops every job queued before it.
 */
#include "synth.h"

#include <errno.h>
#include <espeak-ng/speak_lib.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../dsp/tone.h"
#include "log.h"

#define RESAMPLE_QUALITY 4
#define OUT_CHUNK 1024

/* espeak-ng's callback has no context pointer of ours: one worker. */
static struct synth *the_synth;

static void nap_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int flushing(struct synth *s)
{
	uint32_t gen;

	return engine_flush_pending(s->eng, &gen) || gen != s->job_gen;
}

/* Pushes n samples, waiting for room; returns -1 if a flush cut it. */
static int push(struct synth *s, const int16_t *pcm, uint32_t n)
{
	while (n) {
		uint32_t k;

		if (flushing(s) || !atomic_load(&s->run))
			return -1;
		k = engine_play_push(s->eng, pcm, n);
		pcm += k;
		n -= k;
		s->job_samples += k;
		if (n)
			nap_ms(5);
	}
	return 0;
}

static int resample_push(struct synth *s, const int16_t *in, uint32_t n)
{
	int16_t out[OUT_CHUNK];

	while (n) {
		spx_uint32_t in_len = n, out_len = OUT_CHUNK;

		speex_resampler_process_int(s->rs, 0, in, &in_len, out,
					    &out_len);
		if (push(s, out, out_len))
			return -1;
		in += in_len;
		n -= in_len;
		if (in_len == 0 && out_len == 0)
			break;
	}
	return 0;
}

static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
	struct synth *s = the_synth;

	(void)ev;
	if (s->aborted)
		return 1;
	if (wav && n > 0 && resample_push(s, wav, (uint32_t)n)) {
		s->aborted = 1;
		return 1; /* stops espeak-ng */
	}
	return 0;
}

static void report(struct synth *s, const struct synth_job *j, int cancelled,
		   int error)
{
	struct synth_done d = { j->id, s->job_samples, cancelled, error };
	uint64_t one = 1;

	ring_push(&s->done, &d, 1);
	if (write(s->done_fd, &one, sizeof(one)) < 0)
		LOGW("synth", "cannot signal completion: %s", strerror(errno));
}

/* A test tone at -12 dBFS, straight into the ring (no resampling). */
static void play_tone(struct synth *s, const struct synth_job *j)
{
	struct tone t;
	int16_t buf[OUT_CHUNK];
	uint32_t n;

	s->job_gen = j->gen;
	s->job_samples = 0;
	s->aborted = 0;
	if (tone_init(&t, j->hz, s->out_rate, j->ms, 8231 /* 0.251 */)) {
		report(s, j, 0, 1);
		return;
	}
	while ((n = tone_fill(&t, buf, OUT_CHUNK)) > 0) {
		if (push(s, buf, n)) {
			s->aborted = 1;
			break;
		}
	}
	report(s, j, s->aborted, 0);
}

static void drain_resampler(struct synth *s)
{
	int16_t zeros[256] = { 0 };
	int lat = speex_resampler_get_input_latency(s->rs);

	/* push the resampler's filter tail out with silence */
	while (!s->aborted && lat > 0) {
		int k = lat > 256 ? 256 : lat;

		if (resample_push(s, zeros, (uint32_t)k))
			s->aborted = 1;
		lat -= k;
	}
}

static void speak(struct synth *s, const struct synth_job *j)
{
	int r;

	s->job_gen = j->gen;
	s->job_samples = 0;
	s->aborted = 0;
	speex_resampler_set_rate(s->rs, (spx_uint32_t)s->in_rate, s->out_rate);
	speex_resampler_reset_mem(s->rs);
	r = espeak_Synth(j->text, strlen(j->text) + 1, 0, POS_CHARACTER, 0,
			 espeakCHARS_UTF8, NULL, NULL);
	if (r != EE_OK && !s->aborted) {
		report(s, j, 0, 1);
		return;
	}
	drain_resampler(s);
	report(s, j, s->aborted, 0);
}

#define REMOTE_WAIT_MS 60000 /* the control thread always ends a job */

/* A remote sentence: resample the server's audio as it arrives. */
static void play_remote(struct synth *s, const struct synth_job *j)
{
	int16_t buf[OUT_CHUNK];
	struct synth_mark m;
	int started = 0, ended = 0, waited = 0;
	uint32_t end_pos = 0;

	s->job_gen = j->gen;
	s->job_samples = 0;
	s->aborted = 0;
	while (!ended || atomic_load(&s->remote.tail) != end_pos) {
		uint32_t avail, n;

		if (flushing(s) || !atomic_load(&s->run)) {
			s->aborted = 1;
			break;
		}
		if (!ended && ring_pop(&s->marks, &m, 1)) {
			if (m.id != j->id)
				continue; /* a stale mark from a dropped job */
			if (!m.end) {
				speex_resampler_set_rate(s->rs, m.rate,
							 s->out_rate);
				speex_resampler_reset_mem(s->rs);
				started = 1;
			} else {
				ended = 1;
				end_pos = m.end_pos;
				if (m.failed && !started) {
					speak(s, j); /* the local voice, then */
					return;
				}
			}
			continue;
		}
		avail = ring_count(&s->remote);
		if (ended && avail > end_pos - atomic_load(&s->remote.tail))
			avail = end_pos - atomic_load(&s->remote.tail);
		n = avail < OUT_CHUNK ? avail : OUT_CHUNK;
		if (!n || !started) {
			if (++waited > REMOTE_WAIT_MS / 2) {
				s->aborted = 1;
				break;
			}
			nap_ms(2);
			continue;
		}
		waited = 0;
		ring_pop(&s->remote, buf, n);
		if (resample_push(s, buf, n)) {
			s->aborted = 1;
			break;
		}
	}
	if (started)
		drain_resampler(s);
	report(s, j, s->aborted, 0);
}

/* A flush drops the remote audio and its marks as well. */
static void ack_flush(struct synth *s, uint32_t gen)
{
	ring_discard(&s->remote);
	ring_discard(&s->marks);
	engine_flush_ack(s->eng, gen);
}

static void *worker(void *arg)
{
	struct synth *s = arg;
	struct synth_job j;
	uint64_t v;
	uint32_t gen;

	while (atomic_load(&s->run)) {
		if (read(s->wake_fd, &v, sizeof(v)) < 0 && errno != EINTR)
			break;
		if (engine_flush_pending(s->eng, &gen))
			ack_flush(s, gen);
		while (atomic_load(&s->run) && ring_pop(&s->jobs, &j, 1)) {
			if (engine_flush_pending(s->eng, &gen))
				ack_flush(s, gen);
			if (j.gen != gen) {
				s->job_samples = 0;
				report(s, &j, 1, 0);
				continue;
			}
			if (j.kind == SYNTH_TONE)
				play_tone(s, &j);
			else if (j.kind == SYNTH_REMOTE)
				play_remote(s, &j);
			else
				speak(s, &j);
			if (engine_flush_pending(s->eng, &gen))
				ack_flush(s, gen);
		}
	}
	return NULL;
}

int synth_start(struct synth *s, struct audio_engine *eng, const char *voice,
		int wpm, unsigned out_rate, char *err, size_t errlen)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->eng = eng;
	s->out_rate = out_rate;
	s->wake_fd = s->done_fd = -1;
	ring_init(&s->jobs, s->job_buf, sizeof(s->job_buf[0]),
		  PARLEY_SYNTH_QUEUE);
	ring_init(&s->done, s->done_buf, sizeof(s->done_buf[0]),
		  PARLEY_SYNTH_QUEUE * 2);
	ring_init(&s->remote, s->remote_buf, sizeof(s->remote_buf[0]),
		  SYNTH_REMOTE_SAMPLES);
	ring_init(&s->marks, s->mark_buf, sizeof(s->mark_buf[0]),
		  SYNTH_MARKS);
	s->in_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, NULL, 0);
	if (s->in_rate <= 0) {
		snprintf(err, errlen, "espeak-ng: cannot initialise (is espeak-ng-data installed?)");
		return -EIO;
	}
	if (espeak_SetVoiceByName(voice) != EE_OK) {
		snprintf(err, errlen, "espeak-ng: unknown voice '%s'", voice);
		return -EINVAL;
	}
	espeak_SetParameter(espeakRATE, wpm, 0);
	the_synth = s;
	espeak_SetSynthCallback(on_samples);
	s->rs = speex_resampler_init(1, (spx_uint32_t)s->in_rate, out_rate,
				     RESAMPLE_QUALITY, &r);
	if (!s->rs) {
		snprintf(err, errlen, "resampler %d -> %u Hz: %s", s->in_rate,
			 out_rate, speex_resampler_strerror(r));
		return -EINVAL;
	}
	s->wake_fd = eventfd(0, EFD_CLOEXEC);
	s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0 || s->done_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	atomic_store(&s->run, 1);
	r = pthread_create(&s->thread, NULL, worker, s);
	if (r) {
		atomic_store(&s->run, 0);
		snprintf(err, errlen, "cannot start the synth worker: %s",
			 strerror(r));
		return -r;
	}
	return 0;
}

static void wake(struct synth *s)
{
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) < 0)
		LOGW("synth", "cannot wake the worker: %s", strerror(errno));
}

void synth_stop(struct synth *s)
{
	if (atomic_exchange(&s->run, 0)) {
		wake(s);
		pthread_join(s->thread, NULL);
	}
	if (s->rs)
		speex_resampler_destroy(s->rs);
	s->rs = NULL;
	if (s->in_rate > 0)
		espeak_Terminate();
	s->in_rate = 0;
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->done_fd >= 0)
		close(s->done_fd);
	s->wake_fd = s->done_fd = -1;
}

/* Stamps a job with its id and the flush generation, and queues it. */
static uint32_t enqueue(struct synth *s, struct synth_job *j)
{
	j->id = ++s->next_id;
	if (j->id == 0)
		j->id = ++s->next_id;
	j->gen = engine_flush_gen(s->eng);
	if (ring_push(&s->jobs, j, 1) != 1)
		return 0;
	wake(s);
	return j->id;
}

uint32_t synth_say(struct synth *s, const char *text)
{
	struct synth_job j = { .kind = SYNTH_SPEAK };

	snprintf(j.text, sizeof(j.text), "%s", text);
	return enqueue(s, &j);
}

uint32_t synth_remote(struct synth *s, const char *text)
{
	struct synth_job j = { .kind = SYNTH_REMOTE };

	snprintf(j.text, sizeof(j.text), "%s", text);
	return enqueue(s, &j);
}

int synth_remote_start(struct synth *s, uint32_t id, unsigned rate)
{
	struct synth_mark m = { .id = id, .end = 0, .rate = rate };

	return ring_push(&s->marks, &m, 1) == 1 ? 0 : -ENOSPC;
}

int synth_remote_push(struct synth *s, const int16_t *pcm, uint32_t n)
{
	if (ring_space(&s->remote) < n)
		return -EAGAIN;
	ring_push(&s->remote, pcm, n);
	return 0;
}

/* converted through a small block, so a chunk of any size costs no more
 * stack than this */
#define FEED_BLOCK 2048

int synth_remote_bytes(struct synth *s, const uint8_t *data, size_t len,
		       int *odd, uint8_t *carry)
{
	int16_t pcm[FEED_BLOCK];
	size_t samples = (len + (size_t)*odd) / 2, i = 0;
	int r;

	if (samples > SYNTH_REMOTE_SAMPLES)
		return -EMSGSIZE; /* larger than the whole ring */
	if (ring_space(&s->remote) < samples)
		return -EAGAIN;
	while (i < len) {
		size_t n = 0;

		if (*odd) {
			pcm[n++] = (int16_t)(*carry | data[i++] << 8);
			*odd = 0;
		}
		for (; n < FEED_BLOCK && i + 1 < len; i += 2)
			pcm[n++] = (int16_t)(data[i] | data[i + 1] << 8);
		if (i + 1 == len && n < FEED_BLOCK) {
			*carry = data[i++];
			*odd = 1;
		}
		/* only the control thread pushes, and the space was checked */
		r = synth_remote_push(s, pcm, (uint32_t)n);
		if (r < 0)
			return r;
	}
	return 0;
}

int synth_remote_end(struct synth *s, uint32_t id, int failed)
{
	struct synth_mark m = {
		.id = id,
		.end = 1,
		.end_pos = atomic_load(&s->remote.head),
		.failed = failed,
	};

	return ring_push(&s->marks, &m, 1) == 1 ? 0 : -ENOSPC;
}

uint32_t synth_tone(struct synth *s, unsigned hz, unsigned ms)
{
	struct synth_job j = { .kind = SYNTH_TONE, .hz = hz, .ms = ms };

	return enqueue(s, &j);
}

void synth_flush(struct synth *s)
{
	engine_flush_playback(s->eng);
	wake(s);
}

int synth_poll_done(struct synth *s, struct synth_done *d)
{
	uint64_t v;

	if (ring_pop(&s->done, d, 1) == 1)
		return 1;
	if (read(s->done_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending */
	}
	return ring_pop(&s->done, d, 1);
}
