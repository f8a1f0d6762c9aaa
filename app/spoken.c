// SPDX-License-Identifier: MIT
/* What an answer said, and how much of it was heard (spoken.h). */
#include "spoken.h"

#include <stdio.h>
#include <string.h>

void spoken_reset(struct spoken *s, uint64_t play_base)
{
	s->nparts = 0;
	s->said_len = 0;
	s->said[0] = '\0';
	s->play_base = play_base;
}

/*
 * Full: the two oldest sentences become one part (their samples add up;
 * unknown stays unknown), so an answer of any number of sentences is
 * tracked in fixed memory, the oldest at a coarser grain.
 */
static void merge_oldest(struct spoken *s)
{
	if (s->parts[0].samples && s->parts[1].samples)
		s->parts[0].samples += s->parts[1].samples;
	else
		s->parts[0].samples = 0;
	s->parts[0].len = (uint16_t)(s->parts[1].off + s->parts[1].len -
				     s->parts[0].off);
	s->parts[0].id = 0; /* no longer one job */
	memmove(&s->parts[1], &s->parts[2],
		(size_t)(s->nparts - 2) * sizeof(s->parts[0]));
	s->nparts--;
}

void spoken_add(struct spoken *s, uint32_t id, const char *text, size_t len)
{
	if (s->said_len + len + 1 >= sizeof(s->said))
		return;
	if (s->nparts == SPOKEN_PARTS)
		merge_oldest(s);
	if (s->said_len)
		s->said[s->said_len++] = ' ';
	s->parts[s->nparts].id = id;
	s->parts[s->nparts].off = (uint16_t)s->said_len;
	s->parts[s->nparts].len = (uint16_t)len;
	s->parts[s->nparts].samples = 0;
	s->nparts++;
	memcpy(s->said + s->said_len, text, len);
	s->said_len += len;
	s->said[s->said_len] = '\0';
}

void spoken_done(struct spoken *s, uint32_t id, uint32_t samples)
{
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].id == id)
			s->parts[i].samples = samples ? samples : 1;
}

/* Does a part end at byte at? */
static int ends_sentence(const struct spoken *s, size_t at)
{
	for (int i = 0; i < s->nparts; i++)
		if ((size_t)s->parts[i].off + s->parts[i].len == at)
			return 1;
	return 0;
}

void spoken_played(const struct spoken *s, uint64_t played_now,
		   unsigned rate, char *out, size_t len)
{
	uint64_t played = played_now - s->play_base;
	uint64_t cum = 0, known = 0, known_chars = 0;
	size_t keep = 0;

	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].samples) {
			known += s->parts[i].samples;
			known_chars += s->parts[i].len;
		}
	for (int i = 0; i < s->nparts; i++) {
		uint64_t n = s->parts[i].samples;

		if (!n) /* not done yet: estimate from the others, or 65 ms a byte */
			n = known_chars ? s->parts[i].len * known / known_chars :
					  s->parts[i].len * (uint64_t)rate * 65 /
						  1000;
		if (cum + n <= played) {
			cum += n;
			keep = (size_t)s->parts[i].off + s->parts[i].len;
			continue;
		}
		size_t cut = s->parts[i].off +
			     (size_t)((played - cum) * s->parts[i].len /
				      (n ? n : 1));

		while (cut > s->parts[i].off && s->said[cut] != ' ')
			cut--;
		keep = cut;
		break;
	}
	while (keep && s->said[keep - 1] == ' ')
		keep--;
	/* cut inside a sentence: say so, so the next request knows */
	snprintf(out, len, "%.*s%s", (int)keep, s->said,
		 keep && keep < s->said_len && s->said[keep] == ' ' &&
				 !ends_sentence(s, keep) ?
			 SPOKEN_CUT :
			 "");
}
