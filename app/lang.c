// SPDX-License-Identifier: MIT
/* The speaker's languages (lang.h). */
#include "lang.h"

#include <stdio.h>
#include <string.h>

#include "config.h"

static const struct lang english = {
	.code = "en",
	.name = "English",
	.voice = "en",
	.system_prompt = "You are a voice assistant on a small speaker. Answer "
			 "in one to three short spoken sentences, with no lists "
			 "or markdown.",
};

static const struct lang german = {
	.code = "de",
	.name = "Deutsch",
	.voice = "de",
	.system_prompt = "Du bist ein Sprachassistent in einem kleinen "
			 "Lautsprecher. Antworte auf Deutsch in ein bis drei "
			 "kurzen, gesprochenen Sätzen, ohne Listen und ohne "
			 "Markdown.",
};

const struct lang *const langs[] = { &english, &german, NULL };

const struct lang *lang_find(const char *code)
{
	for (int i = 0; langs[i]; i++)
		if (!strcmp(langs[i]->code, code))
			return langs[i];
	return NULL;
}

const struct lang *lang_of(const struct parley_config *cfg)
{
	const struct lang *l = lang_find(cfg->language);

	return l ? l : &english; /* the settings allow only the tables */
}

const char *lang_voice(const struct parley_config *cfg)
{
	return cfg->tts_voice[0] ? cfg->tts_voice : lang_of(cfg)->voice;
}

const char *lang_stt_hint(const struct parley_config *cfg)
{
	if (!strcmp(cfg->stt_language, "auto"))
		return "";
	return cfg->stt_language[0] ? cfg->stt_language : lang_of(cfg)->code;
}

const char *lang_system_prompt(const struct parley_config *cfg)
{
	return cfg->system_prompt[0] ? cfg->system_prompt :
				       lang_of(cfg)->system_prompt;
}

int lang_check(const struct config_key *k, const char *text, char *why,
	       size_t len)
{
	size_t n;

	(void)k;
	if (lang_find(text))
		return 0;
	n = (size_t)snprintf(why, len, "must be a language the speaker has:");
	for (int i = 0; langs[i] && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, "%s %s (%s)",
				      i ? "," : "", langs[i]->code,
				      langs[i]->name);
	return -1;
}
