/* SPDX-License-Identifier: MIT */
/*
 * The configuration fuzzers' check of each reported line: one line, and
 * it names the file, except the source line shown after a syntax error
 * ("   12 | text") and its caret line ("      | ^"), which follow one.
 */
#ifndef PARLEY_TESTS_FUZZ_CONFIG_REPORT_H
#define PARLEY_TESTS_FUZZ_CONFIG_REPORT_H

#include <stdlib.h>
#include <string.h>

static int config_report_after_problem;

static void config_report_check(const char *line, const char *path)
{
	int excerpt = strlen(line) >= 8 && !strncmp(line + 5, " | ", 3);

	if (strchr(line, '\n'))
		abort();
	if (excerpt) {
		if (!config_report_after_problem)
			abort();
		return;
	}
	if (strncmp(line, path, strlen(path)))
		abort();
	config_report_after_problem = 1;
}

#endif
