/* SPDX-License-Identifier: MIT */
/*
 * The wake words, always listening (wake.enable): the processed capture
 * frames (after the echo canceller, the noise suppressor and the board's
 * channel choice, the signal the turn itself hears) go through the shared
 * feature frontend (dsp/wake_frontend.h) into each active word's model
 * (wake_word.h).  A detection is handed to the turn (turn_wake), which
 * treats it as a tap.
 *
 * Where it runs: in the control thread, on the frames it already receives
 * for the turn (on_audio in main.c).  Frontend plus one model cost about
 * 0.23 M instructions a 10 ms frame (make bench, wake.instr_per_frame),
 * about 2 % of one Cortex-A53 core; the audio thread's deadline is not
 * touched, and a control thread that falls behind finds the frames in the
 * capture ring (dsp/sizes.h, PARLEY_CAP_RING_FRAMES) as the turn does.
 * Nothing here allocates after wake_open: the models, their arenas and
 * the diagnosis history are static.
 *
 * Muted (double press), the detector stops: no frame is looked at.
 */
#ifndef PARLEY_APP_WAKE_H
#define PARLEY_APP_WAKE_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "../dsp/wake_frontend.h"
#include "config.h"
#include "console.h"
#include "wake_word.h"

#define WAKE_WORDS_MAX 2
#define WAKE_EVENTS 32 /* detections, refusals and near misses kept */
#define WAKE_CLIP_FRAMES 200 /* 2 s of audio kept for wake.record */
#define WAKE_CLIPS_MAX 20 /* wake.record's maximum */

enum wake_event_kind {
	WE_DETECTED, /* woke the speaker */
	WE_OWN_OUTPUT, /* heard while the speaker talked, with no voice over
			* its echo: the speaker's own voice, refused */
	WE_IGNORED, /* detected, but the turn could not take it */
	WE_NEAR_MISS, /* the window reached half the cutoff, and no more */
};

struct wake_event {
	int64_t unix_ms;
	uint8_t word;
	uint8_t kind; /* enum wake_event_kind */
	uint8_t peak; /* the window mean's peak, 0..255 */
};

struct wake {
	const struct parley_config *cfg;
	int n; /* words loaded */
	struct wake_word w[WAKE_WORDS_MAX];
	char id[WAKE_WORDS_MAX][WAKE_NAME_MAX]; /* the model file's stem:
						 * okay_nabu */
	int off[WAKE_WORDS_MAX]; /* turned off from the console */
	uint8_t last[WAKE_WORDS_MAX]; /* the latest output, 0..255 */
	uint8_t peak[WAKE_WORDS_MAX]; /* highest window mean of this episode */
	struct wake_fe fe;
	uint64_t frames;
	uint32_t detections[WAKE_WORDS_MAX], own_output[WAKE_WORDS_MAX],
		near_misses[WAKE_WORDS_MAX];
	struct wake_event ev[WAKE_EVENTS]; /* a ring, newest at ev_next - 1 */
	unsigned ev_next;
	/* wake.record: the latest 2 s of audio, and the files written */
	int16_t clip[WAKE_CLIP_FRAMES][PARLEY_FRAME];
	char clip_names[WAKE_CLIPS_MAX][112];
	unsigned clip_next;
};

/*
 * Loads the words of wake.words (models from wake.models_dir, or paths)
 * when wake.enable is on; 0, or -1 with err naming the word, the file and
 * what is wrong.  With wake.enable off, w->n is 0 and nothing is read.
 */
int wake_open(struct wake *w, const struct parley_config *cfg, char *err,
	      size_t errlen);

/*
 * One processed capture frame.  Returns the index of the word detected
 * in it, or -1.  The caller says what the detection became (wake_note).
 */
int wake_frame(struct wake *w, const int16_t *pcm);

/* Records what a detection of word became (WE_DETECTED, WE_OWN_OUTPUT or
 * WE_IGNORED), counts it, and with wake.record keeps its audio. */
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
