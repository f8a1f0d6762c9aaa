// SPDX-License-Identifier: MIT
/*
 * The wake words (wake.h): the frontend, each word's model and detection
 * rule, and what the console shows of them.
 */
#include "wake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "record.h"

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * parley's cutoffs for microWakeWord's published models, named from
 * wake.models_dir: chosen on the bench's tuning voices alone (make bench,
 * tools/wake_bench.py: the most tuning-voice detections with at most one
 * false accept in its 3.3 h of real speech and music), where the
 * manifests' own (0.90, 0.97, 0.95, 0.97) miss most words said in a
 * room or in noise.  A cutoff in wake.words or wake.cutoff wins.
 */
static const struct {
	const char *id;
	double cutoff;
} tuned[] = {
	{ "alexa", 0.87 },
	{ "hey_jarvis", 0.85 },
	{ "hey_mycroft", 0.78 },
	{ "okay_nabu", 0.70 },
};

/* "NAME:P": splits off the cutoff P; 0 when there is none. */
static double word_cutoff(char *word)
{
	char *colon = strrchr(word, ':'), *end;
	double p;

	if (!colon)
		return 0;
	p = strtod(colon + 1, &end);
	if (end == colon + 1 || *end || !(p > 0 && p < 1))
		return 0;
	*colon = 0;
	return p;
}

/*
 * One word of wake.words: a path ending in .tflite as it is, else
 * wake.models_dir/NAME.tflite; the manifest is beside the model, the same
 * stem and .json, when it is there.  NAME:P sets its cutoff.
 */
static int load_word(struct wake *w, int i, char *word, char *err,
		     size_t errlen)
{
	double cutoff = word_cutoff(word);
	int named;
	const struct parley_config *cfg = w->cfg;
	char model[CONFIG_STR_MAX * 2 + 16], manifest[sizeof(model)];
	const char *base, *dot;
	size_t len = strlen(word);
	int stem;

	named = !strchr(word, '/');
	if (len > 7 && !strcmp(word + len - 7, ".tflite"))
		snprintf(model, sizeof(model), "%s", word);
	else if (strchr(word, '/'))
		snprintf(model, sizeof(model), "%s.tflite", word);
	else
		snprintf(model, sizeof(model), "%s/%s.tflite",
			 cfg->wake_models_dir, word);
	dot = strrchr(model, '.');
	stem = (int)(dot - model);
	snprintf(manifest, sizeof(manifest), "%.*s.json", stem, model);
	if (access(model, R_OK)) {
		snprintf(err, errlen,
			 "wake.words: %s: no model %s (install the models with make install WAKE_MODELS=DIR, or name a .tflite file)",
			 word, model);
		return -1;
	}
	if (wake_word_load(&w->w[i], model,
			   access(manifest, R_OK) ? NULL : manifest, err,
			   errlen))
		return -1;
	base = strrchr(model, '/');
	base = base ? base + 1 : model;
	snprintf(w->id[i], sizeof(w->id[i]), "%.*s",
		 (int)(dot - base), base);
	/* the word's own cutoff, else wake.cutoff, else ours for a
	 * published model, else the manifest's */
	if (!cutoff)
		cutoff = cfg->wake_cutoff;
	for (size_t k = 0; !cutoff && named && k < sizeof(tuned) / sizeof(tuned[0]); k++)
		if (!strcmp(w->id[i], tuned[k].id))
			cutoff = tuned[k].cutoff;
	if (cutoff > 0) /* the manifest's rule: floor(P x 255) */
		w->w[i].cutoff = (int)(cutoff * 255);
	w->w[i].refractory_ms = cfg->wake_refractory_ms;
	for (int k = 0; k < i; k++)
		if (!strcmp(w->id[k], w->id[i])) {
			snprintf(err, errlen, "wake.words: %s is named twice",
				 word);
			return -1;
		}
	LOGI("wake", "%s (%s): %d frames an inference, %lld multiply-adds, arena %d bytes, cutoff %.2f over %d outputs",
	     w->w[i].name, model, w->w[i].model.stride,
	     (long long)w->w[i].model.macs, (int)w->w[i].model.arena_used,
	     w->w[i].cutoff / 255.0, w->w[i].window);
	return 0;
}

int wake_open(struct wake *w, const struct parley_config *cfg, char *err,
	      size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->in_fd = w->out_fd = -1;
	ring_init(&w->in, w->in_buf, sizeof(w->in_buf[0]), WAKE_IN_FRAMES);
	ring_init(&w->out, w->out_buf, sizeof(w->out_buf[0]), WAKE_OUT_EVENTS);
	if (!cfg->wake_enable)
		return 0;
	for (const char *p = cfg->wake_words; *p && w->n < WAKE_WORDS_MAX;) {
		char word[CONFIG_STR_MAX];
		size_t l;

		p += strspn(p, " \t,");
		l = strcspn(p, ",");
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (!l)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)l, p);
		if (load_word(w, w->n, word, err, errlen))
			return -1;
		w->n++;
		p += l;
	}
	wake_fe_init(&w->fe);
	return 0;
}

void wake_reset(struct wake *w)
{
	atomic_store(&w->reset, 1);
}

static void add_event(struct wake *w, int word, enum wake_event_kind kind,
		      int peak)
{
	struct wake_event *e = &w->ev[w->ev_next++ % WAKE_EVENTS];

	e->unix_ms = unix_ms();
	e->word = (uint8_t)word;
	e->kind = (uint8_t)kind;
	e->peak = (uint8_t)peak;
}

/* The window's mean now, 0..255. */
static int window_mean(const struct wake_word *ww)
{
	int sum = 0, n = ww->nrecent < ww->window ? ww->nrecent : ww->window;

	for (int k = 0; k < n; k++)
		sum += ww->recent[k];
	return ww->window ? sum / ww->window : 0;
}

/* ---- the worker ---- */

static void post(struct wake *w, const struct wake_out *o)
{
	uint64_t one = 1;

	if (ring_push(&w->out, o, 1) == 1 &&
	    write(w->out_fd, &one, sizeof(one)) < 0)
		(void)0; /* the counter is full: the loop has a wakeup already */
}

static void worker_reset(struct wake *w)
{
	wake_fe_init(&w->fe);
	for (int i = 0; i < w->n; i++) {
		wake_word_reset(&w->w[i]);
		w->peak[i] = 0;
		atomic_store_explicit(&w->last[i], 0, memory_order_relaxed);
		atomic_store_explicit(&w->mean[i], 0, memory_order_relaxed);
	}
}

static void worker_frame(struct wake *w, const struct wake_in *f)
{
	uint16_t feat[WAKE_FE_CHANNELS];
	int8_t in8[WAKE_FE_CHANNELS];

	_Static_assert(PARLEY_FRAME == WAKE_FE_STEP,
		       "a capture frame is one feature step");
	if (!wake_fe_step(&w->fe, f->pcm, feat))
		return;
	wake_fe_to_int8(feat, in8, WAKE_FE_CHANNELS);
	for (int i = 0; i < w->n; i++) {
		struct wake_word *ww = &w->w[i];
		struct wake_out o = { .stamp = f->stamp, .word = (uint8_t)i };
		int hit = 0, p, mean;

		if (atomic_load_explicit(&w->off[i], memory_order_relaxed))
			continue;
		p = wake_word_frame(ww, in8, &hit);
		if (p < 0)
			continue;
		mean = window_mean(ww);
		atomic_store_explicit(&w->last[i], (uint8_t)p, memory_order_relaxed);
		atomic_store_explicit(&w->mean[i], (uint8_t)mean, memory_order_relaxed);
		if (hit) {
			w->peak[i] = 0; /* the episode became a detection */
			o.peak = (uint8_t)(ww->hit_sum / (ww->window ? ww->window : 1));
			post(w, &o);
			continue;
		}
		/* near misses: the window mean rose over half the cutoff and
		 * fell back without a detection */
		if (mean * 2 >= ww->cutoff && mean > w->peak[i]) {
			w->peak[i] = (uint8_t)mean;
		} else if (w->peak[i] && mean * 4 < ww->cutoff) {
			o.near_miss = 1;
			o.peak = w->peak[i];
			post(w, &o);
			w->peak[i] = 0;
		}
	}
}

static void *worker(void *arg)
{
	struct wake *w = arg;
	struct wake_in f;
	uint64_t v;

	pthread_setname_np(pthread_self(), "parley-wake");
	while (!atomic_load(&w->stop)) {
		if (read(w->in_fd, &v, sizeof(v)) < 0 && errno != EINTR)
			break;
		while (ring_pop(&w->in, &f, 1) == 1) {
			if (atomic_exchange(&w->reset, 0))
				worker_reset(w);
			worker_frame(w, &f);
		}
	}
	return NULL;
}

int wake_start(struct wake *w, char *err, size_t errlen)
{
	int r;

	if (!w->n)
		return 0;
	w->in_fd = eventfd(0, EFD_CLOEXEC);
	w->out_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->in_fd < 0 || w->out_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		wake_stop(w);
		return -1;
	}
	r = pthread_create(&w->thread, NULL, worker, w);
	if (r) {
		snprintf(err, errlen, "cannot start its thread: %s", strerror(r));
		wake_stop(w);
		return -1;
	}
	w->running = 1;
	return 0;
}

void wake_stop(struct wake *w)
{
	uint64_t one = 1;

	if (w->running) {
		atomic_store(&w->stop, 1);
		if (write(w->in_fd, &one, sizeof(one)) < 0)
			LOGW("wake", "cannot wake the worker to stop: %s",
			     strerror(errno));
		pthread_join(w->thread, NULL);
		w->running = 0;
	}
	if (w->in_fd >= 0)
		close(w->in_fd);
	if (w->out_fd >= 0)
		close(w->out_fd);
	w->in_fd = w->out_fd = -1;
}

/* ---- the control thread's side ---- */

void wake_push(struct wake *w, const int16_t *pcm, uint64_t stamp)
{
	struct wake_in f;
	uint64_t one = 1;

	if (!w->running)
		return;
	memcpy(w->clip[w->pushed % WAKE_CLIP_FRAMES], pcm, sizeof(w->clip[0]));
	w->pushed++;
	memcpy(f.pcm, pcm, sizeof(f.pcm));
	f.stamp = stamp;
	if (ring_push(&w->in, &f, 1) != 1) {
		w->dropped++; /* the worker is 640 ms behind */
		return;
	}
	if (write(w->in_fd, &one, sizeof(one)) < 0)
		LOGW("wake", "cannot wake the worker: %s", strerror(errno));
}

int wake_fd(const struct wake *w)
{
	return w->out_fd;
}

int wake_poll(struct wake *w, int *word, uint64_t *stamp)
{
	struct wake_out o;
	uint64_t v;

	if (w->out_fd < 0)
		return 0;
	if (read(w->out_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		LOGW("wake", "result read: %s", strerror(errno));
	while (ring_pop(&w->out, &o, 1) == 1) {
		if (o.near_miss) {
			add_event(w, o.word, WE_NEAR_MISS, o.peak);
			w->near_misses[o.word]++;
			LOGD("wake", "%s: near miss, %.2f against %.2f",
			     w->w[o.word].name, o.peak / 255.0,
			     w->w[o.word].cutoff / 255.0);
			continue;
		}
		*word = o.word;
		*stamp = o.stamp;
		w->hit_peak = o.peak;
		return 1;
	}
	return 0;
}

/* wake.record: the 2 s up to the detection, as recordings/wake-*.wav,
 * the oldest removed once wake.record are kept. */
static void keep_clip(struct wake *w, int word)
{
	/* wake.record can change live (set): the slots follow the new count,
	 * and a clip outside them stays until it is removed by hand */
	unsigned slot = w->clip_next % (unsigned)w->cfg->wake_record;
	unsigned at = (unsigned)(w->pushed % WAKE_CLIP_FRAMES);
	char *name = w->clip_names[slot], why[256], fresh[sizeof(w->clip_names[0])];
	time_t now = time(NULL);
	struct tm tm;
	size_t n1, n2;

	if (w->pushed < WAKE_CLIP_FRAMES)
		return; /* 2 s have not been heard yet */
	if (name[0])
		record_clip_remove(w->cfg, name);
	localtime_r(&now, &tm);
	snprintf(fresh, sizeof(fresh), "wake-%04d%02d%02d-%02d%02d%02d-%.24s.wav",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, w->id[word]);
	memcpy(name, fresh, sizeof(fresh));
	for (char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			*c = '_';
	/* oldest first: from the slot after the newest to the end, then
	 * the rest */
	n1 = (size_t)(WAKE_CLIP_FRAMES - at) * PARLEY_FRAME;
	n2 = (size_t)at * PARLEY_FRAME;
	if (record_clip(w->cfg, name, w->clip[at], n1, w->clip[0], n2, why,
			sizeof(why))) {
		LOGW("wake", "wake.record: %s", why);
		name[0] = 0;
		return;
	}
	w->clip_next++;
	LOGI("wake", "wake.record: kept %s", name);
}

void wake_note(struct wake *w, int word, enum wake_event_kind kind)
{
	int mean = w->hit_peak;

	add_event(w, word, kind, mean);
	if (kind == WE_DETECTED || kind == WE_STOPPED_RING)
		w->detections[word]++;
	else if (kind == WE_OWN_OUTPUT)
		w->own_output[word]++;
	LOGI("wake", "%s detected (%.2f): %s", w->w[word].name, mean / 255.0,
	     kind == WE_DETECTED     ? "listening" :
	     kind == WE_OWN_OUTPUT   ? "no voice over the speaker's own output: ignored" :
	     kind == WE_STOPPED_RING ? "the ringing stops" :
				       "ignored");
	if (w->cfg->wake_record > 0)
		keep_clip(w, word);
}

int wake_switch(struct wake *w, const char *name, int on, char *why,
		size_t whylen)
{
	int found = 0;

	for (int i = 0; i < w->n; i++)
		if (!strcmp(name, "all") || !strcasecmp(name, w->id[i]) ||
		    !strcasecmp(name, w->w[i].name)) {
			atomic_store(&w->off[i], !on);
			found = 1;
		}
	if (!found) {
		size_t n = (size_t)snprintf(why, whylen, "no wake word %s; ", name);

		if (!w->n) {
			snprintf(why + n, n < whylen ? whylen - n : 0,
				 "none is loaded (wake.enable)");
			return -1;
		}
		for (int i = 0; i < w->n && n < whylen; i++)
			n += (size_t)snprintf(why + n, whylen - n, "%s%s",
					      i ? ", " : "there are: ", w->id[i]);
		return -1;
	}
	return 0;
}

const char *wake_name(const struct wake *w, int word)
{
	return w->w[word].name;
}

const char *wake_id(const struct wake *w, int word)
{
	return w->id[word];
}

int wake_list(const struct wake *w, const char **id, const char **phrase,
	      int *on)
{
	for (int i = 0; i < w->n; i++) {
		id[i] = w->id[i];
		phrase[i] = w->w[i].name;
		on[i] = !atomic_load(&w->off[i]);
	}
	return w->n;
}

int wake_active(const struct wake *w, int word)
{
	return word >= 0 && word < w->n && !atomic_load(&w->off[word]);
}

void wake_show(const struct wake *w, struct console_client *c, int muted)
{
	static const char *const kinds[] = {
		[WE_DETECTED] = "detected", [WE_OWN_OUTPUT] = "own output",
		[WE_IGNORED] = "ignored",   [WE_NEAR_MISS] = "near miss",
		[WE_STOPPED_RING] = "stopped ringing",
	};
	int64_t now = unix_ms();
	int shown = 0;

	if (!w->n) {
		console_printf(c, "wake words: off (wake.enable)");
		return;
	}
	console_printf(c, "wake words%s:", muted ? " (muted: not listening)" : "");
	for (int i = 0; i < w->n; i++) {
		const struct wake_word *ww = &w->w[i];

		console_printf(c, "  %-12s %-3s probability %.2f, window %.2f of %.2f; detected %u, own output %u, near misses %u",
			       w->id[i], atomic_load(&w->off[i]) ? "off" : "on",
			       atomic_load(&w->last[i]) / 255.0,
			       atomic_load(&w->mean[i]) / 255.0,
			       ww->cutoff / 255.0, w->detections[i],
			       w->own_output[i], w->near_misses[i]);
	}
	/* the last ten minutes, newest first */
	for (unsigned k = 0; k < WAKE_EVENTS && k < w->ev_next; k++) {
		const struct wake_event *e = &w->ev[(w->ev_next - 1 - k) % WAKE_EVENTS];
		int64_t ago = (now - e->unix_ms) / 1000;

		if (ago > 600)
			break;
		if (!shown++)
			console_printf(c, "latest:");
		console_printf(c, "  %4llds ago  %-12s %-10s %.2f",
			       (long long)ago, w->id[e->word], kinds[e->kind],
			       e->peak / 255.0);
	}
	if (!shown)
		console_printf(c, "nothing detected in the last 10 minutes");
}

void wake_counts(const struct wake *w, char *buf, size_t len)
{
	size_t n = 0;

	if (!w->n) {
		snprintf(buf, len, "off");
		return;
	}
	buf[0] = 0;
	for (int i = 0; i < w->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n,
				      "%s%s: %u detected, %u own output, %u near misses",
				      i ? "; " : "", w->id[i], w->detections[i],
				      w->own_output[i], w->near_misses[i]);
	if (w->dropped && n < len)
		snprintf(buf + n, len - n, "; %llu frames lost behind",
			 (unsigned long long)w->dropped);
}
