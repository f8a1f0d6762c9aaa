/* SPDX-License-Identifier: MIT */
/*
 * Recording the processed microphone signal to a WAV file, for debugging
 * ("record SECONDS FILE" on the console).  Frames are written as the
 * control thread receives them; the audio thread is not involved.
 */
#ifndef PARLEY_APP_RECORD_H
#define PARLEY_APP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "console.h"

struct recording {
	int fd; /* -1 when idle */
	uint32_t left; /* samples still to write */
	uint32_t done;
	char path[256];
	int ref; /* 0: the microphone; 1: the echo reference; 2: both (stereo) */
	struct console_ref who; /* the console client waiting for it */
};

#define RECORD_MAX_S 300

/* Starts recording seconds of audio to path. 0 or -1 with why. */
int record_start(struct recording *r, const char *path, int seconds,
		 struct console_ref who, char *why, size_t whylen);
/* Called with every processed capture frame. */
void record_frame(struct recording *r, const int16_t *pcm, int n);
/* Mic and echo reference as one stereo frame (b NULL: mono a). */
void record_frame2(struct recording *r, const int16_t *a, const int16_t *b,
		   int n);
void record_abort(struct recording *r);

#endif
