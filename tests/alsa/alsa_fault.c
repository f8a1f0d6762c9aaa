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
	return real(pcm, buf, size);
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
	return real(pcm, buf, size);
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
