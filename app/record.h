/* SPDX-License-Identifier: MIT */
/*
 * Recording the processed microphone signal to a WAV file, for debugging
 * ("record SECONDS NAME" on the console).  Frames are written as the
 * control thread receives them; the audio thread is not involved.
 *
 * Whoever may record may not choose where: NAME is a bare file name in
 * one directory, recordings/ beside the store (store.path), so a
 * recording can never land on the store, its -wal or -journal, a FIFO
 * or another file through a link.  A recording never overwrites, stops
 * at record.max_s, is refused while the microphone is muted and ends
 * when it is muted, and the LED shows it while it runs.
 */
#ifndef PARLEY_APP_RECORD_H
#define PARLEY_APP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "console.h"

#define RECORD_NAME_MAX 128 /* bytes of a recording's file name */
#define RECORD_DIR "recordings"

struct recording {
	int fd; /* -1 when idle */
	uint32_t left; /* samples still to write */
	uint32_t done;
	int capped; /* shortened to record.max_s */
	char path[CONFIG_STR_MAX + sizeof(RECORD_DIR) + RECORD_NAME_MAX + 2];
	int ref; /* 0: the microphone; 1: the echo reference; 2: both (stereo) */
	struct console_ref who; /* the console client waiting for it */
	/* set once by record_init: the settings, and the turn's muted flag */
	const struct parley_config *cfg;
	const int *muted;
};

/* The longest SECONDS the command takes: record.max_s's own maximum. */
#define RECORD_MAX_S 3600

/*
 * Sets r up, idle: cfg gives the directory (store.path) and the cap
 * (record.max_s); *muted is the microphone's muted flag, read at start
 * and with every frame.  Until this is called record_start refuses.
 */
void record_init(struct recording *r, const struct parley_config *cfg,
		 const int *muted);
/*
 * Starts recording seconds of audio (at most record.max_s) to the bare
 * file name name in the recordings directory.  0, or -1 with why.
 */
int record_start(struct recording *r, const char *name, int seconds,
		 struct console_ref who, char *why, size_t whylen);
/* Called with every processed capture frame. */
void record_frame(struct recording *r, const int16_t *pcm, int n);
/* Mic and echo reference as one stereo frame (b NULL: mono a). */
void record_frame2(struct recording *r, const int16_t *a, const int16_t *b,
		   int n);
void record_abort(struct recording *r);
/* Is a recording running? */
int record_active(const struct recording *r);

/*
 * Writes a finished clip, a then b (n samples each, 16 kHz mono), as the
 * WAV file name in the recordings directory, replacing a clip of that
 * name (wake.record: the audio of the latest wake word detections).
 * 0, or -1 with why.
 */
int record_clip(const struct parley_config *cfg, const char *name,
		const int16_t *a, size_t na, const int16_t *b, size_t nb,
		char *why, size_t whylen);

/* Removes a clip record_clip wrote. */
void record_clip_remove(const struct parley_config *cfg, const char *name);

#endif
