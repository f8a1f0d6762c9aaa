/* SPDX-License-Identifier: MIT */
/*
 * A streamed chat request to a language-model server.  The transport, the
 * fixed line buffer, the timeouts and the error mapping are common; a
 * protocol (Ollama's NDJSON /api/chat, or the OpenAI-compatible SSE
 * /v1/chat/completions) builds the request and reads each line.
 */
#ifndef PARLEY_APP_LLM_STREAM_H
#define PARLEY_APP_LLM_STREAM_H

#include "../dsp/sizes.h"
#include "config.h"
#include "http.h"
#include "llm.h"
#include "ndjson.h"

struct llm_stream;
struct probe;

struct llm_proto {
	/** @name: the llm.backend value */
	const char *name;
	/** @scheme: what llm.url must start with ("http://" takes https) */
	const char *scheme;
	/** @path: appended to llm.url */
	const char *path;
	/** @end_marker: what completes a stream, for the error text */
	const char *end_marker;
	/** @build: writes the request body into s->req; 0 or -errno */
	int (*build)(struct llm_stream *s, const struct parley_config *cfg,
		     const struct llm_message *msgs, int n);
	/**
	 * @line: one line of the reply: 0 to go on, 1 when the stream is
	 * complete, -1 on failure (s->fail and s->detail set)
	 */
	int (*line)(struct llm_stream *s, char *line, size_t len);
	/** @error_text: the message of an error reply body */
	void (*error_text)(const char *body, size_t len, char *out,
			   size_t outlen);
	/**
	 * @start: optional: a backend that is not a line stream over HTTP
	 * sends the request itself (0 or -errno); its text comes back
	 * through llm_token()/llm_tool_text() and its end through
	 * llm_finish().  NULL: build, POST to path, and line.
	 */
	int (*start)(struct llm_stream *s, const struct llm_message *msgs,
		     int n);
	/** @abort: optional, with @start: drops the request in flight */
	void (*abort)(struct llm_stream *s);
	/**
	 * @probe: checks the server with its own protocol and whether it
	 * has llm.model; the models it lists go to pr->models (probe.h)
	 */
	int (*probe)(struct probe *pr);
	/** @describe: one line for status */
	void (*describe)(const struct parley_config *cfg, char *buf,
			 size_t len);
};

extern const struct llm_proto llm_ollama;
extern const struct llm_proto llm_openai;
/* NULL-terminated, for -V and the config. */
extern const struct llm_proto *const llm_protos[];
const struct llm_proto *llm_find(const char *name);
/* One line for status: the backend's description. */
void llm_describe(const struct parley_config *cfg, char *buf, size_t len);

struct llm_stream {
	const struct llm_proto *proto;
	const struct parley_config *cfg;
	struct http_xfer x;
	struct ndjson nd;
	char url[CONFIG_STR_MAX + 32];
	char req[PARLEY_REQUEST_MAX];
	char errbody[4096]; /* body of a non-200 reply, truncated */
	size_t errlen;
	char detail[512]; /* why a stream failed */
	enum peer_error fail; /* set by a line handler */
	int complete; /* the protocol's end marker was seen */
	int truncated; /* the server cut the answer at its length limit */
	/* flow control: the listener has more text than it can speak */
	int pause_wanted; /* pause before the next piece */
	int paused; /* curl holds the reply until llm_resume() */
	/* a server that refuses tools: the request goes again without them,
	 * and later ones too while backend, URL and model stay the same */
	int sent_tools; /* the request in flight carries tools */
	char no_tools[CONFIG_STR_MAX * 3]; /* "backend url model", or "" */
	char no_tools_why[400]; /* the server's words */
	const char *token;
	const struct llm_message *msgs;
	int nmsgs;
	unsigned tokens;
	int timer;
	int first_token_ms, stall_ms;
	/* OpenAI: tool calls come in pieces (by index), gathered here */
	struct llm_partial_call {
		char id[64];
		char name[64];
		char args[PARLEY_TOOL_ARGS_MAX];
		size_t len;
		int too_long;
	} partial[PARLEY_TOOL_CALLS_MAX];
	int npartial;
	const struct llm_events *ev;
	void *ctx;
};

/* Sets the stream up with the backend cfg->llm_backend names. */
void llm_init(struct llm_stream *s, const struct parley_config *cfg);
/* Chooses the backend again (reload, set); a stream in flight is dropped. */
void llm_select(struct llm_stream *s);
/*
 * Starts a streamed chat with the chosen backend; token, if not empty, is
 * sent as a bearer token.  0, or -errno if the request cannot be built.
 */
int llm_chat(struct llm_stream *s, const char *token,
	     const struct llm_message *msgs, int n,
	     const struct llm_events *ev, void *ctx);
/* Stops the stream now; no event follows. */
void llm_abort(struct llm_stream *s);
/*
 * Flow control: after llm_pause() the reply is held by curl (the server
 * sees TCP back-pressure) from its next piece on, and the stall timeout
 * stops counting; llm_resume() lets it flow again.
 */
void llm_pause(struct llm_stream *s);
void llm_resume(struct llm_stream *s);
/* The complete answer was cut by the server's length limit. */
int llm_truncated(const struct llm_stream *s);
/* Tools go with requests (tools.enable, unless this server refused them
 * for this model); for protocols. */
int llm_tools_on(const struct llm_stream *s, const struct parley_config *cfg);
/* Why tools are off for the current model, or NULL (for status). */
const char *llm_tools_refused(const struct llm_stream *s);
/* For protocols: the messages array, and an error reply's message. */
struct cJSON;
int llm_add_messages(struct cJSON *root, const struct llm_message *msgs,
		     int n);
/*
 * The same with tool calls and results: calls' arguments as a JSON object
 * and tool results named by tool_name (Ollama), or (openai) arguments as a
 * string holding the JSON and results named by tool_call_id only.
 */
int llm_add_messages_tools(struct cJSON *root, const struct llm_message *msgs,
			   int n, int openai);
void llm_error_text(const char *body, size_t len, char *out, size_t outlen);
/* The end of the answer (for backends with @start): e is PEER_OK after a
 * complete answer, else detail says why. */
void llm_finish(struct llm_stream *s, enum peer_error e, const char *detail);
/* Passes one text piece to the listener (for protocols). */
int llm_token(struct llm_stream *s, const char *text, size_t len);
/*
 * Passes one tool call to the listener (for protocols): args is a JSON
 * value (object, or a string holding one); id may be NULL.  0, or -1 to
 * stop the stream.
 */
int llm_tool(struct llm_stream *s, const char *id, const char *name,
	     const struct cJSON *args);
/* The same with the arguments as JSON text (NULL: they did not fit). */
int llm_tool_text(struct llm_stream *s, const char *id, const char *name,
		  const char *args);

#endif
