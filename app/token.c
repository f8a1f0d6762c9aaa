// SPDX-License-Identifier: MIT
/* The LLM's bearer token (token.h). */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

/* Where the loaded token came from, "" while none is: the rule still
 * holds on a reload after the file or the credential has gone.  Written
 * at start-up only. */
static char loaded_from[48];

int token_source(const struct parley_config *cfg, char *path, size_t len,
		 const char **what)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (cfg->token_file[0]) {
		snprintf(path, len, "%s", cfg->token_file);
		*what = "llm.token_file";
		return 1;
	}
	/* systemd sets an absolute path; anything else is not its */
	if (!dir || dir[0] != '/')
		return 0;
	n = snprintf(path, len, "%s/%s", dir, TOKEN_CREDENTIAL);
	if (n < 0 || (size_t)n >= len || access(path, F_OK))
		return 0;
	*what = "the credential " TOKEN_CREDENTIAL;
	return 1;
}

/* RFC 6750's b64token is a subset of the visible ASCII; a space, a
 * control byte or a CR/LF could end the header and start another. */
static int token_bytes_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return 0;
	return 1;
}

int token_read(const char *path, const char *what, char *buf, size_t len,
	       char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0, line;
	int fd;

	buf[0] = '\0';
	/* O_NONBLOCK: a FIFO in its place must not hold the start-up */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s '%s': %s", what, path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s '%s' is not a regular file", what,
			 path);
		close(fd);
		return -1;
	}
	if (st.st_mode & 0077)
		LOGW("token", "%s '%s' can be read by others (mode %03o); make it 0600",
		     what, path, (unsigned)(st.st_mode & 0777));
	/* straight into the one buffer: no stdio buffer holds a copy */
	while (n < len - 1) {
		ssize_t got = read(fd, buf + n, len - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	for (line = 0; line < n && buf[line] != '\n' && buf[line] != '\r';
	     line++)
		;
	explicit_bzero(buf + line, len - line);
	if (line == len - 1) {
		explicit_bzero(buf, len);
		snprintf(err, errlen, "%s '%s': the token is longer than %zu bytes",
			 what, path, len - 2);
		return -1;
	}
	if (!line) {
		snprintf(err, errlen, "%s '%s' is empty", what, path);
		return -1;
	}
	if (!token_bytes_ok(buf, line)) {
		explicit_bzero(buf, len);
		snprintf(err, errlen,
			 "%s '%s': the token holds a space or a control byte, which a bearer token cannot",
			 what, path);
		return -1;
	}
	/* no core file and no /proc/PID/mem for the service user's other
	 * processes while the token is in memory, which is from now on */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		LOGW("token", "cannot make the process non-dumpable: %s",
		     strerror(errno));
	return 0;
}

int token_load(const struct parley_config *cfg, char *buf, size_t len,
	       char *err, size_t errlen)
{
	char path[CONFIG_STR_MAX + 64];
	const char *what = "";

	buf[0] = '\0';
	if (!token_source(cfg, path, sizeof(path), &what))
		return 0;
	if (token_read(path, what, buf, len, err, errlen))
		return -1;
	snprintf(loaded_from, sizeof(loaded_from), "%s", what);
	return 0;
}

void token_forget(char *buf, size_t len)
{
	explicit_bzero(buf, len);
}

int token_rule(const struct parley_config *cfg, char *why, size_t whylen)
{
	char path[CONFIG_STR_MAX + 64];
	const char *what = loaded_from;

	if (!loaded_from[0] && !token_source(cfg, path, sizeof(path), &what))
		return 0;
	if (cfg->allow_insecure_token || !http_in_clear(cfg->llm_url))
		return 0;
	snprintf(why, whylen,
		 "llm.url = \"%.128s\": the bearer token (%s) would go as plain http, readable on the way and by whoever listens there; use https://, or set llm.allow_insecure_token = true",
		 cfg->llm_url, what);
	return -1;
}
