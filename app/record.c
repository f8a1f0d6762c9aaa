// SPDX-License-Identifier: MIT
/*
 * WAV recorder: a header with a zero length first, the frames as they
 * come, then the header again with the real length.  A write error ends
 * the recording and is reported to the waiting console client.
 *
 * The file is opened so that nothing but a new regular file in the
 * recordings directory can be written: the name is checked first (no
 * '/', no leading '.'), the directory is opened without following a
 * link, and the file with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing name
 * of any kind (the store's files, a FIFO, a link) is refused before it is
 * opened; O_NONBLOCK keeps an open that the checks missed from waiting on
 * the control loop, and fstat() proves what was opened.
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../dsp/sizes.h"
#include "led.h"
#include "log.h"
#include "wav.h"

void record_init(struct recording *r, const struct parley_config *cfg,
		 const int *muted)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->cfg = cfg;
	r->muted = muted;
}

int record_active(const struct recording *r)
{
	return r->fd >= 0;
}

static void finish(struct recording *r, const char *err)
{
	struct console_client *c = console_get(r->who);
	unsigned ch = r->ref == 2 ? 2 : 1;
	uint8_t hdr[WAV_HEADER];
	char msg[sizeof(r->path) + 128];

	/* what was written stays a valid WAV file, whatever ended it */
	wav_header(hdr, PARLEY_RATE, ch, r->done * 2 * ch);
	if (pwrite(r->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) &&
	    !err)
		err = strerror(errno);
	close(r->fd);
	r->fd = -1;
	led_recording(0);
	if (err)
		LOGW("record", "%s: %s after %u samples", r->path, err,
		     r->done);
	else
		LOGI("record", "%s: %u samples", r->path, r->done);
	if (!c)
		return;
	if (err) {
		snprintf(msg, sizeof(msg), "%s: %s after %.2f s", r->path,
			 err, r->done / (double)PARLEY_RATE);
		console_finish(c, 0, msg);
		return;
	}
	console_printf(c, "recorded %.2f s of processed audio to %s%s",
		       r->done / (double)PARLEY_RATE, r->path,
		       r->capped ? " (stopped at record.max_s)" : "");
	console_finish(c, 1, NULL);
}

/*
 * A bare file name of letters, digits, '.', '_' and '-', not starting
 * with '.': no '/' or '..' to leave the directory, no hidden files, and
 * nothing that prints as a control sequence on the console.
 */
static int bad_name(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (!n || n >= RECORD_NAME_MAX) {
		snprintf(why, whylen, "NAME must be 1 to %d bytes",
			 RECORD_NAME_MAX - 1);
		return 1;
	}
	if (strchr(name, '/')) {
		snprintf(why, whylen, "NAME must be a bare file name, without '/': recordings go to the %s directory beside the store",
			 RECORD_DIR);
		return 1;
	}
	if (name[0] == '.') {
		snprintf(why, whylen, "NAME must not start with '.'");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-')) {
			snprintf(why, whylen, "NAME may hold letters, digits, '.', '_' and '-' only");
			return 1;
		}
	}
	return 0;
}

/*
 * The recordings directory beside the store, made 0750 if missing, and
 * opened without following a link: a link put in its place would send
 * the recording elsewhere.  An fd, or -1 with why.
 */
static int open_dir(const struct parley_config *cfg, char *dir, size_t len,
		    char *why, size_t whylen)
{
	const char *slash = strrchr(cfg->store_path, '/');
	struct stat st;
	int fd;

	if (!slash)
		snprintf(dir, len, "%s", RECORD_DIR);
	else
		snprintf(dir, len, "%.*s/%s",
			 (int)(slash - cfg->store_path), cfg->store_path,
			 RECORD_DIR);
	if (mkdir(dir, 0750) && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", dir,
			 errno == ELOOP || errno == ENOTDIR ?
				 "not a directory (a link is not followed)" :
				 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (st.st_mode & S_IWOTH)) {
		/* anyone could swap names in it between our checks */
		snprintf(why, whylen, "%s: writable by everyone; refusing it",
			 dir);
		close(fd);
		return -1;
	}
	return fd;
}

int record_start(struct recording *r, const char *name, int seconds,
		 struct console_ref who, char *why, size_t whylen)
{
	char dir[sizeof(r->path) - RECORD_NAME_MAX - 1];
	uint8_t hdr[WAV_HEADER];
	struct stat st;
	int dfd, fd;

	if (!r->cfg) {
		snprintf(why, whylen, "recording is not set up");
		return -1;
	}
	if (r->fd >= 0) {
		snprintf(why, whylen, "already recording to %s", r->path);
		return -1;
	}
	if (r->muted && *r->muted) {
		snprintf(why, whylen, "the microphone is muted: nothing is recorded");
		return -1;
	}
	if (seconds < 1 || seconds > RECORD_MAX_S) {
		snprintf(why, whylen, "SECONDS must be from 1 to %d",
			 RECORD_MAX_S);
		return -1;
	}
	if (bad_name(name, why, whylen))
		return -1;
	dfd = open_dir(r->cfg, dir, sizeof(dir), why, whylen);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC,
		    0640);
	if (fd < 0) {
		snprintf(why, whylen, "%s/%s: %s", dir, name,
			 errno == EEXIST ? "exists; a recording never replaces a file" :
					   strerror(errno));
		close(dfd);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		/* O_EXCL made it: only a bug or a strange filesystem gets here */
		snprintf(why, whylen, "%s/%s: not a regular file", dir, name);
		goto fail;
	}
	wav_header(hdr, PARLEY_RATE, 1, 0);
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		snprintf(why, whylen, "%s/%s: %s", dir, name,
			 strerror(errno));
		unlinkat(dfd, name, 0); /* ours: made by this open */
		goto fail;
	}
	close(dfd);
	r->fd = fd;
	snprintf(r->path, sizeof(r->path), "%s/%s", dir, name);
	r->capped = seconds > r->cfg->record_max_s;
	if (r->capped) {
		LOGN("record", "%s: %d s asked, stopping at record.max_s, %d s",
		     r->path, seconds, r->cfg->record_max_s);
		seconds = r->cfg->record_max_s;
	}
	r->left = (uint32_t)seconds * PARLEY_RATE;
	r->done = 0;
	r->who = who;
	led_recording(1);
	return 0;
fail:
	close(fd);
	close(dfd);
	return -1;
}

void record_frame2(struct recording *r, const int16_t *a, const int16_t *b,
		   int n)
{
	uint8_t le[PARLEY_FRAME * 4];
	int ch = b ? 2 : 1;
	size_t bytes;

	if (r->fd < 0)
		return;
	if (r->muted && *r->muted) {
		/* muted means nothing is recorded from this frame on */
		finish(r, "the microphone was muted");
		return;
	}
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
	errno = 0;
	if (write(r->fd, le, bytes) != (ssize_t)bytes) {
		finish(r, errno ? strerror(errno) : "short write (disk full?)");
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

int record_clip(const struct parley_config *cfg, const char *name,
		const int16_t *a, size_t na, const int16_t *b, size_t nb,
		char *why, size_t whylen)
{
	char dir[CONFIG_STR_MAX + sizeof(RECORD_DIR) + 1];
	uint8_t hdr[WAV_HEADER];
	int dfd, fd, ok;

	if (bad_name(name, why, whylen))
		return -1;
	dfd = open_dir(cfg, dir, sizeof(dir), why, whylen);
	if (dfd < 0)
		return -1;
	/* a clip of the same name (the same second) is replaced, never a
	 * file through a link */
	unlinkat(dfd, name, 0);
	fd = openat(dfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0640);
	if (fd < 0) {
		snprintf(why, whylen, "%s/%s: %s", dir, name, strerror(errno));
		close(dfd);
		return -1;
	}
	wav_header(hdr, PARLEY_RATE, 1, (uint32_t)((na + nb) * sizeof(int16_t)));
	ok = write(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
	     write(fd, a, na * sizeof(int16_t)) == (ssize_t)(na * sizeof(int16_t)) &&
	     write(fd, b, nb * sizeof(int16_t)) == (ssize_t)(nb * sizeof(int16_t));
	if (!ok) {
		snprintf(why, whylen, "%s/%s: %s", dir, name,
			 errno ? strerror(errno) : "short write");
		unlinkat(dfd, name, 0);
	}
	close(fd);
	close(dfd);
	return ok ? 0 : -1;
}

void record_clip_remove(const struct parley_config *cfg, const char *name)
{
	char dir[CONFIG_STR_MAX + sizeof(RECORD_DIR) + 1], why[160];
	int dfd;

	if (bad_name(name, why, sizeof(why)))
		return;
	dfd = open_dir(cfg, dir, sizeof(dir), why, sizeof(why));
	if (dfd < 0)
		return;
	unlinkat(dfd, name, 0);
	close(dfd);
}
