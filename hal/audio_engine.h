/* SPDX-License-Identifier: MIT */
/*
 * The audio engine: the one thread that touches PCM devices.  Full duplex in
 * lock-step: each 10 ms period it reads one capture period (any rate and
 * channel count: one channel picked or all mixed, then resampled to 16 kHz
 * mono), writes one period of playback at the device's rate (from the
 * playback ring, or silence, with earcons mixed in, the software volume
 * applied, and the clock drift between the two cards corrected), keeps
 * what was written, resampled to 16 kHz, as the echo reference, runs the
 * DSP chain and queues the processed frame, its aligned reference and its
 * VAD result for the control thread.
 *
 * The engine allocates nothing once started, blocks only in the device
 * calls, and never logs directly: its messages go through msg_ring.
 */
#ifndef PARLEY_HAL_AUDIO_ENGINE_H
#define PARLEY_HAL_AUDIO_ENGINE_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../dsp/drift.h"
#include "../dsp/earcon.h"
#include "../dsp/gain.h"
#include "../dsp/ring.h"
#include "../dsp/sizes.h"
#include "../dsp/vad.h"
#include "audio.h"
#include "chain.h"

/* One processed capture frame, as queued to the control thread. */
struct cap_frame {
	uint64_t index; /* capture period number since start */
	int16_t pcm[PARLEY_FRAME]; /* after the DSP chain */
	/* what the loudspeaker emitted while pcm was recorded: the frames
	 * written, at 16 kHz, delayed by the measured device delays */
	int16_t ref[PARLEY_FRAME];
	struct vad_result vad;
	/* level of the microphone before the chain (dBFS Q8), taken as many
	 * frames back as the chain delays pcm: out against in is the echo
	 * the canceller removed from this frame */
	int32_t mic_in_q8;
	uint32_t played; /* playback samples taken from the ring this period */
};

#define ENGINE_MIC_HIST 8 /* frames: more than the chain's delay */
#define ENGINE_MSG_MAX 160
struct engine_msg {
	int level; /* LOG_* from <syslog.h> */
	char text[ENGINE_MSG_MAX];
};
#define ENGINE_MSG_RING 16

/* Echo reference delay line: 512 ms at 16 kHz (a power of two). */
#define ENGINE_REF_LINE 8192

/* What the engine is asked to do, fixed at engine_init. */
struct engine_options {
	int capture_channel; /* 0..channels-1, or -1 to mix all */
	int rt_priority; /* SCHED_FIFO priority, 0 for none */
	int mlock; /* mlockall at start */
	int drift_correction; /* follow the playback clock */
	int earcons; /* chimes on (engine_set_earcons changes it live) */
	int volume; /* percent (engine_set_volume changes it live) */
};

/* A snapshot of the engine's counters, for the console. */
struct engine_stats {
	uint64_t frames, played_samples, dsp_ns;
	uint32_t xruns, suspends, resumes, reopens, dropped_frames;
	int32_t play_delay, ref_delay, drift_ppm;
	uint32_t play_buffer, cap_buffer, drift_inserted, drift_dropped;
	uint32_t earcons, dsp_ns_max;
	int32_t erle_q8;
	int volume;
};

/*
 * The engine's state.  Only hal/ writes into it: everything above uses
 * the functions below.
 */
struct audio_engine {
	const struct audio_ops *ops;
	struct audio_params params;
	char capture_device[128];
	char playback_device[128];
	struct chain_config chain_cfg;
	/* options, fixed at engine_init */
	int capture_channel; /* 0..channels-1, or -1 to mix all */
	int rt_priority; /* SCHED_FIFO priority, 0 for none */
	int mlock; /* mlockall at start */
	int drift_correction;
	/* written by the device thread only, after start, while the audio
	 * thread waits for it (see below) */
	void *dev;
	pthread_t thread;
	_Atomic int run;
	/*
	 * The device thread ("parley-devices") closes and reopens the
	 * devices after a fault, so that alsa-lib's allocations on open and
	 * close never happen in the audio thread.  The audio thread posts
	 * reopen_req and waits on reopen_done: while the devices are gone it
	 * has nothing to do, and while it waits the device thread is the one
	 * producer of msg_ring.
	 */
	pthread_t devices;
	sem_t reopen_req;
	sem_t reopen_done;
	int reopen_err; /* the error that asked for the reopen */
	int event_fd; /* audio thread writes 1 per queued frame */

	/* audio thread -> control thread */
	struct ring cap_ring;
	struct cap_frame cap_buf[PARLEY_CAP_RING_FRAMES];
	struct ring msg_ring;
	struct engine_msg msg_buf[ENGINE_MSG_RING];

	/* synth worker -> audio thread */
	struct ring play_ring;
	int16_t play_buf[PARLEY_PLAY_RING_SAMPLES];
	/*
	 * Flush protocol: the control thread bumps flush_gen; the producer
	 * stops and stores the value in producer_ack; the audio thread drops
	 * the ring until it has seen the ack, then stores flush_seen.
	 */
	_Atomic uint32_t flush_gen; /* written by the control thread only */
	_Atomic uint32_t producer_ack; /* written by the producer only */
	_Atomic uint32_t flush_seen; /* written by the audio thread only */

	/* counters, written by the audio thread only */
	_Atomic uint64_t frames;
	_Atomic uint64_t played_samples;
	_Atomic uint32_t xruns;
	_Atomic uint32_t suspends; /* -ESTRPIPE seen */
	_Atomic uint32_t resumes; /* ... and recovered */
	_Atomic uint32_t reopens; /* the device thread's */
	_Atomic int32_t play_delay; /* playback frames queued, last period */
	_Atomic uint32_t play_buffer; /* playback device buffer, frames */
	_Atomic uint32_t cap_buffer; /* capture device buffer, frames */
	_Atomic int32_t ref_delay; /* 16 kHz samples the reference lags by */
	_Atomic int32_t drift_ppm; /* estimated playback clock offset */
	_Atomic uint32_t drift_inserted; /* frames inserted in all */
	_Atomic uint32_t drift_dropped; /* frames dropped in all */
	_Atomic uint32_t earcons; /* earcons played */
	_Atomic uint32_t dropped_frames;
	_Atomic uint64_t dsp_ns; /* DSP time in all */
	_Atomic uint32_t dsp_ns_max; /* longest DSP time of one frame */

	/* hardware volume control, or NULL: control thread only */
	struct audio_mixer *mixer;
	/* software volume: written by the control thread, read each period */
	_Atomic int volume; /* percent */
	_Atomic int32_t gain_q15; /* gain_from_percent(volume) */
	int32_t gain_now; /* audio thread only: gain reached so far */

	/* earcon requests: control thread bumps earcon_req with the id in
	 * earcon_id; the audio thread starts it at its next period */
	_Atomic uint32_t earcon_req;
	_Atomic int earcons_on; /* written by the control thread */
	_Atomic int earcon_id;
	uint32_t earcon_seen; /* audio thread only */

	/* DSP state, audio thread only */
	struct chain chain;
	_Atomic int32_t erle_q8; /* the canceller's ERLE, dB Q8, for the console */
	struct drift drift;
	struct earcon earcon;
	void *cap_rs; /* SpeexResamplerState, capture rate -> 16 kHz, or NULL */
	void *ref_rs; /* playback rate -> 16 kHz, or NULL */
	int cap_latency; /* 16 kHz samples the capture resampler delays */
	int ref_latency; /* 16 kHz samples the reference resampler delays */
	int16_t cap_raw[PARLEY_CAP_PERIOD_MAX * PARLEY_CAP_CHANNELS_MAX];
	int16_t cap16[PARLEY_FRAME * 4]; /* resampled, not yet processed */
	unsigned cap16_n;
	int16_t play_in[PARLEY_PLAY_PERIOD_MAX];
	int16_t play_out[PARLEY_PLAY_PERIOD_MAX + 1];
	int16_t ref_tmp[PARLEY_FRAME * 2];
	int16_t ref_line[ENGINE_REF_LINE]; /* 16 kHz reference, circular */
	uint64_t ref_w; /* samples ever written to ref_line */
	int32_t mic_hist[ENGINE_MIC_HIST]; /* input levels of recent frames */
};

/*
 * Prepares the engine and its DSP chain (whose speexdsp states are
 * allocated here); does not open devices.  Returns 0, or -errno with a
 * message in err, having undone whatever it made.  After a 0, engine_stop
 * is the one teardown, whether or not engine_start ran.
 */
int engine_init(struct audio_engine *e, const struct audio_ops *ops,
		const struct audio_params *p, const struct chain_config *cc,
		const struct engine_options *opt, char *err, size_t errlen);
/*
 * Control thread, before engine_start: a hardware volume control
 * ("CONTROL" or "CONTROL@CARD").  -errno with err filled if it cannot be
 * opened; the engine then keeps software volume.
 */
int engine_open_mixer(struct audio_engine *e, const char *control, char *err,
		      size_t errlen);
/* Opens the devices and starts the thread.  err names the device. */
int engine_start(struct audio_engine *e, char *err, size_t errlen);
/* Stops the thread, closes the devices and frees what engine_init made;
 * safe to call twice. */
void engine_stop(struct audio_engine *e);
/* The fd that is readable while processed frames wait (a POLLIN eventfd). */
int engine_event_fd(const struct audio_engine *e);
/* Control thread: clears the event fd (0, or -errno); then
 * engine_pop_frame takes one processed frame (1), or 0 when none is left. */
int engine_event_clear(struct audio_engine *e);
int engine_pop_frame(struct audio_engine *e, struct cap_frame *f);
/* Control thread: one message of the audio thread (1), or 0. */
int engine_pop_msg(struct audio_engine *e, struct engine_msg *m);
/* Producer: pushes up to n playback samples; returns how many it took. */
uint32_t engine_play_push(struct audio_engine *e, const int16_t *pcm,
			  uint32_t n);
/* The flush generation now (a producer tags its jobs with it). */
uint32_t engine_flush_gen(struct audio_engine *e);
/* Counters, read by any thread. */
uint64_t engine_frames(const struct audio_engine *e);
uint64_t engine_played_samples(const struct audio_engine *e);
int32_t engine_erle_q8(const struct audio_engine *e);
enum chain_aec engine_aec(const struct audio_engine *e);
void engine_stats(const struct audio_engine *e, struct engine_stats *s);
/* Control thread: audio.earcons. */
void engine_set_earcons(struct audio_engine *e, int on);
/* Control thread: asks for queued playback to be dropped. */
void engine_flush_playback(struct audio_engine *e);
/* Producer: 1 while a flush is pending that the producer has not acked. */
int engine_flush_pending(struct audio_engine *e, uint32_t *gen);
/*
 * Producer: acknowledges flush generation gen and waits (up to 1 s) until
 * the audio thread has dropped everything pushed before.  Returns 0, or
 * -ETIMEDOUT if the audio thread did not answer.
 */
int engine_flush_ack(struct audio_engine *e, uint32_t gen);
/*
 * Volume in percent (0..100, clamped), from the control thread.  With a
 * hardware mixer control (e->mixer) the control is set and the software
 * gain stays at 1.0; otherwise the audio thread ramps to the new software
 * gain over one period, so a change never clicks.
 */
void engine_set_volume(struct audio_engine *e, int percent);
int engine_volume(const struct audio_engine *e);
/*
 * Any thread: plays earcon id (enum earcon_id) over whatever is playing,
 * unless earcons_on is 0 (audio.earcons).
 */
void engine_earcon(struct audio_engine *e, int id);
/* Samples queued for playback and not yet written to the device. */
uint32_t engine_play_queued(struct audio_engine *e);

#endif
