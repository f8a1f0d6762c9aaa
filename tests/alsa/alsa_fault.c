// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD fault injector for alsa-lib, for the audio-fault tests: the
 * PCMs stay real (the file-backed test devices), but on request their
 * calls fail the way a real card does.  Requests are files in
 * $PARLEY_ALSA_FAULTS:
 *   xrun    the next capture read returns -EPIPE (the file is removed);
 *   estrpipe  the next capture read returns -ESTRPIPE, as after a system
 *           suspend (the file is removed); snd_pcm_resume then answers
 *           -EAGAIN three times before the real call, and the number of
 *           resume calls is written to "resume_calls";
 *   play_ppm  (holding a number) while it exists, the playback stream
 *           acts as a card whose clock runs that many ppm fast against the
 *           capture card: snd_pcm_delay reports frames written minus frames
 *           such a card would have played by now (capture frames read,
 *           scaled), and the lowest and highest levels reported go to
 *           "play_level" as "MIN MAX";
 *   enodev  while it exists, reads and writes return -ENODEV and opening
 *           a PCM fails with -ENODEV, as when a USB card is unplugged.
 */
#define _GNU_SOURCE
#include <alsa/asoundlib.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int request(const char *name, int consume)
{
	const char *dir = getenv("PARLEY_ALSA_FAULTS");
	char path[512];

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, F_OK))
		return 0;
	if (consume)
		unlink(path);
	return 1;
}

static int resume_eagain, resume_calls, depth;
/* the drifting-clock model: frames moved on each stream */
static long long cap_read, play_written;
static long long level_min = 1LL << 60, level_max = -(1LL << 60);
static unsigned cap_rate, play_rate;

static unsigned rate_of(snd_pcm_t *pcm)
{
	snd_pcm_hw_params_t *hw;
	unsigned rate = 0;
	int dir = 0;

	snd_pcm_hw_params_alloca(&hw);
	if (snd_pcm_hw_params_current(pcm, hw) == 0) {
		/* this unlinked shim may bind the ALSA 0.9 symbol version,
		 * which returns the rate instead of storing it */
		int r = snd_pcm_hw_params_get_rate(hw, &rate, &dir);

		if (r > 0)
			rate = (unsigned)r;
	}
	return rate;
}

static int drift_ppm(long *ppm)
{
	const char *dir = getenv("PARLEY_ALSA_FAULTS");
	char path[512];
	FILE *f;
	int ok;

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/play_ppm", dir);
	/* fopen allocates its FILE before it looks: the allocation test runs
	 * with this shim, and asks without a play_ppm file */
	if (access(path, F_OK))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fscanf(f, "%ld", ppm) == 1;
	fclose(f);
	return ok;
}

int snd_pcm_delay(snd_pcm_t *pcm, snd_pcm_sframes_t *delayp)
{
	static int (*real)(snd_pcm_t *, snd_pcm_sframes_t *);
	const char *dir = getenv("PARLEY_ALSA_FAULTS");
	long long played, level;
	char path[512];
	long ppm;
	FILE *f;

	if (!real)
		real = (int (*)(snd_pcm_t *, snd_pcm_sframes_t *))dlsym(
			RTLD_NEXT, "snd_pcm_delay");
	if (snd_pcm_stream(pcm) != SND_PCM_STREAM_PLAYBACK || !drift_ppm(&ppm) ||
	    !cap_rate)
		return real(pcm, delayp);
	if (!play_rate)
		play_rate = rate_of(pcm);
	played = cap_read * play_rate * (1000000LL + ppm) /
		 ((long long)cap_rate * 1000000LL);
	level = play_written - played;
	if (level < level_min)
		level_min = level;
	if (level > level_max)
		level_max = level;
	snprintf(path, sizeof(path), "%s/play_level", dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lld %lld\n", level_min, level_max);
		fclose(f);
	}
	*delayp = level > 0 ? (snd_pcm_sframes_t)level : 0;
	return 0;
}

int snd_pcm_resume(snd_pcm_t *pcm)
{
	static int (*real)(snd_pcm_t *);
	const char *dir = getenv("PARLEY_ALSA_FAULTS");
	char path[512];
	FILE *f;

	int r;

	if (!real)
		real = (int (*)(snd_pcm_t *))dlsym(RTLD_NEXT, "snd_pcm_resume");
	if (depth) /* a plugin resuming its slave: not the engine's call */
		return real(pcm);
	resume_calls++;
	if (dir) {
		snprintf(path, sizeof(path), "%s/resume_calls", dir);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%d\n", resume_calls);
			fclose(f);
		}
	}
	if (resume_eagain > 0) {
		resume_eagain--;
		return -EAGAIN;
	}
	depth++;
	r = real(pcm);
	depth--;
	return r;
}

snd_pcm_sframes_t snd_pcm_readi(snd_pcm_t *pcm, void *buf,
				snd_pcm_uframes_t size)
{
	static snd_pcm_sframes_t (*real)(snd_pcm_t *, void *, snd_pcm_uframes_t);

	if (!real)
		real = (snd_pcm_sframes_t(*)(snd_pcm_t *, void *,
					     snd_pcm_uframes_t))dlsym(RTLD_NEXT,
								      "snd_pcm_readi");
	if (request("enodev", 0))
		return -ENODEV;
	if (request("xrun", 1))
		return -EPIPE;
	if (request("estrpipe", 1)) {
		resume_eagain = 3;
		return -ESTRPIPE;
	}
	{
		snd_pcm_sframes_t n = real(pcm, buf, size);

		if (n > 0) {
			if (!cap_rate)
				cap_rate = rate_of(pcm);
			cap_read += n;
		}
		return n;
	}
}

snd_pcm_sframes_t snd_pcm_writei(snd_pcm_t *pcm, const void *buf,
				 snd_pcm_uframes_t size)
{
	static snd_pcm_sframes_t (*real)(snd_pcm_t *, const void *,
					 snd_pcm_uframes_t);

	if (!real)
		real = (snd_pcm_sframes_t(*)(snd_pcm_t *, const void *,
					     snd_pcm_uframes_t))dlsym(RTLD_NEXT,
								      "snd_pcm_writei");
	if (request("enodev", 0))
		return -ENODEV;
	{
		snd_pcm_sframes_t n = real(pcm, buf, size);

		if (n > 0)
			play_written += n;
		return n;
	}
}

int snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream,
		 int mode)
{
	static int (*real)(snd_pcm_t **, const char *, snd_pcm_stream_t, int);

	if (!real)
		real = (int (*)(snd_pcm_t **, const char *, snd_pcm_stream_t,
				int))dlsym(RTLD_NEXT, "snd_pcm_open");
	if (request("enodev", 0))
		return -ENODEV;
	return real(pcm, name, stream, mode);
}
