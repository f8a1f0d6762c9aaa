// SPDX-License-Identifier: MIT
/*
 * parleyd: loads the configuration, opens every part, runs the control
 * loop and takes everything down again in reverse order.
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
#include <cjson/cJSON.h>
#include <unistd.h>

#include "../hal/audio.h"
#include "../hal/gpio.h"
#include "button.h"
#include "console.h"
#include "led.h"
#include "notify.h"
#include "http.h"
#include "json_arena.h"
#include "log.h"
#include "loop.h"
#include "parley.h"
#include "sphinx.h"

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
	printf("\nstt backends: openai whispercpp wyoming\n");
	printf("llm backends:");
	for (int i = 0; llm_protos[i]; i++)
		printf(" %s", llm_protos[i]->name);
	printf("\n");
	printf("tts backends: espeak openai wyoming\n");
	printf("offline recogniser: %s\n",
	       sphinx_built() ? "pocketsphinx" : "none");
}

static void report_stderr(const char *line, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void drain_engine_msgs(struct audio_engine *e)
{
	struct engine_msg m;

	while (ring_pop(&e->msg_ring, &m, 1))
		log_msg(m.level, "audio", "%s", m.text);
}

static void on_audio(int fd, short revents, void *ctx)
{
	struct parley *p = ctx;
	struct cap_frame f;
	uint64_t v;

	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		LOGW("audio", "event read: %s", strerror(errno));
	while (ring_pop(&p->eng.cap_ring, &f, 1)) {
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
	button_event(ctx);
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
	restart = config_apply_live(&p->cfg, &next, report_change, NULL);
	engine_set_volume(&p->eng, p->cfg.volume);
	atomic_store(&p->eng.earcons_on, p->cfg.earcons);
	log_set_level(log_level_parse(p->cfg.log_level));
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

static int setup_signals(struct parley *p)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	loop_watch(fd, POLLIN, on_signal, p);
	return fd;
}

/* The bearer token: the first line of llm.token_file, never logged. */
static int read_token(struct parley *p, char *err, size_t errlen)
{
	const char *path = p->cfg.token_file;
	struct stat st;
	FILE *f;
	size_t n;

	p->token[0] = '\0';
	if (!path[0])
		return 0;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "llm.token_file '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077))
		LOGW("llm", "llm.token_file '%s' can be read by others (mode %03o); make it 0600",
		     path, (unsigned)(st.st_mode & 0777));
	if (!fgets(p->token, sizeof(p->token), f))
		p->token[0] = '\0';
	fclose(f);
	n = strcspn(p->token, "\r\n");
	p->token[n] = '\0';
	if (!n) {
		snprintf(err, errlen, "llm.token_file '%s' is empty", path);
		return -1;
	}
	return 0;
}

/* At start-up: is the model on the host?  Says which ones are. */
static void tags_done(struct probe *pr, int code, long status,
		      const char *err, void *ctx)
{
	struct parley *p = ctx;
	char names[400] = "";
	size_t used = 0;
	int found = 0;
	cJSON *j, *m;

	if (code || status != 200) {
		LOGW("llm", "%s: %s", pr->url,
		     code ? err : "the host answered with an error");
		snprintf(p->host_state, sizeof(p->host_state),
			 "unreachable at start-up");
		return;
	}
	json_arena_reset();
	j = cJSON_ParseWithLength(pr->body, pr->len);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(j, "models"))
	{
		cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
		size_t ml = strlen(p->cfg.llm_model);

		if (!cJSON_IsString(name))
			continue;
		if (!strcmp(name->valuestring, p->cfg.llm_model) ||
		    (!strchr(p->cfg.llm_model, ':') &&
		     !strncmp(name->valuestring, p->cfg.llm_model, ml) &&
		     !strcmp(name->valuestring + ml, ":latest")))
			found = 1;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used,
						 sizeof(names) - used, "%s%s",
						 used ? ", " : "",
						 name->valuestring);
	}
	if (found) {
		LOGI("llm", "model %s is on the host", p->cfg.llm_model);
		snprintf(p->host_state, sizeof(p->host_state),
			 "reachable at start-up");
	} else {
		LOGE("llm", "model %s is not on the host %s; it has: %s",
		     p->cfg.llm_model, p->cfg.llm_url, names[0] ? names : "none");
		snprintf(p->host_state, sizeof(p->host_state),
			 "model missing at start-up");
	}
}

static int run(struct parley *p)
{
	struct parley_config *cfg = &p->cfg;
	const struct audio_ops *aops = audio_find(cfg->audio_backend);
	struct audio_params ap = {
		.capture_device = cfg->capture_device,
		.playback_device = cfg->playback_device,
		.capture_rate = (unsigned)cfg->capture_rate,
		.capture_channels = (unsigned)cfg->capture_channels,
		.playback_rate = (unsigned)cfg->playback_rate,
		.buffer_periods = (unsigned)cfg->buffer_periods,
		.playback_periods = (unsigned)cfg->playback_periods,
	};
	struct gpio_params gp = {
		.chip = cfg->gpio_chip,
		.button_line = cfg->button_line,
		.button_active_low = cfg->button_active_low,
		.led_count = cfg->led_count,
		.led_active_low = cfg->led_active_low,
	};
	static const struct {
		const char *name;
		enum gpio_bias bias;
	} biases[] = {
		{ "pull-up", GPIO_BIAS_PULL_UP },
		{ "pull-down", GPIO_BIAS_PULL_DOWN },
		{ "disable", GPIO_BIAS_DISABLE },
		{ "as-is", GPIO_BIAS_AS_IS },
	};
	struct chain_config cc;
	char err[512];
	int r, sfd, status = 1;

	/* members without a config key keep the tuned defaults */
	chain_config_default(&cc);
	cc.aec = (enum chain_aec)chain_aec_parse(cfg->dsp_aec);
	cc.tail_ms = cfg->dsp_aec_tail_ms;
	cc.residual = cfg->dsp_residual;
	cc.ns_db = cfg->dsp_ns_db;
	cc.agc = cfg->dsp_agc;
	vad_config_default(&cc.vad);
	cc.vad.threshold_db = cfg->vad_threshold_db;
	cc.vad.min_level_dbfs = cfg->vad_min_level_dbfs;
	cc.vad.onset_frames = cfg->vad_onset_ms / PARLEY_FRAME_MS;
	cc.vad.hangover_frames = cfg->vad_hangover_ms / PARLEY_FRAME_MS;
	cc.vad.release_db = cfg->vad_release_db;
	cc.vad.voicing_q15 = cfg->vad_voicing_pct * 32768 / 100;
	cc.vad.lookback_frames = cfg->vad_lookback_ms / PARLEY_FRAME_MS;
	p->started_ms = loop_now_ms();
	p->rec.fd = -1;
	stt_wy_init(&p->stt_wy);
	loop_init();
	json_arena_install();
	sfd = setup_signals(p);
	if (sfd < 0) {
		LOGE("parleyd", "signals: %s", strerror(errno));
		return 1;
	}
	if (http_init(CURL_HEAP_CAP)) {
		LOGE("parleyd", "cannot initialise libcurl");
		goto out_signals;
	}
	if (cfg->ca_file[0] && access(cfg->ca_file, R_OK)) {
		LOGE("http", "tls.ca_file '%s': %s", cfg->ca_file,
		     strerror(errno));
		goto out_http;
	}
	http_set_ca_file(cfg->ca_file);
	if (read_token(p, err, sizeof(err))) {
		LOGE("llm", "%s", err);
		goto out_http;
	}
	p->store = store_open(cfg->store_path, err, sizeof(err));
	if (!p->store) {
		LOGE("store", "cannot open the store: %s", err);
		goto out_http;
	}
	for (size_t i = 0; i < sizeof(biases) / sizeof(biases[0]); i++)
		if (!strcmp(biases[i].name, cfg->button_bias))
			gp.button_bias = biases[i].bias;
	for (int i = 0; i < cfg->led_count; i++)
		gp.led_lines[i] = cfg->led_lines[i];
	p->gpio = gpio_find(cfg->gpio_backend);
	r = p->gpio->open(&p->gpio_ctx, &gp, err, sizeof(err));
	if (r) {
		LOGE("button", "%s", err);
		goto out_store;
	}
	loop_watch(p->gpio->event_fd(p->gpio_ctx), POLLIN, on_gpio, p);
	button_init(p);
	if (cfg->barge_in_voice && cc.aec == CHAIN_AEC_OFF)
		LOGW("turn", "barge_in.voice is on but dsp.aec is off: the "
			     "speaker would interrupt itself, so only a press "
			     "barges in");
	r = engine_init(&p->eng, aops, &ap, &cc, err, sizeof(err));
	if (r) {
		LOGE("audio", "cannot prepare the engine: %s", err);
		chain_free(&p->eng.chain);
		if (p->eng.event_fd >= 0)
			close(p->eng.event_fd);
		goto out_gpio;
	}
	if (cfg->mixer_control[0]) {
		p->eng.mixer = audio_mixer_open(cfg->mixer_control, err,
						sizeof(err));
		if (!p->eng.mixer) /* the speaker still plays: say so, go on */
			LOGW("audio", "%s; using software volume", err);
	}
	engine_set_volume(&p->eng, cfg->volume);
	atomic_store(&p->eng.earcons_on, cfg->earcons);
	p->eng.capture_channel = cfg->capture_channel;
	p->eng.rt_priority = cfg->rt_priority;
	p->eng.mlock = cfg->mlock;
	p->eng.drift_correction = cfg->drift_correction;
	r = synth_start(&p->synth, &p->eng, cfg->tts_voice, cfg->tts_rate_wpm,
			(unsigned)cfg->playback_rate, err, sizeof(err));
	if (r) {
		LOGE("tts", "%s", err);
		goto out_engine;
	}
	loop_watch(p->synth.done_fd, POLLIN, on_synth, p);
	tts_init(&p->tts, &p->synth, &p->cfg);
	r = engine_start(&p->eng, err, sizeof(err));
	if (r) {
		LOGE("audio", "%s", err);
		goto out_synth;
	}
	loop_watch(p->eng.event_fd, POLLIN, on_audio, p);
	turn_init(&p->turn, p);
	led_init(p);
	timers_init(&p->timers, p);
	if (cfg->sphinx_model[0]) {
		if (sphinx_start(cfg->sphinx_model, cfg->sphinx_dict, err,
				 sizeof(err)))
			LOGW("tools", "no offline recogniser: %s", err);
		else
			loop_watch(sphinx_fd(), POLLIN, on_sphinx, p);
	}
	r = console_open(p, cfg->console_socket, err, sizeof(err));
	if (r) {
		LOGE("console", "%s", err);
		goto out_audio;
	}
	if (cfg->console_device[0] &&
	    console_open_tty(cfg->console_device, cfg->console_baud, err,
			     sizeof(err)) < 0) {
		/* the speaker works without its serial console: say so, go on */
		LOGE("console", "%s", err);
	}
	if (p->foreground)
		console_open_stdio();
	LOGN("parleyd", "ready: capture '%s', playback '%s' at %d Hz, model %s",
	     cfg->capture_device, cfg->playback_device, cfg->playback_rate,
	     cfg->llm_model);
	if (!strcmp(cfg->llm_backend, "ollama")) {
		char url[CONFIG_STR_MAX + 16];

		snprintf(url, sizeof(url), "%s/api/tags", cfg->llm_url);
		probe_get(&p->probes[1], url, 3000, tags_done, p);
	}
	notify_init(p);
	notify_send("READY=1");
	notify_status("idle");
	loop_run();
	status = 0;
	notify_send("STOPPING=1");
	turn_abort(&p->turn);
	timers_stop(&p->timers);
	sphinx_stop();
	record_abort(&p->rec);
	for (int i = 0; i < 3; i++)
		probe_abort(&p->probes[i]);
	led_stop();
	notify_close();
	console_close();
out_audio:
	engine_stop(&p->eng);
	drain_engine_msgs(&p->eng);
out_synth:
	synth_stop(&p->synth);
out_engine:
	if (p->eng.event_fd >= 0)
		close(p->eng.event_fd);
	chain_free(&p->eng.chain);
out_gpio:
	p->gpio->close(p->gpio_ctx);
out_store:
	store_close(p->store);
out_http:
	stt_abort(&p->stt);
	stt_wy_abort(&p->stt_wy);
	tts_abort(&p->tts);
	llm_abort(&p->llm);
	http_cleanup();
out_signals:
	close(sfd);
	LOGN("parleyd", "stopped");
	return status;
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
