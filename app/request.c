// SPDX-License-Identifier: MIT
/* The chat request of one turn (request.h). */
#include "request.h"

#include "lang.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "log.h"
#include "mcp.h"
#include "tools.h"

static void history_cb(const char *user, const char *assistant, void *ctx)
{
	struct request *r = ctx;
	size_t need = strlen(user) + strlen(assistant) + 2;

	if (r->nmsgs + 2 > REQUEST_HISTORY_MSGS ||
	    r->history_len + need > sizeof(r->history))
		return;
	r->msgs[r->nmsgs++] = (struct llm_message){
		.role = "user", .content = r->history + r->history_len
	};
	r->history_len += (size_t)sprintf(r->history + r->history_len, "%s",
					  user) + 1;
	r->msgs[r->nmsgs++] = (struct llm_message){
		.role = "assistant", .content = r->history + r->history_len
	};
	r->history_len += (size_t)sprintf(r->history + r->history_len, "%s",
					  assistant) + 1;
}

void request_begin(struct request *r, const struct parley_config *cfg,
		   struct store *st, int64_t conv, const char *transcript)
{
	size_t n;

	r->nmsgs = 0;
	r->history_len = 0;
	r->round = 0;
	r->ncalls = 0;
	r->tools_used = 0;
	r->pending = 0;
	n = (size_t)snprintf(r->system, sizeof(r->system), "%s",
			     lang_system_prompt(cfg));
	if (cfg->tools_enable && n < sizeof(r->system))
		tools_facts_prompt(st, cfg->facts_chars, r->system + n,
				   sizeof(r->system) - n);
	if (r->system[0])
		r->msgs[r->nmsgs++] = (struct llm_message){ .role = "system",
							    .content = r->system };
	if (conv >= 0)
		store_history(st, conv, cfg->history_chars, history_cb, r);
	r->msgs[r->nmsgs++] = (struct llm_message){ .role = "user",
						    .content = transcript };
}

void request_add_call(struct request *r, const char *id, const char *name,
		      const char *args)
{
	int k = r->round, i = r->ncalls;
	struct request_call *c;

	if (k >= PARLEY_TOOL_ROUNDS_MAX) {
		r->ncalls++; /* refused when the reply is complete */
		return;
	}
	if (i >= PARLEY_TOOL_CALLS_MAX) {
		LOGW("turn", "more than %d tool calls in one reply; '%.64s' dropped",
		     PARLEY_TOOL_CALLS_MAX, name);
		return;
	}
	c = &r->call[k][i];
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->args, sizeof(c->args), "%s", args ? args : "{}");
	c->too_long = !args;
	r->ncalls++;
}

static void round_finish(struct request *r);

/* An MCP call of the round ended (mcp.h). */
static void mcp_done(void *ctx, int failed)
{
	struct request_call *c = ctx;
	struct request *r = c->req;

	c->handle = 0;
	c->failed = failed;
	console_event("tool %s %s", c->name, failed ? "error" : "ok");
	LOGD("turn", "tool %s(%s) -> %s", c->name, c->args, c->result);
	if (--r->pending == 0) {
		round_finish(r);
		r->round_done(r->round_ctx);
	}
}

/* Runs one call, or starts it (MCP: c->handle set); 1 if it failed. */
static int run_call(struct request_call *c, struct device *d)
{
	c->handle = 0;
	if (c->too_long) {
		char name[sizeof(c->name)];

		memcpy(name, c->name, sizeof(name)); /* apart from result */
		snprintf(c->result, sizeof(c->result),
			 "error: the arguments of %s are longer than %d bytes",
			 name, PARLEY_TOOL_ARGS_MAX - 1);
		return 1;
	}
	if (mcp_has_tool(c->name)) {
		int h = mcp_call(c->name, c->args, c->result,
				 sizeof(c->result), mcp_done, c);

		if (h < 0)
			return 1;
		c->handle = h;
		return 0;
	}
	tools_run(d, c->name, c->args, c->result, sizeof(c->result));
	return strncmp(c->result, "error: ", 7) == 0;
}

int request_tool_round(struct request *r, struct device *d, const char *reply,
		       size_t len, void (*done)(void *ctx), void *ctx)
{
	int k = r->round, n = r->ncalls;

	r->ncalls = 0;
	if (k >= PARLEY_TOOL_ROUNDS_MAX)
		return -E2BIG;
	if (n > PARLEY_TOOL_CALLS_MAX)
		n = PARLEY_TOOL_CALLS_MAX;
	snprintf(r->round_text[k], sizeof(r->round_text[k]), "%.*s", (int)len,
		 reply);
	r->round_calls = n;
	r->pending = 0;
	r->round_done = done;
	r->round_ctx = ctx;
	for (int i = 0; i < n; i++) {
		struct request_call *c = &r->call[k][i];
		int bad;

		c->req = r;
		bad = run_call(c, d);
		c->failed = bad;
		r->calls[k][i] = (struct llm_tool_call){ .id = c->id,
							 .name = c->name,
							 .args = c->args };
		if (c->handle) {
			r->pending++;
			continue;
		}
		console_event("tool %s %s", c->name, bad ? "error" : "ok");
		LOGD("turn", "tool %s(%s) -> %s", c->name, c->args, c->result);
	}
	if (r->pending) {
		LOGI("turn", "round %d: %d tool call%s, %d to MCP servers",
		     k + 1, n, n == 1 ? "" : "s", r->pending);
		return 1;
	}
	round_finish(r);
	return 0;
}

void request_cancel_tools(struct request *r)
{
	int k = r->round;

	if (!r->pending || k >= PARLEY_TOOL_ROUNDS_MAX)
		return;
	for (int i = 0; i < r->round_calls; i++)
		if (r->call[k][i].handle) {
			mcp_cancel(r->call[k][i].handle, "the turn was stopped");
			r->call[k][i].handle = 0;
		}
	r->pending = 0;
}

/* Every result is in: the assistant's message and the results. */
static void round_finish(struct request *r)
{
	int k = r->round, n = r->round_calls, failed = 0;

	for (int i = 0; i < n; i++)
		failed += r->call[k][i].failed;
	LOGI("turn", "round %d: %d tool call%s, %d failed", k + 1, n,
	     n == 1 ? "" : "s", failed);
	r->msgs[r->nmsgs++] = (struct llm_message){ .role = "assistant",
						    .content = r->round_text[k],
						    .calls = r->calls[k],
						    .ncalls = n };
	for (int i = 0; i < n; i++)
		r->msgs[r->nmsgs++] = (struct llm_message){
			.role = "tool",
			.content = r->call[k][i].result,
			.tool_name = r->call[k][i].name,
			.tool_call_id = r->call[k][i].id,
		};
	r->round++;
	r->tools_used = 1;
}
