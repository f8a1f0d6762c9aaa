// SPDX-License-Identifier: MIT
/*
 * pocketsphinx over a JSGF grammar of the offline commands (sphinx.h).
 * The decoder is made once at start-up; each decode runs on the worker
 * over its own copy of the utterance (so a new turn may overwrite the
 * turn's buffer meanwhile).  A generation number drops results that
 * were cancelled.
 */
#include "sphinx.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#pragma GCC diagnostic pop

#include "../dsp/sizes.h"
#include "log.h"

/* The commands of grammar.h, in words a recogniser can hear. */
static const char jsgf[] =
	"#JSGF V1.0;\n"
	"grammar parley;\n"
	"public <command> = <timer> | <stop> | <time> | <volume>;\n"
	"<timer> = (set | start) (a | the) timer for <number> <unit>;\n"
	"<number> = a | an | <digit> | <teen> | <ten> [<digit>];\n"
	"<digit> = one | two | three | four | five | six | seven | eight | nine;\n"
	"<teen> = ten | eleven | twelve | thirteen | fourteen | fifteen |"
	" sixteen | seventeen | eighteen | nineteen;\n"
	"<ten> = twenty | thirty | forty | fifty | sixty | seventy | eighty |"
	" ninety;\n"
	"<unit> = second | seconds | minute | minutes | hour | hours;\n"
	"<stop> = stop [the (timer | alarm)];\n"
	"<time> = what time is it | what's the time;\n"
	"<volume> = volume (up | down) | turn it (up | down) | louder |"
	" quieter;\n";

static struct {
	ps_decoder_t *ps;
	cmd_ln_t *cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int run; /* under lock */
	int busy; /* under lock: a decode is queued or running */
	uint32_t gen; /* under lock: bumped by a cancel */
	uint32_t job_gen; /* under lock: gen of the queued decode */
	int done_fd;
	size_t n; /* samples in sx_pcm, written before busy is set */
	char text[PARLEY_TRANSCRIPT_MAX]; /* under lock */
	int fresh; /* under lock: text is a result not read yet */
	int started;
} sx = { .done_fd = -1 };
/*
 * The worker's own copy of the utterance (960 kB), apart from sx: in sx
 * the one non-zero initialiser put all of it into .data, a file-backed
 * private mapping that every start reads in; here it is .bss, pages
 * that cost nothing until an offline decode touches them.
 */
static int16_t sx_pcm[PARLEY_UTT_MAX_SAMPLES];

static void *worker(void *arg)
{
	char text[PARLEY_TRANSCRIPT_MAX];
	uint64_t one = 1;

	(void)arg;
	pthread_mutex_lock(&sx.lock);
	for (;;) {
		uint32_t gen;
		const char *hyp;

		while (sx.run && !sx.busy)
			pthread_cond_wait(&sx.cond, &sx.lock);
		if (!sx.run)
			break;
		gen = sx.job_gen;
		pthread_mutex_unlock(&sx.lock);

		text[0] = '\0';
		if (ps_start_utt(sx.ps) == 0) {
			ps_process_raw(sx.ps, sx_pcm, sx.n, FALSE, TRUE);
			ps_end_utt(sx.ps);
			hyp = ps_get_hyp(sx.ps, NULL);
			snprintf(text, sizeof(text), "%s", hyp ? hyp : "");
		}

		pthread_mutex_lock(&sx.lock);
		sx.busy = 0;
		if (gen == sx.gen) {
			memcpy(sx.text, text, sizeof(text));
			sx.fresh = 1;
			if (write(sx.done_fd, &one, sizeof(one)) < 0) {
				/* the counter cannot overflow here */
			}
		}
	}
	pthread_mutex_unlock(&sx.lock);
	return NULL;
}

int sphinx_start(const char *hmm, const char *dict, char *err, size_t errlen)
{
	if (access(hmm, R_OK) || access(dict, R_OK)) {
		snprintf(err, errlen, "pocketsphinx model '%s' or dictionary '%s': %s",
			 hmm, dict, strerror(errno));
		return -ENOENT;
	}
	err_set_logfp(NULL); /* it is chatty on stderr */
	sx.cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-dict", dict,
			     "-samprate", "16000", NULL);
	if (!sx.cfg) {
		snprintf(err, errlen, "pocketsphinx: bad configuration");
		return -EINVAL;
	}
	sx.ps = ps_init(sx.cfg);
	if (!sx.ps) {
		snprintf(err, errlen, "pocketsphinx: cannot load the model '%s'",
			 hmm);
		goto fail;
	}
	if (ps_set_jsgf_string(sx.ps, "commands", jsgf) ||
	    ps_set_search(sx.ps, "commands")) {
		snprintf(err, errlen, "pocketsphinx: the grammar was refused");
		goto fail;
	}
	sx.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sx.done_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&sx.lock, NULL);
	pthread_cond_init(&sx.cond, NULL);
	sx.run = 1;
	if (pthread_create(&sx.thread, NULL, worker, NULL)) {
		snprintf(err, errlen, "cannot start the recogniser thread");
		close(sx.done_fd);
		sx.done_fd = -1;
		goto fail;
	}
	sx.started = 1;
	return 0;
fail:
	if (sx.ps)
		ps_free(sx.ps);
	cmd_ln_free_r(sx.cfg);
	sx.ps = NULL;
	sx.cfg = NULL;
	return -EINVAL;
}

void sphinx_stop(void)
{
	if (!sx.started)
		return;
	pthread_mutex_lock(&sx.lock);
	sx.run = 0;
	pthread_cond_signal(&sx.cond);
	pthread_mutex_unlock(&sx.lock);
	pthread_join(sx.thread, NULL);
	ps_free(sx.ps);
	cmd_ln_free_r(sx.cfg);
	close(sx.done_fd);
	sx.ps = NULL;
	sx.cfg = NULL;
	sx.done_fd = -1;
	sx.started = 0;
}

int sphinx_built(void)
{
	return 1;
}

int sphinx_ready(void)
{
	return sx.started;
}

int sphinx_fd(void)
{
	return sx.done_fd;
}

int sphinx_decode(const int16_t *pcm, size_t n)
{
	int r = 0;

	if (!sx.started)
		return -ENOTSUP;
	if (n > PARLEY_UTT_MAX_SAMPLES)
		n = PARLEY_UTT_MAX_SAMPLES;
	pthread_mutex_lock(&sx.lock);
	if (sx.busy) {
		r = -EBUSY; /* a cancelled decode is still running */
	} else {
		/* digital silence (exact zeros, as the echo canceller's start
		 * gives) has no log energy and upsets the recogniser's feature
		 * normalisation: one LSB of fixed dither there */
		for (size_t i = 0; i < n; i++)
			sx_pcm[i] = pcm[i] ? pcm[i] : (int16_t)(i & 1 ? 1 : -1);
		sx.n = n;
		sx.gen++;
		sx.job_gen = sx.gen;
		sx.fresh = 0;
		sx.busy = 1;
		pthread_cond_signal(&sx.cond);
	}
	pthread_mutex_unlock(&sx.lock);
	return r;
}

int sphinx_result(char *text, size_t len)
{
	uint64_t v;
	int r;

	if (!sx.started)
		return 0;
	if (read(sx.done_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing new */
	}
	pthread_mutex_lock(&sx.lock);
	r = sx.fresh;
	if (r)
		snprintf(text, len, "%s", sx.text);
	sx.fresh = 0;
	pthread_mutex_unlock(&sx.lock);
	return r;
}

void sphinx_cancel(void)
{
	if (!sx.started)
		return;
	pthread_mutex_lock(&sx.lock);
	sx.gen++;
	sx.fresh = 0;
	pthread_mutex_unlock(&sx.lock);
}
