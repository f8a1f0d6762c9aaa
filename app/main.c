// SPDX-License-Identifier: MIT
/*
 * parleyd, the wiring: loads the configuration, opens every part in the
 * order of the parts table (each given the collaborators it uses), runs
 * the control loop and takes everything down again in reverse order.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../hal/audio.h"
#include "../hal/gpio.h"
#include "backends.h"
#include "button.h"
#include "console.h"
#include "http.h"
#include "json_arena.h"
#include "led.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "parley.h"

#include "lang.h"
#include "mcp.h"
#include "resolve.h"
#include "sphinx.h"
#include "token.h"

#define DEFAULT_CONFIG "/etc/parley/parley.conf"
#define CURL_HEAP_CAP (4 * 1024 * 1024)

/* Large buffers live here, in static storage, sized by dsp/sizes.h. */
static struct parley parley;

struct option_doc {
	struct option opt;
	const char *arg;
	const char *help;
};

static const struct option_doc options[] = {
	{ { "config", required_argument, NULL, 'c' }, "FILE",
	  "configuration file (default " DEFAULT_CONFIG ")" },
	{ { "test", no_argument, NULL, 't' }, NULL,
	  "check the configuration and exit" },
	{ { "foreground", no_argument, NULL, 'f' }, NULL,
	  "stay in the foreground and log to stderr" },
	{ { "debug", no_argument, NULL, 'd' }, NULL,
	  "log at debug level (shows transcripts and answers)" },
	{ { "print-defaults", no_argument, NULL, 'p' }, NULL,
	  "print a sample configuration with every default" },
	{ { "version", no_argument, NULL, 'V' }, NULL,
	  "print the version and compiled-in backends" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "show this help" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: parleyd [options]\n\n"
		   "A voice-assistant speaker daemon.\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		char left[40];

		snprintf(left, sizeof(left), "-%c, --%s%s%s",
			 options[i].opt.val, options[i].opt.name,
			 options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, options[i].help);
	}
}

static void version(void)
{
	printf("parleyd %s\n", PARLEY_VERSION);
	printf("audio backends:");
	for (int i = 0; audio_backends[i]; i++)
		printf(" %s", audio_backends[i]->name);
	printf("\ngpio backends:");
	for (int i = 0; gpio_backends[i]; i++)
		printf(" %s", gpio_backends[i]->name);
	printf("\n");
	backends_list(stdout);
	printf("offline recogniser: %s\n",
	       sphinx_built() ? "pocketsphinx" : "none");
	printf("wake words: microWakeWord streaming int8 models (TFLite flatbuffers) on parley's integer engine; up to %d at once, arena %d bytes each\n",
	       WAKE_WORDS_MAX, WAKE_ARENA_BYTES);
	printf("tool servers: MCP (Streamable HTTP, protocol %s; up to %d servers, %d tools)\n",
	       MCP_PROTOCOL_VERSION, MCP_SERVERS_MAX, MCP_TOOLS_MAX);
}

static void report_stderr(const char *line, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

/* ---- events from the loop ---- */

static void drain_engine_msgs(struct audio_engine *e)
{
	struct engine_msg m;

	while (engine_pop_msg(e, &m))
		log_msg(m.level, "audio", "%s", m.text);
}

static void wake_detected(struct parley *p, int word, uint64_t stamp);

/* Wake words from the detector: the turn decides what each one is. */
static void on_wake(int fd, short revents, void *ctx)
{
	struct parley *p = ctx;
	uint64_t stamp;
	int word;

	(void)fd;
	(void)revents;
	while (wake_poll(&p->wake, &word, &stamp))
		wake_detected(p, word, stamp);
}

static void wake_detected(struct parley *p, int word, uint64_t stamp)
{
	static const enum wake_event_kind kinds[] = {
		[TW_LISTENING] = WE_DETECTED,
		[TW_OWN_OUTPUT] = WE_OWN_OUTPUT,
		[TW_IGNORED] = WE_IGNORED,
	};
	enum turn_wake_result r;

	/* while a timer rings, the word stops it, as a press does, and does
	 * nothing else */
	if (timers_ringing(&p->timers) && turn_voice_over_output(&p->turn) &&
	    device_stop_ringing(&p->dev)) {
		wake_note(&p->wake, word, WE_STOPPED_RING);
		console_event("wake %s stopped-ringing", wake_id(&p->wake, word));
		return;
	}
	r = turn_wake(&p->turn, wake_id(&p->wake, word), stamp);

	wake_note(&p->wake, word, kinds[r]);
	console_event("wake %s %s", wake_id(&p->wake, word),
		      r == TW_LISTENING   ? "listening" :
		      r == TW_OWN_OUTPUT ? "own-output" :
					   "ignored");
}

static void on_audio(int fd, short revents, void *ctx)
{
	struct parley *p = ctx;
	struct cap_frame f;
	int r;

	(void)fd;
	(void)revents;
	r = engine_event_clear(&p->eng);
	if (r)
		LOGW("audio", "event read: %s", strerror(-r));
	while (engine_pop_frame(&p->eng, &f)) {
		p->meter.level_q8 = f.vad.level_q8;
		p->meter.floor_q8 = f.vad.floor_q8;
		p->meter.speech = f.vad.speech;
		if (f.vad.level_q8 > p->meter.peak_q8)
			p->meter.peak_q8 = f.vad.level_q8;
		if (p->rec.ref == 2)
			record_frame2(&p->rec, f.pcm, f.ref, PARLEY_FRAME);
		else
			record_frame(&p->rec, p->rec.ref ? f.ref : f.pcm,
				     PARLEY_FRAME);
		/* muted, the detector hears nothing (the turn keeps nothing) */
		if (!p->turn.muted)
			wake_push(&p->wake, f.pcm, p->turn.frames_seen);
		turn_frame(&p->turn, &f);
	}
	drain_engine_msgs(&p->eng);
}

static void on_synth(int fd, short revents, void *ctx)
{
	struct parley *p = ctx;
	struct synth_done d;

	(void)fd;
	(void)revents;
	while (synth_poll_done(&p->synth, &d))
		if (!timers_owns_job(&p->timers, d.id))
			turn_synth_done(&p->turn, d.id, d.samples, d.cancelled,
					d.error);
}

static void on_sphinx(int fd, short revents, void *ctx)
{
	struct parley *p = ctx;
	char text[PARLEY_TRANSCRIPT_MAX];

	(void)fd;
	(void)revents;
	if (sphinx_result(text, sizeof(text)))
		turn_local_transcript(&p->turn, text);
}

static void on_gpio(int fd, short revents, void *ctx)
{
	(void)fd;
	(void)revents;
	(void)ctx;
	button_event();
}

/* ---- live settings: what each configuration hook does ---- */

static void apply_volume(void *ctx, const struct parley_config *cfg)
{
	engine_set_volume(&((struct parley *)ctx)->eng, cfg->volume);
}

static void apply_earcons(void *ctx, const struct parley_config *cfg)
{
	engine_set_earcons(&((struct parley *)ctx)->eng, cfg->earcons);
}

static void apply_log_level(void *ctx, const struct parley_config *cfg)
{
	(void)ctx;
	log_set_level(log_level_parse(cfg->log_level));
}

static void apply_stt(void *ctx, const struct parley_config *cfg)
{
	struct parley *p = ctx;

	turn_cancel(&p->turn); /* a stream in flight was the old backend's */
	stt_select(&p->stt);
	LOGN("stt", "backend %s", cfg->stt_backend);
}

static void apply_tts(void *ctx, const struct parley_config *cfg)
{
	struct parley *p = ctx;

	turn_cancel(&p->turn);
	tts_select(&p->tts);
	LOGN("tts", "backend %s", cfg->tts_backend);
}

static void apply_llm(void *ctx, const struct parley_config *cfg)
{
	struct parley *p = ctx;

	turn_cancel(&p->turn);
	llm_select(&p->llm);
	LOGN("llm", "backend %s", cfg->llm_backend);
}

static void report_reload(const char *line, void *ctx)
{
	(void)ctx;
	LOGE("config", "%s", line);
}

static void report_change(const struct config_key *k, int live,
			  const char *old, const char *now, void *ctx)
{
	(void)ctx;
	if (live)
		LOGN("config", "%s: %s -> %s", k->path, old, now);
	else
		LOGW("config", "%s changed (%s -> %s): restart parleyd to apply",
		     k->path, old, now);
}

/* SIGHUP: re-reads the files and applies what can change live. */
static void reload(struct parley *p)
{
	static struct parley_config next;
	int problems, restart;

	problems = config_load_layers(&next, p->config_file, report_reload,
				      NULL);
	if (problems) {
		LOGE("config", "reload of %s refused: %d problem%s; the running settings stay",
		     p->config_file, problems < 0 ? 1 : problems,
		     problems == 1 || problems < 0 ? "" : "s");
		return;
	}
	restart = config_apply_live(&p->cfg, &next, &p->live, report_change,
				    NULL);
	/* mcp.servers is no key of the table: it changes on a reload, and
	 * a reload lists every server's tools again (mcp.h) */
	memcpy(p->cfg.mcp, next.mcp, sizeof(p->cfg.mcp));
	p->cfg.mcp_count = next.mcp_count;
	mcp_reload(&p->cfg);
	if (restart)
		LOGW("config", "reloaded; %d setting%s need%s a restart", restart,
		     restart == 1 ? "" : "s", restart == 1 ? "s" : "");
	else
		LOGN("config", "reloaded %s", p->config_file);
}

static void on_signal(int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	(void)revents;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		reload(ctx);
		return;
	}
	LOGN("parleyd", "signal %u: stopping", si.ssi_signo);
	loop_stop();
}

/* ---- callbacks between parts ---- */

static void turn_state_changed(void *ctx, enum turn_state s, int muted,
			       int failed)
{
	static const enum led_state leds[] = {
		[TS_IDLE] = LED_IDLE,	      [TS_LISTENING] = LED_LISTENING,
		[TS_TRANSCRIBING] = LED_THINKING, [TS_THINKING] = LED_THINKING,
		[TS_SPEAKING] = LED_SPEAKING,
	};

	(void)ctx;
	if (failed) {
		led_show(LED_ERROR); /* three flashes, then idle again */
		return;
	}
	notify_status("%s", turn_state_name(s));
	led_show(s == TS_IDLE && muted ? LED_MUTED : leds[s]);
}

static int timers_speech_busy(void *ctx)
{
	return turn_busy(&((struct parley *)ctx)->turn);
}

static void ring_led(void *ctx, int on)
{
	(void)ctx;
	led_ring(on);
}

static void timers_led(void *ctx, int n)
{
	(void)ctx;
	led_timers(n > 0);
}

static void btn_press(void *ctx, uint64_t t)
{
	turn_talk_press(&((struct parley *)ctx)->turn, t);
}

static void btn_release(void *ctx, uint64_t t, int hold)
{
	turn_talk_release(&((struct parley *)ctx)->turn, t, hold);
}

static void btn_cancel(void *ctx)
{
	turn_cancel(&((struct parley *)ctx)->turn);
}

static void btn_new_conversation(void *ctx)
{
	turn_new_conversation(&((struct parley *)ctx)->turn);
}

static void btn_mute(void *ctx)
{
	struct parley *p = ctx;

	turn_mute(&p->turn, !p->turn.muted);
	wake_reset(&p->wake); /* the stream starts afresh either way */
}

static int btn_heard_speech(void *ctx)
{
	return turn_heard_speech(&((struct parley *)ctx)->turn);
}

static int btn_stop_ringing(void *ctx)
{
	return device_stop_ringing(&((struct parley *)ctx)->dev);
}

/* Home Assistant's timers become the speaker's own (satellite.h): they
 * ring here, with the label it gave or their length in words. */
static int64_t ha_timer_start(void *ctx, const char *name, long seconds)
{
	struct parley *p = ctx;
	char label[PARLEY_TIMER_LABEL_MAX], why[128];

	if (name[0])
		snprintf(label, sizeof(label), "%s", name);
	else
		lang_duration(lang_of(&p->cfg), seconds, label, sizeof(label));
	if (timers_add(&p->timers, TK_TIMER, label, (int64_t)seconds * 1000,
		       why, sizeof(why))) {
		LOGW("satellite", "Home Assistant's timer is not kept here: %s",
		     why);
		return -1;
	}
	return timers_newest(&p->timers);
}

static void ha_timer_cancel(void *ctx, int64_t id)
{
	timers_cancel_id(&((struct parley *)ctx)->timers, id);
}

static void ha_timer_ring(void *ctx, int64_t id)
{
	timers_ring_id(&((struct parley *)ctx)->timers, id);
}

/* At start-up: is the LLM host there, with the model?  Says which models
 * it has when it is not. */
static void startup_probe(void *ctx, struct probe *pr, int ok,
			  const char *line)
{
	struct parley *p = ctx;
	const char *state = ok		  ? "reachable at start-up" :
			    pr->answered ? "model missing at start-up" :
					   "unreachable at start-up";
	char names[400] = "";
	size_t n = 0;

	snprintf(p->host_state, sizeof(p->host_state), "%s", state);
	if (ok) {
		LOGI("llm", "model %s is on the host", p->cfg.llm_model);
		return;
	}
	if (!pr->answered) {
		LOGW("llm", "%s", line);
		return;
	}
	for (const char *m = pr->models; *m && n < sizeof(names);) {
		size_t k = strcspn(m, "\n");

		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%.*s",
				      n ? ", " : "", (int)k, m);
		m += k + (m[k] == '\n');
	}
	LOGE("llm", "model %s is not on the host %s; it has: %s",
	     p->cfg.llm_model, p->cfg.llm_url, n ? names : "none");
}

/* ---- the parts, opened in order and closed in reverse ---- */

static int open_signals(struct parley *p, char *err, size_t len)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	p->signal_fd = -1;
	if (sigprocmask(SIG_BLOCK, &set, NULL) == 0)
		p->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (p->signal_fd < 0) {
		snprintf(err, len, "signals: %s", strerror(errno));
		return -1;
	}
	loop_watch(p->signal_fd, POLLIN, on_signal, p);
	return 0;
}

static void close_signals(struct parley *p)
{
	close(p->signal_fd);
}

/* libcurl, the CA bundle, where the bearer token may go, and the token
 * itself (token.h: llm.token_file or the credential llm-token). */
static int open_http(struct parley *p, char *err, size_t len)
{
	if (http_init(CURL_HEAP_CAP)) {
		snprintf(err, len, "cannot initialise libcurl");
		return -1;
	}
	if (p->cfg.ca_file[0] && access(p->cfg.ca_file, R_OK)) {
		snprintf(err, len, "tls.ca_file '%s': %s", p->cfg.ca_file,
			 strerror(errno));
		return -1;
	}
	http_set_ca_file(p->cfg.ca_file);
	http_bearer_policy(p->cfg.llm_url, &p->cfg.allow_insecure_token);
	return token_load(&p->cfg, p->token, sizeof(p->token), err, len);
}

/* The MCP servers' discovery (mcp.h), once the loop and curl are up. */
static int open_mcp(struct parley *p, char *err, size_t len)
{
	(void)err;
	(void)len;
	mcp_start(&p->cfg);
	return 0;
}

static void close_mcp(struct parley *p)
{
	(void)p;
	mcp_stop();
}

static void close_http(struct parley *p)
{
	token_forget(p->token, sizeof(p->token));
	http_cleanup();
}

/* The name look-ups' workers: Wyoming peers given by name (resolve.h). */
static int open_resolver(struct parley *p, char *err, size_t len)
{
	int r = resolve_init();

	(void)p;
	if (r)
		snprintf(err, len, "cannot start the name look-ups: %s",
			 strerror(-r));
	return r ? -1 : 0;
}

static void close_resolver(struct parley *p)
{
	(void)p;
	resolve_stop();
}

static int open_store(struct parley *p, char *err, size_t len)
{
	char why[400];

	p->store = store_open(p->cfg.store_path, why, sizeof(why));
	if (!p->store)
		snprintf(err, len, "cannot open the store: %s", why);
	return p->store ? 0 : -1;
}

static void close_store(struct parley *p)
{
	store_close(p->store);
}

static int open_gpio(struct parley *p, char *err, size_t len)
{
	static const struct button_actions act = {
		.talk_press = btn_press,
		.talk_release = btn_release,
		.cancel = btn_cancel,
		.new_conversation = btn_new_conversation,
		.toggle_mute = btn_mute,
		.heard_speech = btn_heard_speech,
		.stop_ringing = btn_stop_ringing,
	};
	struct button_actions a = act;
	struct gpio_params gp;

	config_gpio_params(&p->cfg, &gp);
	p->gpio = gpio_find(p->cfg.gpio_backend);
	if (p->gpio->open(&p->gpio_ctx, &gp, err, len))
		return -1;
	a.ctx = p;
	loop_watch(p->gpio->event_fd(p->gpio_ctx), POLLIN, on_gpio, p);
	button_init(p->gpio, p->gpio_ctx, &p->cfg, &a);
	return 0;
}

static void close_gpio(struct parley *p)
{
	led_stop();
	p->gpio->close(p->gpio_ctx);
}

/* The engine and its DSP chain; the hardware volume control if one is
 * named (without it the speaker still plays, with software volume). */
static int open_engine(struct parley *p, char *err, size_t len)
{
	const struct audio_ops *ops = audio_find(p->cfg.audio_backend);
	struct audio_params ap;
	struct engine_options eo;
	struct chain_config cc;
	char why[256];

	config_audio_params(&p->cfg, &ap);
	config_engine_options(&p->cfg, &eo);
	config_chain(&p->cfg, &cc);
	if (p->cfg.barge_in_voice && cc.aec == CHAIN_AEC_OFF)
		LOGW("turn", "barge_in.voice is on but dsp.aec is off: the "
			     "speaker would interrupt itself, so only a press "
			     "barges in");
	if (engine_init(&p->eng, ops, &ap, &cc, &eo, why, sizeof(why))) {
		snprintf(err, len, "cannot prepare the engine: %s", why);
		return -1;
	}
	if (p->cfg.mixer_control[0] &&
	    engine_open_mixer(&p->eng, p->cfg.mixer_control, why, sizeof(why)))
		LOGW("audio", "%s; using software volume", why);
	return 0;
}

static void close_engine(struct parley *p)
{
	engine_stop(&p->eng);
	drain_engine_msgs(&p->eng);
}

/* The local voice, the answer's voice and the other backends. */
static int open_speech(struct parley *p, char *err, size_t len)
{
	if (synth_start(&p->synth, &p->eng, lang_voice(&p->cfg), p->cfg.tts_rate_wpm,
			(unsigned)p->cfg.playback_rate, err, len))
		return -1;
	loop_watch(p->synth.done_fd, POLLIN, on_synth, p);
	tts_init(&p->tts, &p->synth, &p->cfg);
	stt_init(&p->stt, &p->cfg);
	llm_init(&p->llm, &p->cfg);
	for (int i = 0; i < PEER_COUNT; i++)
		probe_init(&p->probes[i]);
	probe_init(&p->startup);
	return 0;
}

static void close_speech(struct parley *p)
{
	stt_abort(&p->stt);
	tts_abort(&p->tts);
	llm_abort(&p->llm);
	for (int i = 0; i < PEER_COUNT; i++)
		probe_abort(&p->probes[i]);
	probe_abort(&p->startup);
	synth_stop(&p->synth);
}

static int start_engine(struct parley *p, char *err, size_t len)
{
	if (engine_start(&p->eng, err, len))
		return -1;
	loop_watch(engine_event_fd(&p->eng), POLLIN, on_audio, p);
	return 0;
}

/* The Home Assistant satellite: listening, if satellite.enable. */
static int open_satellite(struct parley *p, char *err, size_t len)
{
	struct satellite_timer_ops tm = {
		.start = ha_timer_start, .cancel = ha_timer_cancel,
		.ring = ha_timer_ring, .ctx = p,
	};

	return satellite_open(&p->sat, &p->cfg, &tm, err, len);
}

static void close_satellite(struct parley *p)
{
	satellite_close(&p->sat);
}

/* The turn and what it works with: the device's actions, timers, LED and
 * the offline recogniser. */
static int open_turn(struct parley *p, char *err, size_t len)
{
	struct turn_deps td = {
		.cfg = &p->cfg, .eng = &p->eng, .store = p->store,
		.synth = &p->synth, .tts = &p->tts, .stt = &p->stt,
		.llm = &p->llm, .dev = &p->dev, .token = p->token,
		.sat = &p->sat, .on_state = turn_state_changed, .ctx = p,
	};
	struct timers_deps tmd = {
		.store = p->store, .synth = &p->synth, .cfg = &p->cfg,
		.speech_busy = timers_speech_busy, .ringing = ring_led,
		.pending = timers_led,
		.ctx = p,
	};

	(void)err;
	(void)len;
	p->dev = (struct device){ .cfg = &p->cfg, .live = &p->live,
				  .timers = &p->timers, .store = p->store };
	turn_init(&p->turn, &td);
	led_init(p->gpio, p->gpio_ctx, &p->cfg);
	timers_init(&p->timers, &tmd);
	if (p->cfg.sphinx_model[0]) {
		char why[256];

		if (sphinx_start(p->cfg.sphinx_model, p->cfg.sphinx_dict, why,
				 sizeof(why)))
			LOGW("tools", "no offline recogniser: %s", why);
		else
			loop_watch(sphinx_fd(), POLLIN, on_sphinx, p);
	}
	return 0;
}

static void close_turn(struct parley *p)
{
	turn_abort(&p->turn);
	timers_stop(&p->timers);
	sphinx_stop();
	record_abort(&p->rec);
}

/* The console: the socket (needed), the serial tty (the speaker works
 * without it: said, and on), stdin in the foreground. */
/* The wake words: a model that cannot be loaded leaves the button, and
 * says so aloud, rather than leaving a speaker that does not start. */
static int open_wake(struct parley *p, char *err, size_t len)
{
	const char *ids[WAKE_WORDS_MAX], *phrases[WAKE_WORDS_MAX];
	int on[WAKE_WORDS_MAX], n;
	char why[512];

	(void)err;
	(void)len;
	if (wake_open(&p->wake, &p->cfg, why, sizeof(why)) ||
	    wake_start(&p->wake, why, sizeof(why))) {
		LOGE("wake", "no wake word: %s", why);
		p->wake.n = 0;
		turn_say(&p->turn, phrase(&p->cfg, PH_WAKE_FAILED), why,
			 sizeof(why));
		return 0;
	}
	/* Home Assistant is offered only words that run */
	n = wake_list(&p->wake, ids, phrases, on);
	satellite_wake_words(&p->sat, n, ids, phrases, on);
	if (wake_fd(&p->wake) >= 0)
		loop_watch(wake_fd(&p->wake), POLLIN, on_wake, p);
	if (n)
		LOGN("wake", "listening for %s%s%s", ids[0],
		     p->wake.n > 1 ? " and " : "", p->wake.n > 1 ? ids[1] : "");
	return 0;
}

static void close_wake(struct parley *p)
{
	if (wake_fd(&p->wake) >= 0)
		loop_unwatch(wake_fd(&p->wake));
	wake_stop(&p->wake);
}

static int open_console(struct parley *p, char *err, size_t len)
{
	char why[256];

	if (console_open(p, p->cfg.console_socket, err, len))
		return -1;
	if (p->cfg.console_device[0] &&
	    console_open_tty(p->cfg.console_device, p->cfg.console_baud, why,
			     sizeof(why)) < 0)
		LOGE("console", "%s", why);
	if (p->foreground)
		console_open_stdio();
	return 0;
}

static void close_console(struct parley *p)
{
	(void)p;
	console_close();
}

static const struct part {
	const char *name; /* the log's subsystem for its errors */
	int (*open)(struct parley *p, char *err, size_t len);
	void (*close)(struct parley *p); /* NULL: nothing to undo */
} parts[] = {
	{ "parleyd", open_signals, close_signals },
	{ "http", open_http, close_http },
	{ "mcp", open_mcp, close_mcp },
	{ "resolve", open_resolver, close_resolver },
	{ "store", open_store, close_store },
	{ "button", open_gpio, close_gpio },
	{ "audio", open_engine, close_engine },
	{ "tts", open_speech, close_speech },
	{ "audio", start_engine, NULL },
	{ "satellite", open_satellite, close_satellite },
	{ "turn", open_turn, close_turn },
	{ "wake", open_wake, close_wake },
	{ "console", open_console, close_console },
};

#define NPARTS (sizeof(parts) / sizeof(parts[0]))

static void close_parts(struct parley *p, size_t n)
{
	while (n--)
		if (parts[n].close)
			parts[n].close(p);
}

/*
 * The store, while it runs in memory (store.h): the disk is tried again,
 * and that it is away is said once, aloud, when the speaker is free.
 */
static void store_tick(void *ctx)
{
	struct parley *p = ctx;
	const char *say;
	char why[128];

	store_retry(p->store);
	say = phrase(&p->cfg, PH_STORE_IN_MEMORY);
	if (store_notice(p->store) &&
	    !turn_say(&p->turn, say, why, sizeof(why))) {
		LOGN("store", "said aloud: %s", say);
		store_notice_said(p->store);
	}
	p->store_timer = loop_timeout(STORE_RETRY_MS, store_tick, p);
}

static int run(struct parley *p)
{
	char err[512];
	size_t n;

	p->started_ms = loop_now_ms();
	record_init(&p->rec, &p->cfg, &p->turn.muted);
	p->live = (struct config_live){
		.apply = { [CH_VOLUME] = apply_volume,
			   [CH_EARCONS] = apply_earcons,
			   [CH_LOG_LEVEL] = apply_log_level,
			   [CH_STT] = apply_stt,
			   [CH_TTS] = apply_tts,
			   [CH_LLM] = apply_llm },
		.ctx = p,
	};
	loop_init();
	json_arena_install();
	for (n = 0; n < NPARTS; n++) {
		if (parts[n].open(p, err, sizeof(err))) {
			LOGE(parts[n].name, "%s", err);
			close_parts(p, n);
			LOGN("parleyd", "stopped");
			return 1;
		}
	}
	LOGN("parleyd", "ready: capture '%s', playback '%s' at %d Hz, model %s",
	     p->cfg.capture_device, p->cfg.playback_device,
	     p->cfg.playback_rate, p->cfg.llm_model);
	probe_start(&p->startup, p->llm.proto->probe, &p->cfg, startup_probe, p);
	notify_init(&p->eng);
	notify_send("READY=1");
	notify_status("idle");
	store_tick(p);
	loop_run();
	notify_send("STOPPING=1");
	notify_close();
	loop_cancel(p->store_timer);
	close_parts(p, NPARTS);
	LOGN("parleyd", "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct option longopts[NOPTIONS + 1];
	const char *file = DEFAULT_CONFIG;
	int test = 0, fg = 0, debug = 0, c, problems, level;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < NOPTIONS; i++)
		longopts[i] = options[i].opt;
	while ((c = getopt_long(argc, argv, "c:tfdpVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'f':
			fg = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'p':
			config_write_sample(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "parleyd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	config_add_rule(backends_url_rule);
	config_add_rule(token_rule);
	problems = config_load_layers(&parley.cfg, file, report_stderr, NULL);
	if (problems) {
		fprintf(stderr, "parleyd: %s: %d problem%s; not starting\n",
			file, problems < 0 ? 1 : problems,
			problems == 1 || problems < 0 ? "" : "s");
		return 1;
	}
	if (test) {
		printf("%s: configuration OK\n", file);
		return 0;
	}
	parley.config_file = file;
	parley.foreground = fg;
	level = debug ? LOG_DEBUG : log_level_parse(parley.cfg.log_level);
	if (!fg && daemon(0, 0) < 0) {
		perror("parleyd: daemon");
		return 1;
	}
	log_open(fg, level);
	return run(&parley);
}
