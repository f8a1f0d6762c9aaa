// SPDX-License-Identifier: MIT
/*
 * Fuzz target: configuration layering (config.c), as the daemon does it:
 * a board fragment, then the user's file over it (config_load_over).
 *
 * Input: the board file, a NUL byte, the user's file.  Checked: every
 * problem is one line naming the file it is in; a file that loads with no
 * problem is a fixed point (loading it again over the result changes
 * nothing); and an empty layer changes nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../app/config.h"
#include "config_report.h"

static struct parley_config cfg, again;
static char path[64];

static void report(const char *line, void *ctx)
{
	(void)ctx;
	config_report_check(line, path);
}

/* A memfd holding len bytes of data, or -1. */
static int file_of(const uint8_t *data, size_t len)
{
	int fd = memfd_create("parley-fuzz.conf", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int load(int fd, int over)
{
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return over ? config_load_over(&cfg, path, report, NULL) :
		      config_load(&cfg, path, report, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t board = nul ? (size_t)(nul - data) : size;
	int bfd, ufd, efd, r;

	bfd = file_of(data, board);
	ufd = file_of(nul ? nul + 1 : data + size,
		      nul ? size - board - 1 : 0);
	efd = file_of(data, 0);
	if (bfd < 0 || ufd < 0 || efd < 0)
		goto out;
	load(bfd, 0);
	r = load(ufd, 1);
	memcpy(&again, &cfg, sizeof(cfg));
	if (load(efd, 1) != 0 || memcmp(&again, &cfg, sizeof(cfg)))
		abort(); /* an empty layer changed something */
	if (r == 0 && (load(ufd, 1) != 0 || memcmp(&again, &cfg, sizeof(cfg))))
		abort(); /* a clean layer is not a fixed point */
out:
	if (bfd >= 0)
		close(bfd);
	if (ufd >= 0)
		close(ufd);
	if (efd >= 0)
		close(efd);
	return 0;
}
