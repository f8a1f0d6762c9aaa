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

/*
 * The path each HTTP STT backend posts to, as its server serves it
 * (stt_openai.c takes stt.url whole): an address with no path would be
 * reachable to "host ping" and answer every turn with 404.
 */
static const struct {
	const char *backend, *path;
} stt_paths[] = {
	{ "openai", "/v1/audio/transcriptions" },
	{ "whispercpp", "/inference" },
};

/* Where url's path starts ("" if it has none); url has a scheme. */
static const char *url_path(const char *url)
{
	const char *host = strstr(url, "://");

	host = host ? host + 3 : url;
	return host + strcspn(host, "/?#");
}

/* An HTTP URL a backend cannot use though its scheme is right; 0 or -1. */
static int url_hint(const struct parley_config *cfg, char *why,
		    size_t whylen)
{
	const struct llm_proto *llm = llm_find(cfg->llm_backend);
	const char *path = url_path(cfg->stt_url);
	size_t n = strlen(cfg->llm_url);

	for (size_t i = 0; i < sizeof(stt_paths) / sizeof(stt_paths[0]); i++) {
		if (strcmp(cfg->stt_backend, stt_paths[i].backend) ||
		    (*path && strcmp(path, "/")))
			continue;
		snprintf(why, whylen,
			 "stt.url = \"%.128s\": stt.backend = \"%s\" posts to the URL as given: add its path, %.*s%s",
			 cfg->stt_url, stt_paths[i].backend,
			 (int)(path - cfg->stt_url), cfg->stt_url,
			 stt_paths[i].path);
		return -1;
	}
	/* the LLM backends add their own path to llm.url: one given there
	 * would be sent twice (/api/chat/api/chat) */
	while (n > 0 && cfg->llm_url[n - 1] == '/')
		n--;
	for (int i = 0; llm_protos[i]; i++) {
		const char *lp = llm_protos[i]->path;
		size_t pl = lp ? strlen(lp) : 0;

		if (!pl || n < pl || strncmp(cfg->llm_url + n - pl, lp, pl))
			continue;
		snprintf(why, whylen,
			 "llm.url = \"%.128s\": give the server's base URL, %.*s: llm.backend = \"%s\" adds %s itself",
			 cfg->llm_url, (int)(n - pl), cfg->llm_url,
			 llm ? llm->name : cfg->llm_backend,
			 llm && llm->path ? llm->path : lp);
		return -1;
	}
	return 0;
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
	return url_hint(cfg, why, whylen);
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
