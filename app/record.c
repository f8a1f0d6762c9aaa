// SPDX-License-Identifier: MIT
/*
 * WAV recorder: a header with a zero length first, the frames as they
 * come, then the header again with the real length.  A write error ends
 * the recording and is reported to the waiting console client.
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../dsp/sizes.h"
#include "log.h"
#include "wav.h"

static void finish(struct recording *r, const char *err)
{
	struct console_client *c = console_get(r->who);
	uint8_t hdr[WAV_HEADER];
	char msg[320];

	if (!err) {
		unsigned ch = r->ref == 2 ? 2 : 1;

		wav_header(hdr, PARLEY_RATE, ch, r->done * 2 * ch);
		if (pwrite(r->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			err = strerror(errno);
	}
	close(r->fd);
	r->fd = -1;
	if (err)
		LOGW("record", "%s: %s", r->path, err);
	else
		LOGI("record", "%s: %u samples", r->path, r->done);
	if (!c)
		return;
	if (err) {
		snprintf(msg, sizeof(msg), "%s: %s", r->path, err);
		console_finish(c, 0, msg);
	} else {
		console_printf(c, "recorded %.2f s of processed audio to %s",
			       r->done / (double)PARLEY_RATE, r->path);
		console_finish(c, 1, NULL);
	}
}

int record_start(struct recording *r, const char *path, int seconds,
		 struct console_ref who, char *why, size_t whylen)
{
	uint8_t hdr[WAV_HEADER];

	if (r->fd >= 0) {
		snprintf(why, whylen, "already recording to %s", r->path);
		return -1;
	}
	if (path[0] != '/') {
		snprintf(why, whylen, "FILE must be an absolute path");
		return -1;
	}
	if (seconds < 1 || seconds > RECORD_MAX_S) {
		snprintf(why, whylen, "SECONDS must be from 1 to %d",
			 RECORD_MAX_S);
		return -1;
	}
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (r->fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	wav_header(hdr, PARLEY_RATE, 1, 0);
	if (write(r->fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->left = (uint32_t)seconds * PARLEY_RATE;
	r->done = 0;
	r->who = who;
	return 0;
}

void record_frame2(struct recording *r, const int16_t *a, const int16_t *b,
		   int n)
{
	uint8_t le[PARLEY_FRAME * 4];
	int ch = b ? 2 : 1;
	size_t bytes;

	if (r->fd < 0)
		return;
	if ((uint32_t)n > r->left)
		n = (int)r->left;
	if (n > PARLEY_FRAME)
		n = PARLEY_FRAME;
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < ch; c++) {
			int16_t v = c ? b[i] : a[i];
			uint8_t *o = le + 2 * (i * ch + c);

			o[0] = (uint8_t)v;
			o[1] = (uint8_t)((uint16_t)v >> 8);
		}
	}
	bytes = (size_t)n * 2 * (size_t)ch;
	if (write(r->fd, le, bytes) != (ssize_t)bytes) {
		finish(r, errno ? strerror(errno) : "short write");
		return;
	}
	r->done += (uint32_t)n;
	r->left -= (uint32_t)n;
	if (!r->left)
		finish(r, NULL);
}

void record_frame(struct recording *r, const int16_t *pcm, int n)
{
	record_frame2(r, pcm, NULL, n);
}

void record_abort(struct recording *r)
{
	if (r->fd >= 0)
		finish(r, "stopped");
}
