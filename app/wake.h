/* SPDX-License-Identifier: MIT */
/*
 * The wake words, always listening (wake.enable): the processed capture
 * frames (after the echo canceller, the noise suppressor and the board's
 * channel choice: the signal the turn itself hears) go through the shared
 * feature frontend (dsp/wake_frontend.h) into each active word's model
 * (wake_word.h).  A detection is handed to the turn (turn_wake), which
 * treats it as a tap.
 *
 * Where it runs: in its own thread, "parley-wake", fed by a ring of
 * frames from the control thread (wake_push, from on_audio in main.c),
 * its results coming back through a second ring and an eventfd the loop
 * watches (wake_fd, wake_poll).  Frontend plus one model cost about
 * 0.23 M instructions a 10 ms frame (make bench, wake.instr_per_frame),
 * about 2 % of one Cortex-A53 core; neither the audio thread's deadline
 * nor the control loop's latency carries it.  A worker that falls 64
 * frames behind loses frames, counted (status: wake).
 *
 * Nothing here allocates after wake_open: the models, their arenas, the
 * rings and the diagnosis history are static (test_alloc counts the
 * worker's heap calls).  Threads: the worker owns the frontend and the
 * models; everything else belongs to the control thread; off[], reset
 * and the live probabilities are the atomics between them.
 *
 * Muted (double press), the detector stops: no frame is pushed, and the
 * stream starts afresh when the microphone comes back.
 */
#ifndef PARLEY_APP_WAKE_H
#define PARLEY_APP_WAKE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../dsp/ring.h"
#include "../dsp/sizes.h"
#include "../dsp/wake_frontend.h"
#include "config.h"
#include "console.h"
#include "wake_word.h"

#define WAKE_WORDS_MAX 2
#define WAKE_EVENTS 32 /* detections, refusals and near misses kept */
#define WAKE_CLIP_FRAMES 200 /* 2 s of audio kept for wake.record */
#define WAKE_CLIPS_MAX 20 /* wake.record's maximum */
#define WAKE_IN_FRAMES 64 /* frames the worker may fall behind (640 ms) */
#define WAKE_OUT_EVENTS 16

enum wake_event_kind {
	WE_DETECTED, /* woke the speaker */
	WE_OWN_OUTPUT, /* heard while the speaker talked, with no voice over
			* its echo: the speaker's own voice, refused */
	WE_IGNORED, /* detected, but the turn could not take it */
	WE_NEAR_MISS, /* the window reached half the cutoff, and no more */
	WE_STOPPED_RING, /* said while a timer rang: the ringing stops */
};

struct wake_event {
	int64_t unix_ms;
	uint8_t word;
	uint8_t kind; /* enum wake_event_kind */
	uint8_t peak; /* the window mean's peak, 0..255 */
};

/* A frame to the worker, with the caller's stamp (its frame count). */
struct wake_in {
	int16_t pcm[PARLEY_FRAME];
	uint64_t stamp;
};

/* A result from the worker: a detection or a near miss. */
struct wake_out {
	uint64_t stamp; /* the frame it completed in */
	uint8_t word;
	uint8_t near_miss;
	uint8_t peak; /* the window mean, 0..255 */
};

struct wake {
	const struct parley_config *cfg;
	int n; /* words loaded */
	char id[WAKE_WORDS_MAX][WAKE_NAME_MAX]; /* the model file's stem:
						 * okay_nabu */
	_Atomic int off[WAKE_WORDS_MAX]; /* turned off from the console */
	/* the control thread's */
	uint32_t detections[WAKE_WORDS_MAX], own_output[WAKE_WORDS_MAX],
		near_misses[WAKE_WORDS_MAX];
	uint8_t hit_peak; /* the window mean of the last detection polled */
	struct wake_event ev[WAKE_EVENTS]; /* a ring, newest at ev_next - 1 */
	unsigned ev_next;
	uint64_t pushed, dropped; /* frames given to the worker, and lost */
	int16_t clip[WAKE_CLIP_FRAMES][PARLEY_FRAME]; /* wake.record */
	char clip_names[WAKE_CLIPS_MAX][112];
	unsigned clip_next;
	/* between the threads */
	struct ring in, out;
	struct wake_in in_buf[WAKE_IN_FRAMES];
	struct wake_out out_buf[WAKE_OUT_EVENTS];
	int in_fd, out_fd; /* eventfds: frames to the worker, results back */
	pthread_t thread;
	int running;
	_Atomic int stop, reset;
	_Atomic uint8_t last[WAKE_WORDS_MAX]; /* the latest output, 0..255 */
	_Atomic uint8_t mean[WAKE_WORDS_MAX]; /* the window's mean now */
	/* the worker's */
	struct wake_fe fe;
	struct wake_word w[WAKE_WORDS_MAX];
	uint8_t peak[WAKE_WORDS_MAX]; /* highest window mean of an episode */
};

/*
 * Loads the words of wake.words (models from wake.models_dir, or paths)
 * when wake.enable is on; 0, or -1 with err naming the word, the file and
 * what is wrong.  With wake.enable off, w->n is 0 and nothing is read.
 */
int wake_open(struct wake *w, const struct parley_config *cfg, char *err,
	      size_t errlen);

/* Starts the worker when words are loaded; 0, or -1 with err. */
int wake_start(struct wake *w, char *err, size_t errlen);

/* Stops the worker (safe when it never started). */
void wake_stop(struct wake *w);

/* One processed capture frame for the detector, stamped with the
 * caller's frame count (control thread). */
void wake_push(struct wake *w, const int16_t *pcm, uint64_t stamp);

/* The eventfd the loop watches for results; -1 when there is no worker. */
int wake_fd(const struct wake *w);

/*
 * The next detection: returns 1 and fills *word and *stamp, or 0 when
 * there is none left.  Near misses are kept for the console on the way.
 */
int wake_poll(struct wake *w, int *word, uint64_t *stamp);

/* Records what the detection just polled became (WE_DETECTED,
 * WE_OWN_OUTPUT, WE_IGNORED or WE_STOPPED_RING), counts it, and with wake.record keeps its
 * audio. */
void wake_note(struct wake *w, int word, enum wake_event_kind kind);

/* Forgets the stream (after a mute): the next frames start afresh. */
void wake_reset(struct wake *w);

/* Turns a word on or off by name ("all" for every one); 0, or -1 with why. */
int wake_switch(struct wake *w, const char *name, int on, char *why,
		size_t whylen);

/* The word's name, for messages. */
const char *wake_name(const struct wake *w, int word);

/* The console's `wake`: each word, its live probability, and the latest
 * detections, refusals and near misses. */
void wake_show(const struct wake *w, struct console_client *c, int muted);

/* One line of totals for `stats` and `status`. */
void wake_counts(const struct wake *w, char *buf, size_t len);

/* Whether word is loaded and on (Home Assistant's info lists these). */
int wake_active(const struct wake *w, int word);

/* The words loaded: their ids, phrases and whether each is on; returns
 * how many (for Home Assistant's info, satellite_wake_words). */
int wake_list(const struct wake *w, const char **id, const char **phrase,
	      int *on);

/* The model's identifier (its file's stem), as Home Assistant names it. */
const char *wake_id(const struct wake *w, int word);

#endif
