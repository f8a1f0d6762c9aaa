/* SPDX-License-Identifier: MIT */
/*
 * Device tools for the language model's function calling: one table of
 * {name, description, JSON schema of the arguments, handler}.  The table
 * gives the request's "tools" array; a tool call from the model is run
 * here and its result (or a clear error) goes back as a role "tool"
 * message.  Every tool works on the speaker alone.
 *
 *   set_timer(seconds, label)  cancel_timer(label)  list_timers()
 *   set_alarm(time)            get_time()           get_date()
 *   set_volume(percent)        remember(fact)       recall(query)
 *   forget(fact)
 */
#ifndef PARLEY_APP_TOOLS_H
#define PARLEY_APP_TOOLS_H

#include <stddef.h>

struct device;
struct store;
struct cJSON;

struct tool {
	/** @name: the function name the model calls */
	const char *name;
	/** @description: one line for the model */
	const char *description;
	/** @params: the arguments' JSON schema, as JSON text */
	const char *params;
	/**
	 * @run: does it; out gets the result for the model.  0, or -1 when
	 * the call was refused (out then starts with "error: ").
	 */
	int (*run)(struct device *d, const struct cJSON *args, char *out,
		   size_t outlen);
};

/* NULL-name-terminated. */
extern const struct tool tools[];

/* One function of a "tools" array: name, description and its params
 * (a JSON schema as text); 0 or -ENOMEM. */
int tools_add_function(struct cJSON *arr, const char *name,
		       const char *description, const char *params);
/* Adds the "tools" array to a request object, the MCP servers' offered
 * tools after ours (mcp.h); 0 or -ENOMEM. */
int tools_add_schema(struct cJSON *root);
/*
 * Runs the call name(args_json); args_json is a JSON object as text (an
 * empty string means no arguments).  Unknown tools and bad arguments give
 * an "error: ..." result naming what was wrong.  0, or -1 on an error.
 */
int tools_run(struct device *d, const char *name, const char *args_json,
	      char *out, size_t outlen);
/* A duration in words for speech: "2 minutes 5 seconds". */
void tools_duration(long seconds, char *buf, size_t len);
/*
 * The remembered facts as a system prompt paragraph, newest first, within
 * budget bytes (the whole paragraph); "" when there are none.  Returns the
 * length written.
 */
size_t tools_facts_prompt(struct store *st, int budget, char *out,
			  size_t outlen);

#endif
