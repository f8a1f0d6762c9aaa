/* SPDX-License-Identifier: MIT */
/*
 * The synth worker: local TTS with espeak-ng, resampled to the playback
 * rate with speexdsp's integer resampler and pushed into the engine's
 * playback ring.  Fed through a bounded queue; reports each finished
 * sentence back through done_fd.
 */
#ifndef PARLEY_APP_SYNTH_H
#define PARLEY_APP_SYNTH_H

#include <pthread.h>
#include <speex/speex_resampler.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../dsp/ring.h"
#include "../dsp/sizes.h"
#include "../hal/audio_engine.h"

enum synth_kind { SYNTH_SPEAK, SYNTH_TONE };

struct synth_job {
	uint32_t id;
	uint32_t gen; /* flush generation when queued */
	enum synth_kind kind;
	unsigned hz, ms; /* SYNTH_TONE */
	char text[PARLEY_SENTENCE_MAX];
};

struct synth_done {
	uint32_t id;
	uint32_t samples; /* pushed to the playback ring */
	int cancelled; /* dropped by a flush */
	int error; /* synthesis failed */
};

struct synth {
	struct audio_engine *eng;
	pthread_t thread;
	_Atomic int run;
	int wake_fd; /* control -> worker */
	int done_fd; /* worker -> control */
	struct ring jobs; /* control -> worker */
	struct synth_job job_buf[PARLEY_SYNTH_QUEUE];
	struct ring done; /* worker -> control */
	struct synth_done done_buf[PARLEY_SYNTH_QUEUE * 2];
	uint32_t next_id; /* control thread only */

	/* worker thread only */
	SpeexResamplerState *rs;
	int in_rate;
	unsigned out_rate;
	uint32_t job_gen;
	uint32_t job_samples;
	int aborted;
};

/* Initialises espeak-ng with voice and rate and starts the worker. */
int synth_start(struct synth *s, struct audio_engine *eng, const char *voice,
		int wpm, unsigned out_rate, char *err, size_t errlen);
void synth_stop(struct synth *s);
/* Queues a sentence; returns its id (> 0), or 0 if the queue is full. */
uint32_t synth_say(struct synth *s, const char *text);
/* Queues a test tone at the playback rate; id as synth_say. */
uint32_t synth_tone(struct synth *s, unsigned hz, unsigned ms);
/* Drops queued sentences and queued playback (barge-in). */
void synth_flush(struct synth *s);
/* Reads one completion; 1 if one was read, 0 if none. */
int synth_poll_done(struct synth *s, struct synth_done *d);

#endif
