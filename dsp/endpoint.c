// SPDX-License-Identifier: MIT
/*
 * Endpointer.  Counts frames from the start of listening.  Speech begins
 * where the VAD dates its onset back to (the raw run that made it and the
 * lead-in before it: onset_back in vad.h); the utterance ends once
 * silence_frames have passed since the last raw speech frame inside
 * speech, or at max_frames, or at no_speech_frames if speech never began.
 * The span sent to speech-to-text is the speech plus preroll_frames before
 * it and tail_frames after it, so the recogniser hears soft onsets and
 * final consonants but not the whole end-of-speech silence.
 */
#include "endpoint.h"

void endpoint_start(struct endpoint *ep, const struct endpoint_config *cfg)
{
	ep->cfg = *cfg;
	ep->n = 0;
	ep->started = 0;
	ep->first = 0;
	ep->last = -1;
}

enum endpoint_event endpoint_feed(struct endpoint *ep,
				  const struct vad_result *r)
{
	int32_t i = ep->n++;

	if (r->speech && !ep->started) {
		/* speech already under way at the start counts from here */
		ep->started = 1;
		ep->first = i;
		if (r->onset)
			ep->first -= r->onset_back;
	}
	if (r->raw && r->speech && ep->started)
		ep->last = i;
	if (ep->n >= ep->cfg.max_frames)
		return ep->started ? EP_END_MAX : EP_END_NO_SPEECH;
	if (!ep->started)
		return ep->n >= ep->cfg.no_speech_frames ? EP_END_NO_SPEECH :
							    EP_CONTINUE;
	if (ep->n - 1 - ep->last >= ep->cfg.silence_frames)
		return EP_END_SILENCE;
	return EP_CONTINUE;
}

int endpoint_span(const struct endpoint *ep, int32_t *begin, int32_t *end)
{
	int32_t e;

	if (!ep->started)
		return -1;
	*begin = ep->first - ep->cfg.preroll_frames;
	e = ep->last + 1 + ep->cfg.tail_frames;
	*end = e < ep->n ? e : ep->n;
	return 0;
}
