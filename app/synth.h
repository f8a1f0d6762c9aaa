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

enum synth_kind { SYNTH_SPEAK, SYNTH_TONE, SYNTH_REMOTE };

/* Marks that frame a remote sentence's audio in the remote ring. */
struct synth_mark {
	uint32_t id; /* the SYNTH_REMOTE job */
	int end; /* 0: audio starts, at rate; 1: audio ends at end_pos */
	unsigned rate;
	uint32_t end_pos; /* remote ring head after the last sample */
	int failed; /* the server failed: say the text locally instead */
};

#define SYNTH_REMOTE_SAMPLES (1u << 16) /* 3 s at 22 kHz */
#define SYNTH_MARKS 32

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
	/* remote TTS audio: control thread -> worker */
	struct ring remote;
	int16_t remote_buf[SYNTH_REMOTE_SAMPLES];
	struct ring marks;
	struct synth_mark mark_buf[SYNTH_MARKS];

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
/*
 * Queues a sentence whose audio will come from a server through the remote
 * ring (synth_remote_*); if the server fails before any audio, the worker
 * says the text with espeak-ng instead.  Returns the job id, or 0.
 */
uint32_t synth_remote(struct synth *s, const char *text);
/* Control thread: the audio of job id starts, at rate. */
int synth_remote_start(struct synth *s, uint32_t id, unsigned rate);
/* Control thread: room for n samples now? Then push them. */
int synth_remote_push(struct synth *s, const int16_t *pcm, uint32_t n);
/*
 * Control thread: little-endian 16-bit bytes, any number of them (an odd
 * byte waits in *odd and *carry for the next call), all or nothing:
 * -EAGAIN while there is no room for all of them yet, -EMSGSIZE if they
 * could never fit.
 */
int synth_remote_bytes(struct synth *s, const uint8_t *data, size_t len,
		       int *odd, uint8_t *carry);
/* Control thread: the audio of job id is complete (or failed). */
int synth_remote_end(struct synth *s, uint32_t id, int failed);
/* Queues a test tone at the playback rate; id as synth_say. */
uint32_t synth_tone(struct synth *s, unsigned hz, unsigned ms);
/* Drops queued sentences and queued playback (barge-in). */
void synth_flush(struct synth *s);
/* Reads one completion; 1 if one was read, 0 if none. */
int synth_poll_done(struct synth *s, struct synth_done *d);

#endif
