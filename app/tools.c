// SPDX-License-Identifier: MIT
/*
 * The device tools (tools.h).  Arguments are checked strictly and every
 * refusal says which argument was wrong and what is allowed, because the
 * model reads the result and may call again.  Results are short plain
 * sentences the model can repeat.
 */
#include "tools.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_arena.h"
#include "log.h"
#include "mcp.h"
#include "device.h"
#include "timers.h"

#define U __attribute__((unused))

__attribute__((format(printf, 3, 4))) static int fail(char *out, size_t len,
						      const char *fmt, ...)
{
	va_list ap;
	size_t n = (size_t)snprintf(out, len, "error: ");

	va_start(ap, fmt);
	if (n < len)
		vsnprintf(out + n, len - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* An integer argument: a JSON number with no fraction, or digits in a
 * string (some models quote numbers). */
static int arg_int(const char *tool, const cJSON *args, const char *key,
		   long lo, long hi, long *v, char *out, size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, key);
	double d;
	char *end;

	if (!a)
		return fail(out, len, "%s needs '%s', an integer from %ld to %ld",
			    tool, key, lo, hi);
	if (cJSON_IsString(a)) {
		errno = 0;
		d = strtod(a->valuestring, &end);
		if (errno || end == a->valuestring || *end)
			d = NAN;
	} else {
		d = cJSON_IsNumber(a) ? a->valuedouble : NAN;
	}
	if (isnan(d) || d != floor(d) || d < (double)lo || d > (double)hi)
		return fail(out, len,
			    "%s: '%s' must be an integer from %ld to %ld",
			    tool, key, lo, hi);
	*v = (long)d;
	return 0;
}

/* A string argument of 1..max-1 printable bytes; def (if not NULL) when
 * it is missing. */
static int arg_str(const char *tool, const cJSON *args, const char *key,
		   const char *def, char *buf, size_t max, char *out,
		   size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(args, key);
	size_t n;

	if (!a && def) {
		snprintf(buf, max, "%s", def);
		return 0;
	}
	if (!cJSON_IsString(a))
		return fail(out, len, "%s needs '%s', a string", tool, key);
	n = strlen(a->valuestring);
	if (n >= max)
		return fail(out, len, "%s: '%s' is longer than %zu bytes", tool,
			    key, max - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a->valuestring[i] < 0x20)
			return fail(out, len,
				    "%s: '%s' has a control character", tool,
				    key);
	memcpy(buf, a->valuestring, n + 1);
	return 0;
}

static void when(int64_t unix_ms, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ms / 1000), now = time(NULL);
	struct tm tm, tn;

	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_yday == tn.tm_yday && tm.tm_year == tn.tm_year)
		strftime(buf, len, "%H:%M:%S today", &tm);
	else
		strftime(buf, len, "%H:%M on %A %d %B", &tm);
}

void tools_duration(long s, char *buf, size_t len)
{
	long h = s / 3600, m = s / 60 % 60, sec = s % 60;
	size_t n = 0;

	buf[0] = '\0';
	if (h)
		n += (size_t)snprintf(buf + n, len - n, "%ld hour%s", h,
				      h == 1 ? "" : "s");
	if (m && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%ld minute%s",
				      n ? " " : "", m, m == 1 ? "" : "s");
	if ((sec || (!h && !m)) && n < len)
		snprintf(buf + n, len - n, "%s%ld second%s", n ? " " : "", sec,
			 sec == 1 ? "" : "s");
}

static int set_timer(struct device *d, const cJSON *a, char *out, size_t len)
{
	char label[PARLEY_TIMER_LABEL_MAX], why[128], dur[64], w[64];
	long s;

	if (arg_int("set_timer", a, "seconds", 1, 86400, &s, out, len) ||
	    arg_str("set_timer", a, "label", "timer", label, sizeof(label), out,
		    len))
		return -1;
	if (!label[0])
		snprintf(label, sizeof(label), "timer");
	if (device_start_timer(d, TK_TIMER, label, (int64_t)s * 1000, why,
			       sizeof(why)))
		return fail(out, len, "set_timer: %s", why);
	tools_duration(s, dur, sizeof(dur));
	when(d->timers->t[d->timers->n - 1].due_unix_ms, w, sizeof(w));
	snprintf(out, len, "Timer '%s' set for %s; it rings at %s.", label,
		 dur, w);
	return 0;
}

static int list_timers(struct device *d, const cJSON *a U, char *out,
		       size_t len)
{
	struct timers *ts = d->timers;
	size_t n;

	if (!ts->n) {
		snprintf(out, len, "No timers or alarms are set.");
		return 0;
	}
	n = (size_t)snprintf(out, len, "%d set:", ts->n);
	for (int i = 0; i < ts->n && n < len; i++) {
		const struct timer *t = &ts->t[i];
		char dur[64], w[64];

		tools_duration((long)((timers_left_ms(t) + 999) / 1000), dur,
			       sizeof(dur));
		when(t->due_unix_ms, w, sizeof(w));
		n += (size_t)snprintf(out + n, len - n, " %s '%s' %s%s%s%s.",
				      t->kind == TK_TIMER ? "timer" : "alarm",
				      t->label, t->ringing ? "is ringing" : "rings in ",
				      t->ringing ? "" : dur, t->ringing ? "" : ", at ",
				      t->ringing ? "" : w);
	}
	return 0;
}

static int cancel_timer(struct device *d, const cJSON *a, char *out,
			size_t len)
{
	char label[PARLEY_TIMER_LABEL_MAX];
	int n;

	if (arg_str("cancel_timer", a, "label", "", label, sizeof(label), out,
		    len))
		return -1;
	n = timers_cancel(d->timers, label);
	if (!n && device_stop_ringing(d)) {
		snprintf(out, len, "The ringing was stopped.");
		return 0;
	}
	if (!n) {
		size_t k;

		fail(out, len, "no timer or alarm named '%s'.", label);
		k = strlen(out);
		if (d->timers->n && k < len)
			list_timers(d, NULL, out + k, len - k);
		return -1;
	}
	snprintf(out, len, "Cancelled %d timer%s%s%s%s.", n, n == 1 ? "" : "s",
		 label[0] ? " named '" : "", label, label[0] ? "'" : "");
	return 0;
}

static int set_alarm(struct device *d, const cJSON *a, char *out, size_t len)
{
	char text[32], why[160], w[64];
	time_t due;

	if (arg_str("set_alarm", a, "time", NULL, text, sizeof(text), out, len))
		return -1;
	if (timers_parse_alarm(text, time(NULL), &due, why, sizeof(why)))
		return fail(out, len, "set_alarm: %s", why);
	if (device_start_timer(d, TK_ALARM, text, (int64_t)due * 1000, why,
			       sizeof(why)))
		return fail(out, len, "set_alarm: %s", why);
	when((int64_t)due * 1000, w, sizeof(w));
	snprintf(out, len, "Alarm set for %s.", w);
	return 0;
}

static int get_time(struct device *d U, const cJSON *a U, char *out,
		    size_t len)
{
	char buf[64];

	device_local_time("%H:%M (%Z)", buf, sizeof(buf));
	snprintf(out, len, "The local time is %s.", buf);
	return 0;
}

static int get_date(struct device *d U, const cJSON *a U, char *out,
		    size_t len)
{
	char buf[64];

	device_local_time("%A %d %B %Y", buf, sizeof(buf));
	snprintf(out, len, "Today is %s.", buf);
	return 0;
}

static int set_volume(struct device *d, const cJSON *a, char *out, size_t len)
{
	char why[256];
	long v;

	if (arg_int("set_volume", a, "percent", 0, 100, &v, out, len))
		return -1;
	if (device_set_volume(d, (int)v, why, sizeof(why)) < 0)
		return fail(out, len, "set_volume: %s", why);
	snprintf(out, len, "Volume set to %ld percent.", v);
	return 0;
}

static int remember(struct device *d, const cJSON *a, char *out, size_t len)
{
	char fact[PARLEY_FACT_MAX];
	int r;

	if (arg_str("remember", a, "fact", NULL, fact, sizeof(fact), out, len))
		return -1;
	if (!fact[0])
		return fail(out, len, "remember: 'fact' is empty");
	r = store_fact_add(d->store, fact);
	if (r == -ENOSPC)
		return fail(out, len,
			    "remember: %d facts are kept already; forget one first",
			    PARLEY_FACTS_MAX);
	if (r < 0)
		return fail(out, len, "remember: the store could not save it");
	snprintf(out, len, r ? "That was already remembered." :
			       "Remembered.");
	return 0;
}

struct facts_out {
	char *out;
	size_t len, n;
	int count;
};

static void fact_cb(const char *fact, void *ctx)
{
	struct facts_out *f = ctx;

	if (f->n < f->len)
		f->n += (size_t)snprintf(f->out + f->n, f->len - f->n, " - %s",
					 fact);
	f->count++;
}

static int recall(struct device *d, const cJSON *a, char *out, size_t len)
{
	char q[PARLEY_FACT_MAX];
	struct facts_out f = { out, len, 0, 0 };

	if (arg_str("recall", a, "query", "", q, sizeof(q), out, len))
		return -1;
	f.n = (size_t)snprintf(out, len, "Remembered facts about '%s':", q);
	if (store_facts(d->store, q, fact_cb, &f) < 0)
		return fail(out, len, "recall: the store could not be read");
	if (f.count)
		return 0;
	f.n = (size_t)snprintf(out, len,
			       "No remembered fact contains '%s'. All remembered facts:",
			       q);
	store_facts(d->store, NULL, fact_cb, &f);
	if (!f.count)
		snprintf(out, len, "Nothing has been remembered yet.");
	return 0;
}

static int forget(struct device *d, const cJSON *a, char *out, size_t len)
{
	char fact[PARLEY_FACT_MAX];
	int n;

	if (arg_str("forget", a, "fact", NULL, fact, sizeof(fact), out, len))
		return -1;
	if (!fact[0])
		return fail(out, len, "forget: 'fact' is empty");
	n = store_fact_forget(d->store, fact);
	if (n < 0)
		return fail(out, len, "forget: the store could not be changed");
	if (!n)
		return fail(out, len, "forget: no remembered fact contains '%s'",
			    fact);
	snprintf(out, len, "Forgot %d fact%s.", n, n == 1 ? "" : "s");
	return 0;
}

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

const struct tool tools[] = {
	{ "set_timer", "Start a countdown timer that rings on the speaker.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"seconds\":{\"type\":\"integer\",\"description\":\"length in seconds, 1 to 86400\"},"
	  "\"label\":{\"type\":\"string\",\"description\":\"what the timer is for, spoken when it rings\"}},"
	  "\"required\":[\"seconds\"]}",
	  set_timer },
	{ "cancel_timer", "Cancel timers or alarms by label, or stop one that is ringing.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"label\":{\"type\":\"string\",\"description\":\"the label; empty cancels all\"}},"
	  "\"required\":[\"label\"]}",
	  cancel_timer },
	{ "list_timers", "List the timers and alarms that are set.", NO_ARGS,
	  list_timers },
	{ "set_alarm", "Set an alarm at a local time of day.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"time\":{\"type\":\"string\",\"description\":\"HH:MM in 24-hour time, or YYYY-MM-DDTHH:MM local time\"}},"
	  "\"required\":[\"time\"]}",
	  set_alarm },
	{ "get_time", "The current local time.", NO_ARGS, get_time },
	{ "get_date", "Today's local date and weekday.", NO_ARGS, get_date },
	{ "set_volume", "Set the speaker's playback volume.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"percent\":{\"type\":\"integer\",\"description\":\"0 to 100\"}},"
	  "\"required\":[\"percent\"]}",
	  set_volume },
	{ "remember", "Remember a fact about the user for later conversations.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"fact\":{\"type\":\"string\",\"description\":\"one short sentence\"}},"
	  "\"required\":[\"fact\"]}",
	  remember },
	{ "recall", "Look up remembered facts.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"query\":{\"type\":\"string\",\"description\":\"a word the facts contain\"}},"
	  "\"required\":[\"query\"]}",
	  recall },
	{ "forget", "Forget remembered facts that contain some text.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"fact\":{\"type\":\"string\",\"description\":\"text of the fact to forget\"}},"
	  "\"required\":[\"fact\"]}",
	  forget },
	{ NULL, NULL, NULL, NULL },
};

int tools_add_function(cJSON *arr, const char *name, const char *description,
		       const char *params)
{
	cJSON *t = cJSON_CreateObject(), *f, *p;

	if (!t)
		return -ENOMEM;
	cJSON_AddItemToArray(arr, t);
	cJSON_AddStringToObject(t, "type", "function");
	f = cJSON_AddObjectToObject(t, "function");
	p = cJSON_Parse(params);
	if (!f || !p || !cJSON_AddStringToObject(f, "name", name) ||
	    !cJSON_AddStringToObject(f, "description", description))
		return -ENOMEM;
	cJSON_AddItemToObject(f, "parameters", p);
	return 0;
}

int tools_add_schema(cJSON *root)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "tools");

	if (!arr)
		return -ENOMEM;
	for (int i = 0; tools[i].name; i++)
		if (tools_add_function(arr, tools[i].name, tools[i].description,
				       tools[i].params))
			return -ENOMEM;
	return mcp_add_tools(arr); /* the MCP servers' tools, mcp.h */
}

int tools_run(struct device *d, const char *name, const char *args_json,
	      char *out, size_t outlen)
{
	cJSON *args = NULL;
	size_t n;
	int r;

	for (int i = 0; tools[i].name; i++) {
		if (strcmp(tools[i].name, name))
			continue;
		json_arena_reset();
		if (args_json && args_json[0]) {
			args = cJSON_Parse(args_json);
			if (!cJSON_IsObject(args))
				return fail(out, outlen,
					    "%s: the arguments are not a JSON object",
					    name);
		}
		r = tools[i].run(d, args, out, outlen);
		json_arena_reset();
		LOGI("tools", "%s: %s", name, r ? out : "done");
		return r;
	}
	fail(out, outlen, "there is no tool named '%.64s'; the tools are:",
	     name);
	n = strlen(out);
	for (int i = 0; tools[i].name && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s %s",
				      i ? "," : "", tools[i].name);
	LOGW("tools", "the model called an unknown tool '%.64s'", name);
	return -1;
}

struct prompt_out {
	char *out;
	size_t len, n, budget;
};

static void prompt_cb(const char *fact, void *ctx)
{
	struct prompt_out *f = ctx;
	size_t need = strlen(fact) + 3;

	if (f->n + need > f->budget || f->n + need >= f->len)
		return; /* over the budget: older facts are left out */
	f->n += (size_t)snprintf(f->out + f->n, f->len - f->n, "\n- %s", fact);
}

size_t tools_facts_prompt(struct store *st, int budget, char *out,
			  size_t outlen)
{
	static const char head[] = "\n\nFacts the user asked you to remember:";
	struct prompt_out f = { out, outlen, 0, (size_t)budget };

	out[0] = '\0';
	if (budget <= (int)sizeof(head) || outlen <= sizeof(head))
		return 0;
	f.n = (size_t)snprintf(out, outlen, "%s", head);
	if (store_facts(st, NULL, prompt_cb, &f) <= 0 ||
	    f.n == sizeof(head) - 1) {
		out[0] = '\0';
		return 0;
	}
	return f.n;
}
