// SPDX-License-Identifier: MIT
/* Registry of audio backends. */
#include "audio.h"

#include <string.h>

extern const struct audio_ops audio_alsa_ops;

const struct audio_ops *const audio_backends[] = {
	&audio_alsa_ops,
	NULL,
};

const struct audio_ops *audio_find(const char *name)
{
	for (int i = 0; audio_backends[i]; i++)
		if (!strcmp(audio_backends[i]->name, name))
			return audio_backends[i];
	return NULL;
}
