// SPDX-License-Identifier: MIT
/* The offline answers (offline.h), in speaker.language's words. */
#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "lang.h"

/* The duration is the timer's label too: it is what the ring says. */
static void start_timer(struct device *d, const struct lang *l, long s,
			char *say, size_t len)
{
	char why[256], dur[64];
	int r;

	lang_duration(l, s, dur, sizeof(dur));
	r = device_start_timer(d, TK_TIMER, dur, (int64_t)s * 1000, why,
			       sizeof(why));
	/* why is in English for the console; the speaker says it in l's
	 * words, by the reason (timers_add) */
	if (r == -ENOSPC)
		lang_format(l, say, len, PH_TIMER_FULL, PARLEY_TIMERS_MAX);
	else if (r == -EIO)
		lang_format(l, say, len, PH_TIMER_UNSAVED);
	else if (r)
		lang_format(l, say, len, PH_TIMER_FAILED);
	else
		lang_format(l, say, len, PH_TIMER_SET, dur);
}

/*
 * "It is 14:05." or "Es ist 14 Uhr 5.": the hour and minute go to the
 * phrase as numbers, since a language may say them in any order or
 * shape.  -1 if the clock could not be read (strftime failed): no time
 * is better than a wrong one.
 */
static int say_time(const struct lang *l, char *say, size_t len)
{
	char hm[8];
	int h, m;

	device_local_time("%H%M", hm, sizeof(hm));
	if (strlen(hm) != 4)
		return -1;
	h = (hm[0] - '0') * 10 + (hm[1] - '0');
	m = (hm[2] - '0') * 10 + (hm[3] - '0');
	if (m)
		lang_format(l, say, len, PH_TIME, h, m);
	else
		lang_format(l, say, len, PH_TIME_HOUR, h);
	return 0;
}

int offline_answer(struct device *d, const char *transcript, char *say,
		   size_t len, const char **what)
{
	const struct lang *l = lang_of(d->cfg);
	struct grammar_match m;
	char why[256];
	int v;

	if (grammar_match_lang(l->code, transcript, strlen(transcript), &m) ==
	    GR_NONE)
		return 0;
	switch (m.cmd) {
	case GR_TIMER:
		start_timer(d, l, m.seconds, say, len);
		break;
	case GR_STOP:
		lang_format(l, say, len,
			    device_stop_ringing(d) ? PH_STOPPED :
						     PH_NOTHING_RINGING);
		break;
	case GR_TIME:
		if (say_time(l, say, len))
			return 0;
		break;
	case GR_VOLUME_UP:
	case GR_VOLUME_DOWN:
		v = device_volume(d) + (m.cmd == GR_VOLUME_UP ? 1 : -1) *
					       d->cfg->volume_step;
		v = device_set_volume(d, v, why, sizeof(why));
		if (v < 0)
			lang_format(l, say, len, PH_VOLUME_FAILED);
		else
			lang_format(l, say, len, PH_VOLUME, v);
		break;
	default:
		return 0;
	}
	*what = grammar_cmd_name(m.cmd);
	return 1;
}
