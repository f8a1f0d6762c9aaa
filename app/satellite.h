/* SPDX-License-Identifier: MIT */
/*
 * parley as a Wyoming satellite of Home Assistant: a TCP server on
 * satellite.bind:satellite.port, on the control loop, holding one Home
 * Assistant connection at a time.  What Home Assistant sends and expects
 * is its wyoming integration's (homeassistant/components/wyoming/
 * assist_satellite.py) and the reference satellite's (rhasspy/
 * wyoming-satellite, wyoming_satellite/satellite.py):
 *
 *   HA -> us                      us -> HA
 *   describe                      info, with a satellite entry
 *   run-satellite, pause-satellite
 *   ping                          pong
 *                                 run-pipeline (asr -> tts) on a press,
 *                                 audio-start, audio-chunk*, audio-stop
 *   transcribe, voice-started,
 *   voice-stopped (streaming ends), transcript, synthesize,
 *   audio-start, audio-chunk*, audio-stop (the answer's speech)
 *                                 played, once it has been heard
 *   error (spoken with the local voice)
 *   timer-started, -updated, -cancelled, -finished (rung here)
 *
 * There is no authentication in the protocol: the server is off unless
 * satellite.enable, listens only on satellite.bind, may take clients only
 * from satellite.allow, refuses a second client while one is connected,
 * and its frames go through the bounded reader of wyoming.h.  Nothing
 * that arrives here is a console command.
 *
 * The turn (turn.c) decides whether a turn goes to Home Assistant
 * (satellite_ready) and feeds the microphone; what Home Assistant answers
 * comes back through struct satellite_events.
 */
#ifndef PARLEY_APP_SATELLITE_H
#define PARLEY_APP_SATELLITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../dsp/sizes.h"
#include "config.h"
#include "wyoming.h"

#define SAT_ALLOW_MAX 16 /* entries in satellite.allow */
#define SAT_TIMERS PARLEY_TIMERS_MAX /* Home Assistant's timers held */
#define SAT_TIMER_ID_MAX 64 /* bytes of a timer's id (HA sends a ULID) */
/* Home Assistant pings 2 s after each pong (assist_satellite.py,
 * _PING_SEND_DELAY) while it holds the connection: silence this long
 * means it is gone, and the place is free for its next connection. */
#define SAT_SILENT_MS 15000
#define SAT_PEER_MAX 64

enum sat_stage {
	SAT_OFF, /* satellite.enable is false */
	SAT_WAITING, /* listening, no Home Assistant */
	SAT_PAUSED, /* connected, no run-satellite yet (or pause-satellite) */
	SAT_READY, /* connected and running: turns go to its pipeline */
	SAT_STREAMING, /* the microphone streams to it */
	SAT_PROCESSING, /* its pipeline works on what was said */
	SAT_RESPONDING, /* its answer's audio plays */
};

enum sat_fail {
	SAT_LOST, /* the connection closed or broke */
	SAT_PAUSED_RUN, /* pause-satellite during a run */
	SAT_BAD, /* an event of the run that cannot be used */
};

/* What Home Assistant's pipeline does to the turn; all on the loop. */
struct satellite_events {
	/* its VAD heard the end of speech: streaming has stopped */
	void (*voice_stopped)(void *ctx);
	void (*transcript)(void *ctx, const char *text);
	/* the answer's text, before its audio */
	void (*synthesize)(void *ctx, const char *text);
	/* the answer's audio: 16-bit mono at rate; 0 or -errno */
	int (*audio_start)(void *ctx, unsigned rate);
	/* bytes of it: 0, -EAGAIN to be offered the same bytes again
	 * later (reading pauses meanwhile), or another -errno */
	int (*audio)(void *ctx, const uint8_t *pcm, size_t len);
	void (*audio_stop)(void *ctx);
	/* its pipeline failed: its error text ("text (code)") */
	void (*error)(void *ctx, const char *text);
	/* the run cannot go on (why names what happened) */
	void (*fail)(void *ctx, enum sat_fail kind, const char *why);
};

/* Home Assistant's timers, kept as the speaker's own (timers.h). */
struct satellite_timer_ops {
	/* a timer due in seconds; its local id (> 0), or < 0 */
	int64_t (*start)(void *ctx, const char *name, long seconds);
	void (*cancel)(void *ctx, int64_t local);
	/* it is due now: ring (if it has not already) */
	void (*ring)(void *ctx, int64_t local);
	void *ctx;
};

struct sat_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int bits;
};

struct sat_timer {
	char id[SAT_TIMER_ID_MAX];
	int64_t local; /* 0 while Home Assistant has it paused */
	char name[PARLEY_TIMER_LABEL_MAX];
};

#define SAT_WAKE_MAX 2

struct satellite {
	const struct parley_config *cfg;
	struct satellite_timer_ops tm;
	const struct satellite_events *ev;
	void *ev_ctx;
	int listen_fd; /* -1: off */
	char bound[SAT_PEER_MAX + 8]; /* "address:port" listened on */
	struct wyoming w; /* Home Assistant; w.fd < 0 when none */
	char from[SAT_PEER_MAX]; /* its address and port */
	int running; /* run-satellite came, pause-satellite did not */
	int run; /* a pipeline run of ours is under way */
	int streaming; /* the microphone goes to it */
	int tts; /* 1 its audio started, 2 it stopped */
	uint64_t samples_sent; /* microphone samples of the run */
	unsigned backed_up; /* events dropped since the output was full */
	uint64_t heard_ms; /* when it last sent anything */
	int silence_timer;
	unsigned refused; /* connections refused since start-up */
	unsigned runs; /* pipeline runs started */
	struct sat_net allow[SAT_ALLOW_MAX];
	int nallow;
	struct sat_timer timers[SAT_TIMERS];
	int ntimers;
	uint8_t info[WY_DATA_MAX]; /* the info event's data */
	/* our wake words (wake.h), as info lists them, and the one that
	 * opened the microphone for the next run ("" for a press) */
	int nwake;
	char wake_id[SAT_WAKE_MAX][64], wake_phrase[SAT_WAKE_MAX][64];
	int wake_on[SAT_WAKE_MAX];
	char woke[64];
};

/* Listens when satellite.enable; 0, or -1 with err filled. */
int satellite_open(struct satellite *s, const struct parley_config *cfg,
		   const struct satellite_timer_ops *tm, char *err,
		   size_t errlen);
void satellite_close(struct satellite *s);
/* Who hears what Home Assistant's pipeline does. */
void satellite_listen(struct satellite *s, const struct satellite_events *ev,
		      void *ctx);
/* 1 when Home Assistant is connected and has said run-satellite (s may
 * be NULL: no satellite). */
int satellite_ready(const struct satellite *s);
/* 1 when satellite.enable (s may be NULL). */
int satellite_enabled(const struct satellite *s);
/*
 * The wake words info offers Home Assistant: each model's name (id) and
 * its phrase; on says which are active.  Called again when one is turned
 * on or off.
 */
void satellite_wake_words(struct satellite *s, int n, const char *const *id,
			  const char *const *phrase, const int *on);
/* The wake word (id) that opened the microphone, NULL for a press: the
 * next run sends its detection first (s may be NULL). */
void satellite_wake(struct satellite *s, const char *id);
/* A run begins: run-pipeline, audio-start and pcm (the pre-roll); after a
 * wake word, its detection goes first. */
int satellite_begin(struct satellite *s, const int16_t *pcm, size_t n);
/* More of the microphone while streaming. */
void satellite_audio(struct satellite *s, const int16_t *pcm, size_t n);
/* Our endpoint: audio-stop, and its pipeline goes on. */
void satellite_audio_stop(struct satellite *s);
/* The run is over for us: audio-stop if it still streamed, played if
 * its answer's audio began (played or cut by a barge-in). */
void satellite_finish(struct satellite *s);
const char *satellite_stage_name(const struct satellite *s);
enum sat_stage satellite_stage(const struct satellite *s);
/* One line for status: where it listens, who is connected. */
void satellite_describe(const struct satellite *s, char *buf, size_t len);

/* The settings' rules (config.c): an address or interface name; a list
 * of addresses and networks. */
int satellite_bind_check(const struct config_key *k, const char *text,
			 char *why, size_t whylen);
int satellite_allow_check(const struct config_key *k, const char *text,
			  char *why, size_t whylen);
/* Parses satellite.allow into nets; the count, or -1 with why. */
int satellite_parse_allow(const char *text, struct sat_net *nets, int max,
			  char *why, size_t whylen);
/* 1 if the address sa is in nets (none: every address is). */
int satellite_allowed(const struct sat_net *nets, int n,
		      const struct sockaddr *sa);

/* The event handler, for the fuzz target (tests/fuzz/fuzz_satellite.c). */
int satellite_on_event(struct wyoming *w, const struct wy_event *ev,
		       void *ctx);

#endif
