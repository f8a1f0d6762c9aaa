// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD for the name look-up test: a DNS server that answers only
 * when the test says so, without a DNS server.  getaddrinfo() for a name
 * ending in ".parley.test" waits until the test lets it go, then answers
 * as for 127.0.0.1; every other name goes to the real getaddrinfo.
 * The handshake is files in $PARLEY_RESOLVE_DIR:
 *   held      written when a look-up starts to wait (the name in it);
 *   release   made by the test: the waiting look-up goes on, and
 *             removes it, so each look-up needs its own release;
 *   returned  written as the look-up returns.
 * A look-up is held at most 60 s, so a test that fails cannot hang.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUFFIX ".parley.test"

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
		      struct addrinfo **);

static void mark(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path); /* whole, or not there */
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	const char *dir = getenv("PARLEY_RESOLVE_DIR");
	size_t n = node ? strlen(node) : 0, k = strlen(SUFFIX);
	char release[512];
	int r;

	if (!real)
		return EAI_SYSTEM;
	if (!dir || n <= k || strcmp(node + n - k, SUFFIX))
		return real(node, service, hints, res);
	mark(dir, "held", node);
	snprintf(release, sizeof(release), "%s/release", dir);
	for (int i = 0; i < 6000 && access(release, F_OK); i++)
		usleep(10000);
	unlink(release);
	r = real("127.0.0.1", service, hints, res);
	mark(dir, "returned", node);
	return r;
}
