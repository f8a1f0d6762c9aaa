/* SPDX-License-Identifier: MIT */
/*
 * One wake word: its model (app/wake_model.h) fed by the shared frontend's
 * int8 features, and its detection rule, as microWakeWord's manifest sets
 * it (ESPHome's micro_wake_word component applies the same rule):
 *
 *   every model output is a probability p in 0..255 (the uint8 output,
 *   p / 255); a detection is when the sum of the last sliding_window_size
 *   outputs exceeds cutoff x sliding_window_size, with cutoff =
 *   floor(probability_cutoff x 255).  After a detection the word is
 *   refractory: the window is cleared and nothing is detected for
 *   refractory_ms (default WAKE_REFRACTORY_MS).
 */
#ifndef PARLEY_APP_WAKE_WORD_H
#define PARLEY_APP_WAKE_WORD_H

#include <stdint.h>

#include "wake_model.h"

#define WAKE_WINDOW_MAX 32 /* largest sliding_window_size accepted */
#define WAKE_REFRACTORY_MS 2000
#define WAKE_NAME_MAX 64
#define WAKE_MANIFEST_MAX 4096 /* bytes of a manifest file */

struct wake_word {
	char name[WAKE_NAME_MAX]; /* wake_word of the manifest, else the file name */
	struct wake_model model;
	int cutoff; /* 0..255 */
	int window; /* outputs averaged */
	int refractory_ms;
	uint8_t recent[WAKE_WINDOW_MAX];
	int nrecent, next;
	int quiet; /* model outputs left in the refractory period */
	int hit_sum; /* window sum of the last detection */
	int8_t frames[WAKE_MAX_STRIDE * WAKE_FEATURES]; /* features gathered for one inference */
	int nframes;
};

/*
 * Loads a model and, if manifest is not NULL, its manifest (JSON with
 * "wake_word" and "micro": {"probability_cutoff", "sliding_window_size"});
 * without one, cutoff 0.9 and window 5.  Returns 0 or -1 with err set.
 */
int wake_word_load(struct wake_word *w, const char *model, const char *manifest, char *err,
		   size_t errlen);

/*
 * Parses a manifest's text.  Returns 0 or -1 with err naming the key.
 * cJSON must already allocate from the JSON arena (json_arena_install).
 */
int wake_word_manifest(struct wake_word *w, const char *path, const char *text, char *err,
		       size_t errlen);

void wake_word_reset(struct wake_word *w);

/*
 * Adds one frame of int8 features.  Returns -1 while the model waits for
 * more frames, else its probability 0..255; *detected is set to 1 when
 * this output completes a detection.
 */
int wake_word_frame(struct wake_word *w, const int8_t *features, int *detected);

#endif
