// SPDX-License-Identifier: MIT
/* The probes' transports (probe.h).  A body longer than PROBE_BODY_MAX is
 * kept up to the cap and marked truncated. */
#include "probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "loop.h"

static int on_data(void *ctx, const char *data, size_t len)
{
	struct probe *pr = ctx;
	size_t room = PROBE_BODY_MAX - pr->len;

	if (len > room) {
		pr->truncated = 1;
		len = room;
	}
	memcpy(pr->body + pr->len, data, len);
	pr->len += len;
	pr->body[pr->len] = '\0';
	return 0;
}

static void on_done(void *ctx, CURLcode code, long status, const char *err)
{
	struct probe *pr = ctx;

	pr->reply(pr, (int)code, status, err);
}

static const struct http_handlers handlers = { .on_data = on_data,
						.on_done = on_done };

static void stop_io(struct probe *pr)
{
	http_abort(&pr->x);
	if (pr->w.fd >= 0)
		wyoming_close(&pr->w);
	loop_cancel(pr->timer);
	pr->timer = 0;
}

static void start(struct probe *pr, const char *url, probe_reply_fn reply)
{
	stop_io(pr);
	snprintf(pr->url, sizeof(pr->url), "%s", url);
	pr->len = 0;
	pr->body[0] = '\0';
	pr->truncated = 0;
	pr->reply = reply;
	pr->t0 = loop_now_ms();
}

int probe_start(struct probe *pr, int (*fn)(struct probe *pr),
		const struct parley_config *cfg, probe_report_fn report,
		void *ctx)
{
	int r;

	if (probe_busy(pr))
		return -EBUSY;
	pr->cfg = cfg;
	pr->report = report;
	pr->ctx = ctx;
	pr->line[0] = '\0';
	pr->models[0] = '\0';
	pr->model_found = 0;
	pr->answered = 0;
	pr->step = 0;
	r = fn(pr);
	if (r && probe_busy(pr))
		probe_finish(pr, 0, "%s: cannot start the probe: %s", pr->url,
			     pr->body[0] ? pr->body : strerror(-r));
	return 0;
}

int probe_get(struct probe *pr, const char *url, long timeout_ms,
	      probe_reply_fn reply)
{
	struct http_opts o = { .connect_timeout_ms = timeout_ms,
			       .timeout_ms = timeout_ms };

	start(pr, url, reply);
	return http_start(&pr->x, pr->url, NULL, 0, NULL, &o, &handlers, pr);
}

/* ---- Wyoming: describe, then info ---- */

static void wy_end(struct probe *pr, int code, const char *err)
{
	wyoming_close(&pr->w);
	loop_cancel(pr->timer);
	pr->timer = 0;
	pr->reply(pr, code, code ? 0 : 200, err);
}

static int wy_event(struct wyoming *w, const struct wy_event *ev, void *ctx)
{
	struct probe *pr = ctx;
	char *text;

	(void)w;
	if (strcmp(ev->type, "info"))
		return 0; /* anything else before the info is not ours */
	text = cJSON_PrintUnformatted(ev->data);
	if (text) {
		snprintf(pr->body, sizeof(pr->body), "%s", text);
		pr->len = strlen(pr->body);
	}
	wy_end(pr, 0, "");
	return 0;
}

static void wy_closed(struct wyoming *w, int err, const char *why, void *ctx)
{
	struct probe *pr = ctx;
	char msg[300];

	(void)w;
	snprintf(msg, sizeof(msg), "%s", err ? why : "closed without an info");
	wy_end(pr, err ? err : -EPROTO, msg);
}

static void wy_timeout(void *ctx)
{
	struct probe *pr = ctx;

	pr->timer = 0;
	wy_end(pr, -ETIMEDOUT, "no info in time");
}

int probe_wyoming(struct probe *pr, const char *uri, long timeout_ms,
		  probe_reply_fn reply)
{
	char why[200];
	int r;

	start(pr, uri, reply);
	r = wyoming_connect(&pr->w, uri, (int)timeout_ms, wy_event, wy_closed,
			    pr, why, sizeof(why));
	if (!r)
		r = wyoming_send(&pr->w, "describe", NULL, NULL, 0);
	if (r) {
		wyoming_close(&pr->w);
		snprintf(pr->body, sizeof(pr->body), "%s", why);
		return r;
	}
	pr->timer = loop_timeout((uint64_t)timeout_ms, wy_timeout, pr);
	return 0;
}

unsigned probe_rtt_ms(const struct probe *pr)
{
	return (unsigned)(loop_now_ms() - pr->t0);
}

__attribute__((format(printf, 2, 0))) static void
vnote(struct probe *pr, const char *fmt, va_list ap)
{
	size_t n = strlen(pr->line);

	if (n < sizeof(pr->line))
		vsnprintf(pr->line + n, sizeof(pr->line) - n, fmt, ap);
}

void probe_note(struct probe *pr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(pr, fmt, ap);
	va_end(ap);
}

void probe_finish(struct probe *pr, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(pr, fmt, ap);
	va_end(ap);
	pr->step = -1;
	if (pr->report)
		pr->report(pr->ctx, pr, ok, pr->line);
}

int probe_busy(const struct probe *pr)
{
	return pr->step >= 0;
}

void probe_abort(struct probe *pr)
{
	stop_io(pr);
	pr->step = -1;
}

void probe_url(const char *url, const char *cut, const char *path, char *out,
	       size_t len)
{
	const char *at = cut ? strstr(url, cut) : NULL;
	const char *host = strstr(url, "://");

	if (!at) { /* the origin: up to the first slash after the host */
		host = host ? host + 3 : url;
		at = strchr(host, '/');
		if (!at)
			at = url + strlen(url);
	}
	snprintf(out, len, "%.*s%s", (int)(at - url), url, path);
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int probe_count_models(struct probe *pr, const char *list_key,
		       const char *name_key)
{
	cJSON *j, *list, *m;
	size_t used = 0;
	int n = 0;

	pr->models[0] = '\0';
	json_arena_reset();
	j = cJSON_ParseWithLength(pr->body, pr->len);
	list = cJSON_GetObjectItemCaseSensitive(j, list_key);
	if (!cJSON_IsArray(list))
		return -1;
	pr->answered = 1;
	cJSON_ArrayForEach(m, list)
	{
		cJSON *name = cJSON_GetObjectItemCaseSensitive(m, name_key);

		if (!cJSON_IsString(name) || has_control(name->valuestring))
			continue; /* a newline would split it into two names */
		n++;
		if (used < sizeof(pr->models))
			used += (size_t)snprintf(pr->models + used,
						 sizeof(pr->models) - used,
						 "%s\n", name->valuestring);
	}
	if (used >= sizeof(pr->models)) /* keep whole names only */
		*(strrchr(pr->models, '\n') ? strrchr(pr->models, '\n') + 1 :
					      pr->models) = '\0';
	return n;
}

int probe_model_matches(const char *listed, const char *wanted)
{
	size_t n = strlen(wanted);

	return !strcmp(listed, wanted) ||
	       (!strchr(wanted, ':') && !strncmp(listed, wanted, n) &&
		!strcmp(listed + n, ":latest"));
}

int probe_models_hold(const char *models, const char *wanted)
{
	char name[CONFIG_STR_MAX];

	while (*models) {
		size_t n = strcspn(models, "\n");

		snprintf(name, sizeof(name), "%.*s", (int)n, models);
		if (probe_model_matches(name, wanted))
			return 1;
		models += n + (models[n] == '\n');
	}
	return 0;
}

void probe_openai_models(struct probe *pr, int code, long status,
			 const char *err, const char *want)
{
	int n, found;

	if (code) {
		probe_finish(pr, 0, "%s: unreachable (%s) after %u ms", pr->url,
			     err, probe_rtt_ms(pr));
		return;
	}
	n = probe_count_models(pr, "data", "id");
	if (status != 200 || n < 0) {
		probe_finish(pr, 0, "%s: HTTP %ld in %u ms, not an OpenAI model list",
			     pr->url, status, probe_rtt_ms(pr));
		return;
	}
	if (!want) {
		probe_finish(pr, 1, "%s: HTTP %ld in %u ms; %d model%s listed",
			     pr->url, status, probe_rtt_ms(pr), n,
			     n == 1 ? "" : "s");
		return;
	}
	found = pr->model_found = probe_models_hold(pr->models, want);
	probe_finish(pr, found, "%s: HTTP %ld in %u ms; model %s %s", pr->url,
		     status, probe_rtt_ms(pr), want,
		     found ? "present" : "MISSING");
}

cJSON *probe_info_program(struct probe *pr, int code, const char *err,
			  const char *kind, const char *what)
{
	cJSON *info, *list, *prog;

	if (code) {
		probe_finish(pr, 0, "%s: unreachable or not Wyoming (%s) after %u ms",
			     pr->url, err, probe_rtt_ms(pr));
		return NULL;
	}
	json_arena_reset();
	info = cJSON_ParseWithLength(pr->body, pr->len);
	list = cJSON_GetObjectItemCaseSensitive(info, kind);
	prog = cJSON_IsArray(list) ? cJSON_GetArrayItem(list, 0) : NULL;
	if (!prog)
		probe_finish(pr, 0, "%s: Wyoming info in %u ms, but no %s service",
			     pr->url, probe_rtt_ms(pr), what);
	return prog;
}

void probe_init(struct probe *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->w.fd = -1;
	pr->step = -1;
}
