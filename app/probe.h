/* SPDX-License-Identifier: MIT */
/*
 * Health probes of the LAN peers, for the console ("host ping", "models")
 * and the start-up check.  Each backend probes its peer with that peer's
 * own protocol (backend.h); this module gives them the two transports,
 * over the same control loop as every other transfer:
 *
 *   probe_get       an HTTP GET, its body kept up to PROBE_BODY_MAX bytes
 *   probe_wyoming   a Wyoming "describe", answered by "info" (its data
 *                   kept as JSON text in the body)
 *
 * Both end in one callback shape, so a backend's probe reads the same
 * way whatever it speaks.
 */
#ifndef PARLEY_APP_PROBE_H
#define PARLEY_APP_PROBE_H

#include <stdint.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "wyoming.h"

#define PROBE_BODY_MAX 16384
#define PROBE_LINE_MAX 480
#define PROBE_MODELS_MAX 2048
#define PROBE_TIMEOUT_MS 3000

struct probe;

/*
 * A transport's end: code 0 and status 200 for an answer in pr->body
 * (HTTP: any status, the body as sent); code non-zero with err filled when
 * the peer could not be reached or broke its protocol.
 */
typedef void (*probe_reply_fn)(struct probe *pr, int code, long status,
			       const char *err);
/* A backend probe's result: ok when the peer answered its protocol (and
 * has the configured model), and one line saying what was found. */
typedef void (*probe_report_fn)(void *ctx, struct probe *pr, int ok,
				const char *line);

struct probe {
	struct http_xfer x;
	struct wyoming w;
	int timer; /* Wyoming: the answer's deadline */
	char url[CONFIG_STR_MAX + 32];
	char body[PROBE_BODY_MAX + 1];
	size_t len;
	int truncated;
	uint64_t t0;
	probe_reply_fn reply; /* the transport's end */
	/* the backend's own state between steps */
	const struct parley_config *cfg;
	int step;
	char line[PROBE_LINE_MAX]; /* what has been found so far */
	char models[PROBE_MODELS_MAX]; /* LLM: the models, one per line */
	int answered; /* the peer gave its model list */
	int model_found;
	/* the caller's */
	probe_report_fn report;
	void *ctx;
};

/*
 * Runs a backend's probe: fn is its ops' probe member.  report gets the
 * result once, maybe before this returns.  0, or -EBUSY if pr is still
 * running.
 */
int probe_start(struct probe *pr, int (*fn)(struct probe *pr),
		const struct parley_config *cfg, probe_report_fn report,
		void *ctx);
/* GETs url.  0 or -errno. */
int probe_get(struct probe *pr, const char *url, long timeout_ms,
	      probe_reply_fn reply);
/* Connects to a Wyoming peer and asks "describe".  0 or -errno (the
 * callback then does not run; err filled). */
int probe_wyoming(struct probe *pr, const char *uri, long timeout_ms,
		  probe_reply_fn reply);
/* Milliseconds since the probe's request went out. */
unsigned probe_rtt_ms(const struct probe *pr);
/* Ends the probe with its report: appends the formatted text to
 * pr->line and calls pr->report. */
void probe_finish(struct probe *pr, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends to pr->line. */
void probe_note(struct probe *pr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A peer's URL for a probe: url up to where cut first occurs (NULL or not
 * found: its origin, scheme://host:port), then path.
 */
void probe_url(const char *url, const char *cut, const char *path, char *out,
	       size_t len);
/*
 * Reads a model list from the body: an object whose list_key array holds
 * objects named by name_key ({"models":[{"name":..}]} or
 * {"data":[{"id":..}]}).  The names go to pr->models, one per line.
 * Returns how many, or -1 if the body is not such a list.
 */
int probe_count_models(struct probe *pr, const char *list_key,
		       const char *name_key);
/*
 * 1 if the model a server lists is the one configured: the same name, or
 * (Ollama's rule) wanted has no tag and listed is wanted:latest.  The one
 * rule for the start-up check, host ping and models.
 */
int probe_model_matches(const char *listed, const char *wanted);
/* 1 if models (one name a line, as pr->models) holds wanted. */
int probe_models_hold(const char *models, const char *wanted);
/*
 * The end of a GET of an OpenAI-compatible /v1/models (its list
 * {"data":[{"id":...}]}): finishes the probe, ok if the list came back
 * and, when want is not NULL, holds that model.
 */
void probe_openai_models(struct probe *pr, int code, long status,
			 const char *err, const char *want);
/*
 * The end of a Wyoming describe: the first program of the info's kind
 * ("asr", "tts"), or NULL when there is none (the probe is then finished,
 * saying what was wrong; what names the service for that).
 */
struct cJSON *probe_info_program(struct probe *pr, int code, const char *err,
				 const char *kind, const char *what);
/* Sets a probe up (before its first use). */
void probe_init(struct probe *pr);
/* 1 while a probe is running. */
int probe_busy(const struct probe *pr);
void probe_abort(struct probe *pr);

#endif
