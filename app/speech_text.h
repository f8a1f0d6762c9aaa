/* SPDX-License-Identifier: MIT */
/*
 * Text for speech: a streaming filter between the model's answer and the
 * sentence chunker.  It turns the Markdown, HTML and emoji that models
 * write for screens into what a voice should say: a link as its text, a
 * bare URL as its host name, a fenced code block as one short phrase,
 * emoji and HTML tags as nothing, headings, list items and table rows as
 * sentences of their own, emphasis without its markers.
 *
 * Tokens may split the text anywhere, even inside a UTF-8 sequence or a
 * marker; the output (concatenated) is the same for any split.  What has
 * to wait for the next bytes is held in the fixed buffers below, each
 * with a limit: past it the held text goes out as it was written.
 */
#ifndef PARLEY_APP_SPEECH_TEXT_H
#define PARLEY_APP_SPEECH_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Said once in place of each fenced code block; one sentence. */
#define SPEECH_TEXT_CODE_PHRASE "Here is some code, which I will skip."

#define SPEECH_TEXT_PRE_MAX 64 /* start of a line, until its kind is known */
#define SPEECH_TEXT_LINK_MAX 160 /* a link's text, until its target shows */
#define SPEECH_TEXT_URL_MAX 256 /* a link's target, kept for its host */
#define SPEECH_TEXT_TAG_MAX 128 /* an HTML tag, until its '>' */
#define SPEECH_TEXT_OUT_MAX 256 /* cleaned text gathered for one emit */

/* Each stage reads the previous one's output, one byte (or event) at a
 * time; the fields are grouped by stage, in the order the text flows. */
struct speech_text {
	/* 1: UTF-8 and emoji */
	uint8_t u8[4]; /* a code point's bytes so far */
	uint8_t u8_len, u8_need;
	uint8_t keycap; /* a held 0-9 # *: the base of a keycap emoji? */
	uint8_t keycap_vs; /* ...followed by VS16 */
	uint8_t in_emoji; /* the last code point was an emoji */

	/* 2: lines: headings, lists, quotes, tables, rules, code fences */
	uint8_t line_mode;
	char pre[SPEECH_TEXT_PRE_MAX];
	size_t pre_len;
	uint8_t heading, item, table; /* what the current line is */
	uint8_t cells, pipe, space, escape; /* table row: cell state */
	char fence_ch; /* '`' or '~' */
	size_t fence_len;
	uint8_t close_state; /* in a fence: could this line close it? */
	size_t close_run;

	/* 3: inline: code spans, emphasis, escapes, HTML, links */
	unsigned char prev; /* the byte before, for emphasis rules */
	char run_ch; /* a run of * _ or ~ whose role is not known yet */
	size_t run_len;
	size_t ticks; /* a run of backticks being counted */
	size_t code; /* inside a code span opened by this many backticks */
	uint8_t backslash, bang;
	char tag[SPEECH_TEXT_TAG_MAX];
	size_t tag_len; /* 0: not in a tag */
	uint8_t link; /* LINK_* in speech_text.c */
	uint8_t image;
	size_t link_depth, url_depth;
	char text[SPEECH_TEXT_LINK_MAX];
	size_t text_len;
	char url[SPEECH_TEXT_URL_MAX];
	size_t url_len;
	size_t target_len; /* the target's part of url[] (then a title) */

	/* 4: bare URLs */
	uint8_t url_mode;
	char match[8]; /* a possible "https://" or "www." */
	size_t match_len;
	uint8_t strip_www; /* at a host's start: "www." is dropped */
	char trail[8]; /* punctuation after a URL: the sentence's own */
	size_t trail_len;
	size_t path_depth;

	/* 5: output */
	unsigned char last; /* last byte out, for the URL stage's word start */
	uint8_t pend_space, line_has, ended; /* ended: ends a sentence */
	unsigned char tail[3]; /* last bytes out, for CJK full stops */
	char out[SPEECH_TEXT_OUT_MAX];
	size_t out_len;
	int (*emit)(const char *text, size_t len, void *ctx);
	void *ctx;
	int stop; /* emit's non-zero return: nothing more goes out */
};

void speech_text_init(struct speech_text *st);
/* Feeds answer text; calls emit with cleaned text (any split).  emit's
 * non-zero return stops and is returned; the rest of in is dropped. */
int speech_text_feed(struct speech_text *st, const char *in, size_t len,
		     int (*emit)(const char *text, size_t len, void *ctx),
		     void *ctx);
/* End of the answer: emits whatever is held back, then starts afresh. */
int speech_text_flush(struct speech_text *st,
		      int (*emit)(const char *, size_t, void *), void *ctx);

#endif
