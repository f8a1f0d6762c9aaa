/* SPDX-License-Identifier: MIT */
/*
 * Audio device interface.  A backend opens one capture and one playback
 * stream of 16-bit mono PCM with 10 ms periods and moves one period at a
 * time.  Only the audio engine's thread calls these.
 */
#ifndef PARLEY_HAL_AUDIO_H
#define PARLEY_HAL_AUDIO_H

#include <stddef.h>
#include <stdint.h>

struct audio_params {
	const char *capture_device; /* backend's device name */
	const char *playback_device;
	unsigned capture_rate; /* Hz; the DSP rate */
	unsigned playback_rate; /* Hz; a multiple of 100 */
	unsigned buffer_periods; /* periods in the device buffer */
};

struct audio_ops {
	/** @name: backend name, as in the config and -V */
	const char *name;
	/**
	 * @open: opens and starts both streams.  Returns 0 and sets *dev, or a
	 * negative errno with a message naming the device in err.
	 */
	int (*open)(void **dev, const struct audio_params *p, char *err,
		    size_t errlen);
	/**
	 * @read: reads exactly frames capture frames, blocking.  Returns frames,
	 * or a negative errno the engine hands to @recover.
	 */
	int (*read)(void *dev, int16_t *pcm, unsigned frames);
	/** @write: writes exactly frames playback frames; as @read. */
	int (*write)(void *dev, const int16_t *pcm, unsigned frames);
	/**
	 * @recover: handles an error returned by @read or @write.  Returns 0
	 * when the stream runs again, or the error if it cannot recover.
	 * @playback says which stream failed.
	 */
	int (*recover)(void *dev, int playback, int err);
	/** @close: stops and closes both streams; accepts NULL. */
	void (*close)(void *dev);
};

/* NULL-terminated registry of compiled-in backends. */
extern const struct audio_ops *const audio_backends[];
const struct audio_ops *audio_find(const char *name);

#endif
