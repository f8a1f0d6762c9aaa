// SPDX-License-Identifier: MIT
/* Built without pocketsphinx: offline recognition is not there. */
#include "sphinx.h"

#include <errno.h>
#include <stdio.h>

int sphinx_start(const char *hmm, const char *dict, char *err, size_t errlen)
{
	(void)hmm;
	(void)dict;
	snprintf(err, errlen, "built without pocketsphinx");
	return -ENOTSUP;
}

void sphinx_stop(void)
{
}

int sphinx_built(void)
{
	return 0;
}

int sphinx_ready(void)
{
	return 0;
}

int sphinx_fd(void)
{
	return -1;
}

int sphinx_decode(const int16_t *pcm, size_t n)
{
	(void)pcm;
	(void)n;
	return -ENOTSUP;
}

int sphinx_result(char *text, size_t len)
{
	(void)text;
	(void)len;
	return 0;
}

void sphinx_cancel(void)
{
}
