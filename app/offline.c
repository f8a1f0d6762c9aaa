// SPDX-License-Identifier: MIT
/* The offline answers (offline.h). */
#include "offline.h"

#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "tools.h"

int offline_answer(struct device *d, const char *transcript, char *say,
		   size_t len, const char **what)
{
	struct grammar_match m;
	char why[256], dur[64];
	int v;

	if (grammar_match(transcript, strlen(transcript), &m) == GR_NONE)
		return 0;
	switch (m.cmd) {
	case GR_TIMER:
		tools_duration(m.seconds, dur, sizeof(dur));
		if (device_start_timer(d, TK_TIMER, dur,
				       (int64_t)m.seconds * 1000, why,
				       sizeof(why)))
			snprintf(say, len, "I could not set the timer: %s.", why);
		else
			snprintf(say, len, "Timer set for %s.", dur);
		break;
	case GR_STOP:
		snprintf(say, len, "%s",
			 device_stop_ringing(d) ? "Stopped." : "Nothing is ringing.");
		break;
	case GR_TIME:
		device_local_time("%H:%M", dur, sizeof(dur));
		snprintf(say, len, "It is %s.", dur);
		break;
	case GR_VOLUME_UP:
	case GR_VOLUME_DOWN:
		v = device_volume(d) + (m.cmd == GR_VOLUME_UP ? 1 : -1) *
					       d->cfg->volume_step;
		v = device_set_volume(d, v, why, sizeof(why));
		if (v < 0)
			snprintf(say, len, "I could not change the volume.");
		else
			snprintf(say, len, "Volume %d percent.", v);
		break;
	default:
		return 0;
	}
	*what = grammar_cmd_name(m.cmd);
	return 1;
}
