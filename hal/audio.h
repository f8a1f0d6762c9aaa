/* SPDX-License-Identifier: MIT */
/*
 * Audio device interface.  A backend opens one capture stream of 16-bit
 * interleaved PCM (capture_channels channels) and one playback stream of
 * 16-bit mono PCM, both with 10 ms periods, and moves one period at a time.
 * Only the audio engine's thread calls these (open also from start-up).
 */
#ifndef PARLEY_HAL_AUDIO_H
#define PARLEY_HAL_AUDIO_H

#include <stddef.h>
#include <stdint.h>

struct audio_params {
	const char *capture_device; /* backend's device name */
	const char *playback_device;
	unsigned capture_rate; /* Hz; a multiple of 100 */
	unsigned capture_channels; /* interleaved channels read */
	unsigned playback_rate; /* Hz; a multiple of 100 */
	unsigned buffer_periods; /* periods in the capture device buffer */
	unsigned playback_periods; /* periods in the playback device buffer */
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
	 * @read: reads exactly frames capture frames (frames * channels
	 * samples), blocking.  Returns frames, or a negative errno the engine
	 * hands to @recover.
	 */
	int (*read)(void *dev, int16_t *pcm, unsigned frames);
	/** @write: writes exactly frames playback frames; as @read. */
	int (*write)(void *dev, const int16_t *pcm, unsigned frames);
	/**
	 * @recover: handles an error returned by @read or @write by its type:
	 * -EPIPE (xrun) prepares the stream again; -ESTRPIPE (suspended)
	 * resumes it, retrying while the driver says -EAGAIN, and prepares it
	 * if resuming fails.  Returns 0 when the stream runs again, or the
	 * error if it cannot recover (-ENODEV, -EIO: the engine reopens).
	 * @playback says which stream failed.
	 */
	int (*recover)(void *dev, int playback, int err);
	/**
	 * @delay: frames between the application and the converter: queued
	 * for playback not yet heard, or captured not yet read.  Returns 0 or
	 * a negative errno.  May be NULL: the engine then assumes 0.
	 */
	int (*delay)(void *dev, int playback, long *frames);
	/**
	 * @buffer: the device buffer the driver granted, in frames.  May be
	 * NULL: the engine then reports the buffer it asked for.
	 */
	unsigned (*buffer)(void *dev, int playback);
	/** @close: stops and closes both streams; accepts NULL. */
	void (*close)(void *dev);
};

/*
 * Hardware volume through an ALSA simple mixer control, for the control
 * thread only (never the audio thread).  spec is "CONTROL" on the default
 * card or "CONTROL@CARD" (e.g. "Speaker@hw:1").  Returns NULL with a message
 * naming the control in err.
 */
struct audio_mixer;
struct audio_mixer *audio_mixer_open(const char *spec, char *err,
				     size_t errlen);
/* Sets the control to percent (0.5 dB a step, 0 mutes).  0 or -errno. */
int audio_mixer_set(struct audio_mixer *m, int percent);
void audio_mixer_close(struct audio_mixer *m); /* accepts NULL */

/* NULL-terminated registry of compiled-in backends. */
extern const struct audio_ops *const audio_backends[];
const struct audio_ops *audio_find(const char *name);

#endif
