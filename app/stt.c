// SPDX-License-Identifier: MIT
/* The speech-to-text interface (stt.h): the registry, and the calls the
 * turn makes, passed on to the chosen backend. */
#include "stt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>


const struct stt_ops *const stt_backends[] = { &stt_openai, &stt_whispercpp,
						&stt_wyoming, NULL };

const struct stt_ops *stt_find(const char *name)
{
	for (int i = 0; stt_backends[i]; i++)
		if (!strcmp(stt_backends[i]->name, name))
			return stt_backends[i];
	return NULL;
}

void stt_init(struct stt *s, const struct parley_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->wy.w.fd = -1;
	s->cfg = cfg;
	stt_select(s);
}

void stt_listen(struct stt *s, const struct stt_events *ev, void *ctx)
{
	s->ev = ev;
	s->ctx = ctx;
}

void stt_select(struct stt *s)
{
	const struct stt_ops *ops = stt_find(s->cfg->stt_backend);

	if (s->ops)
		s->ops->abort(s);
	/* the configuration allows only the names in the registry */
	s->ops = ops ? ops : &stt_openai;
	s->streaming = 0;
}

void stt_begin(struct stt *s, const int16_t *pcm, size_t n)
{
	if (!s->ops->begin || s->streaming)
		return;
	s->streaming = 1;
	s->ops->begin(s, pcm, n); /* a failure is told at stt_finish */
}

void stt_audio(struct stt *s, const int16_t *pcm, size_t n)
{
	if (s->streaming && s->ops->audio)
		s->ops->audio(s, pcm, n);
}

int stt_finish(struct stt *s, const int16_t *pcm, size_t n)
{
	return s->ops->finish(s, pcm, n);
}

void stt_abort(struct stt *s)
{
	s->ops->abort(s);
	s->streaming = 0;
}

void stt_done(struct stt *s, enum peer_error e, const char *text)
{
	s->streaming = 0;
	if (s->ev)
		s->ev->on_done(s->ctx, e, text);
}

size_t stt_set_text(struct stt *s, const char *text)
{
	size_t n;

	while (isspace((unsigned char)*text))
		text++;
	snprintf(s->text, sizeof(s->text), "%s", text);
	n = strlen(s->text);
	while (n && isspace((unsigned char)s->text[n - 1]))
		s->text[--n] = '\0';
	return n;
}
