// SPDX-License-Identifier: MIT
/* The speech-to-text interface (stt.h): the registry, and the calls the
 * turn makes, passed on to the chosen backend. */
#include "stt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"

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

/* ---- transcripts that are no speech ---- */

/*
 * Whisper writes down what it hears when nobody speaks.  On silence the
 * model emits "[BLANK_AUDIO]", a token it learnt, not one in whisper.cpp's
 * code: whisper.cpp's own example strips it from the output
 * (examples/python/whisper_processor.py: decoded_str.replace(
 * '[BLANK_AUDIO]', '')).  On noise and music it writes subtitle
 * annotations, "[Music]", "(applause)", "♪": the brackets, parentheses
 * and notes of whisper.cpp's non_speech_tokens list (src/whisper.cpp),
 * which the server suppresses only when asked (--suppress-nst, off by
 * default in examples/server/server.cpp).  And, trained on subtitles, it
 * hears a lone "Thank you." in silence.  Those are stt.no_speech's
 * defaults; a transcript made of annotations alone is never speech.
 */

/* U+FF08 and U+FF09, the fullwidth parentheses of Japanese and Chinese
 * subtitles: "（音楽）". */
static size_t wide_paren(const unsigned char *p, const unsigned char *end,
			 int *open)
{
	if (end - p >= 3 && p[0] == 0xef && p[1] == 0xbc &&
	    (p[2] == 0x88 || p[2] == 0x89)) {
		*open = p[2] == 0x88;
		return 3;
	}
	return 0;
}

/* U+2669 to U+266F: the music notes whisper writes for a tune. */
static int music_note(const unsigned char *p, const unsigned char *end)
{
	return end - p >= 3 && p[0] == 0xe2 && p[1] == 0x99 && p[2] >= 0xa9 &&
	       p[2] <= 0xaf;
}

/*
 * Nothing outside brackets and parentheses but punctuation, spaces and
 * music notes: "[Music] (applause)", "♪ ♪", "(音楽)", "...".
 */
static int only_annotations(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + strlen(text);
	int depth = 0, open;
	size_t w;

	while (p < end) {
		if (*p == '[' || *p == '(') {
			depth++;
			p++;
		} else if (*p == ']' || *p == ')') {
			depth -= depth > 0;
			p++;
		} else if ((w = wide_paren(p, end, &open))) {
			depth += open ? 1 : -(depth > 0);
			p += w;
		} else if (depth || *p < 0x80) {
			if (!depth && isalnum(*p))
				return 0;
			p++;
		} else if (music_note(p, end)) {
			p += 3;
		} else {
			return 0; /* a letter of another script */
		}
	}
	return 1;
}

/*
 * The next word of s: a run of letters and digits (any non-ASCII byte
 * counts as a letter), or a bracket on its own; spaces and other
 * punctuation only separate words, so "Thank you." is "thank" "you" and
 * "[BLANK_AUDIO]" is "[" "blank" "audio" "]".  With skip_notes, what is
 * inside brackets is passed over, so "[Music] Thank you." is "thank"
 * "you".  Returns the word's length, 0 at the end.
 */
static size_t next_word(const char **s, const char *end, const char **word,
			int skip_notes)
{
	const unsigned char *p = (const unsigned char *)*s;
	const unsigned char *e = (const unsigned char *)end;
	int depth = 0;
	size_t n = 0;

	for (; p < e; p++) {
		if (skip_notes && (*p == '[' || *p == '(')) {
			depth++;
		} else if (skip_notes && (*p == ']' || *p == ')')) {
			depth -= depth > 0;
		} else if (depth) {
			continue;
		} else if (*p && strchr("[]()", *p)) {
			n = 1;
			break;
		} else if (isalnum(*p) || *p >= 0x80) {
			while (p + n < e && (isalnum(p[n]) || p[n] >= 0x80))
				n++;
			break;
		}
	}
	*word = (const char *)p;
	*s = (const char *)(p + n);
	return n;
}

/* a and b are the same words, in ASCII case folded; and some words. */
static int same_words(const char *a, size_t alen, const char *b, int skip_notes)
{
	const char *aend = a + alen, *bend = b + strlen(b), *wa, *wb;
	size_t na, nb, words = 0;

	for (;;) {
		na = next_word(&a, aend, &wa, skip_notes);
		nb = next_word(&b, bend, &wb, skip_notes);
		if (!na || !nb)
			return !na && !nb && words;
		if (na != nb || strncasecmp(wa, wb, na))
			return 0;
		words++;
	}
}

int stt_no_speech(const char *list, const char *text, char *why,
		  size_t whylen)
{
	const char *entry = list, *bar;
	size_t n;

	if (only_annotations(text)) {
		snprintf(why, whylen,
			 "no speech: the transcript \"%.80s\" is only sound annotations",
			 text);
		return 1;
	}
	for (; *entry; entry = *bar ? bar + 1 : bar) {
		bar = strchr(entry, '|');
		if (!bar)
			bar = entry + strlen(entry);
		n = (size_t)(bar - entry);
		if (same_words(entry, n, text, 0) ||
		    same_words(entry, n, text, 1)) {
			snprintf(why, whylen,
				 "no speech: the transcript \"%.80s\" is \"%.*s\" on stt.no_speech",
				 text, (int)(n > 80 ? 80 : n), entry);
			return 1;
		}
	}
	return 0;
}

/*
 * Every backend ends here, so a transcript that is no speech is caught
 * once for all: the turn hears PEER_EMPTY and says it did not catch that,
 * with the detail of what was heard and why it was dropped.
 */
void stt_done(struct stt *s, enum peer_error e, const char *text)
{
	char why[256];

	s->streaming = 0;
	if (e == PEER_OK && text && s->cfg &&
	    stt_no_speech(s->cfg->stt_no_speech, text, why, sizeof(why))) {
		LOGI("stt", "the transcript is no speech: dropped");
		LOGD("stt", "%s", why);
		e = PEER_EMPTY;
		text = why;
	}
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
