// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the configuration loader and validator, on any file
 * content.  Every problem must be reported as one line that names the
 * file.
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

static struct parley_config cfg;
static char path[64];

static void report(const char *line, void *ctx)
{
	(void)ctx;
	config_report_check(line, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("parley-fuzz.conf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		config_load(&cfg, path, report, NULL);
	}
	close(fd);
	return 0;
}
