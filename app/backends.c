// SPDX-License-Identifier: MIT
/* The backends together (backends.h). */
#include "backends.h"

#include <string.h>

#include "llm_stream.h"
#include "stt.h"
#include "tts.h"

/* url against scheme ("http://" also takes "https://"); NULL: no URL. */
static int has_scheme(const char *url, const char *scheme)
{
	if (!scheme)
		return 1;
	if (!strncmp(url, scheme, strlen(scheme)))
		return 1;
	return !strcmp(scheme, "http://") && !strncmp(url, "https://", 8);
}

int backends_url_rule(const struct parley_config *cfg, char *why,
		      size_t whylen)
{
	const struct stt_ops *stt = stt_find(cfg->stt_backend);
	const struct tts_ops *tts = tts_find(cfg->tts_backend);
	const struct llm_proto *llm = llm_find(cfg->llm_backend);
	const struct {
		const char *key, *url, *bkey, *backend, *scheme;
	} rules[] = {
		{ "stt.url", cfg->stt_url, "stt.backend", cfg->stt_backend,
		  stt ? stt->scheme : NULL },
		{ "tts.url", cfg->tts_url, "tts.backend", cfg->tts_backend,
		  tts ? tts->scheme : NULL },
		{ "llm.url", cfg->llm_url, "llm.backend", cfg->llm_backend,
		  llm ? llm->scheme : NULL },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		/* even a URL the chosen backend does not use: libcurl
		 * would take file://, ftp://, smb:// ..., and a later
		 * backend change would reach for it */
		if (rules[i].url[0] && !has_scheme(rules[i].url, "http://") &&
		    !has_scheme(rules[i].url, "tcp://")) {
			snprintf(why, whylen,
				 "%s = \"%.128s\": only http://, https:// and tcp:// addresses are allowed",
				 rules[i].key, rules[i].url);
			return -1;
		}
		if (has_scheme(rules[i].url, rules[i].scheme))
			continue;
		snprintf(why, whylen, "%s = \"%.128s\": %s = \"%.32s\" needs %s",
			 rules[i].key, rules[i].url, rules[i].bkey,
			 rules[i].backend,
			 strcmp(rules[i].scheme, "tcp://") ?
				 "an http:// or https:// URL" :
				 "a tcp://HOST:PORT address");
		return -1;
	}
	return 0;
}

void backends_list(FILE *f)
{
	fprintf(f, "stt backends:");
	for (int i = 0; stt_backends[i]; i++)
		fprintf(f, " %s", stt_backends[i]->name);
	fprintf(f, "\nllm backends:");
	for (int i = 0; llm_protos[i]; i++)
		fprintf(f, " %s", llm_protos[i]->name);
	fprintf(f, "\ntts backends:");
	for (int i = 0; tts_backends[i]; i++)
		fprintf(f, " %s", tts_backends[i]->name);
	fprintf(f, "\n");
}
