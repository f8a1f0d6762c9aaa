// SPDX-License-Identifier: MIT
/*
 * The Home Assistant satellite (satellite.h): the listening socket, the
 * one connection, and the events of Home Assistant's wyoming integration
 * (homeassistant/components/wyoming/assist_satellite.py).  Each event is
 * checked before it is used; one that belongs to no run of ours (a late
 * answer to a run we gave up) is logged and dropped.
 */
#include "satellite.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "json_arena.h"
#include "log.h"
#include "loop.h"

#define AUDIO_FMT "\"rate\": 16000, \"width\": 2, \"channels\": 1"
#define CHUNK_SAMPLES 320 /* 20 ms a chunk at most */

static const char *const stage_names[] = {
	[SAT_OFF] = "off",
	[SAT_WAITING] = "waiting for Home Assistant",
	[SAT_PAUSED] = "paused",
	[SAT_READY] = "ready",
	[SAT_STREAMING] = "streaming",
	[SAT_PROCESSING] = "processing",
	[SAT_RESPONDING] = "responding",
};

enum sat_stage satellite_stage(const struct satellite *s)
{
	if (!s || s->listen_fd < 0)
		return SAT_OFF;
	if (s->w.fd < 0)
		return SAT_WAITING;
	if (!s->running)
		return SAT_PAUSED;
	if (!s->run)
		return SAT_READY;
	if (s->streaming)
		return SAT_STREAMING;
	return s->tts ? SAT_RESPONDING : SAT_PROCESSING;
}

const char *satellite_stage_name(const struct satellite *s)
{
	return stage_names[satellite_stage(s)];
}

int satellite_ready(const struct satellite *s)
{
	return s && s->listen_fd >= 0 && s->w.fd >= 0 && s->running;
}

int satellite_enabled(const struct satellite *s)
{
	return s && s->listen_fd >= 0;
}

void satellite_describe(const struct satellite *s, char *buf, size_t len)
{
	if (!satellite_enabled(s))
		snprintf(buf, len, "off");
	else if (s->w.fd < 0)
		snprintf(buf, len, "listening on %s, Home Assistant not connected (%u refused)",
			 s->bound, s->refused);
	else
		snprintf(buf, len, "listening on %s, Home Assistant connected from %s%s (%u refused)",
			 s->bound, s->from, s->running ? "" : ", paused",
			 s->refused);
}

/* ---- addresses: satellite.bind and satellite.allow ---- */

/* An address of the family, as its bytes; 0, or -1 if it is not one. */
static int parse_addr(const char *text, struct sat_net *n)
{
	if (inet_pton(AF_INET, text, n->addr) == 1) {
		n->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, n->addr) == 1) {
		n->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* A network interface's name as the kernel allows it (IFNAMSIZ). */
static int ifname_ok(const char *text)
{
	size_t n = strlen(text);

	if (!n || n >= IFNAMSIZ)
		return 0;
	for (; *text; text++)
		if (!((*text >= 'a' && *text <= 'z') ||
		      (*text >= 'A' && *text <= 'Z') ||
		      (*text >= '0' && *text <= '9') || *text == '.' ||
		      *text == '-' || *text == '_'))
			return 0;
	return 1;
}

int satellite_bind_check(const struct config_key *k, const char *text,
			 char *why, size_t whylen)
{
	struct sat_net n;

	(void)k;
	if (!parse_addr(text, &n) || ifname_ok(text))
		return 0;
	snprintf(why, whylen,
		 "must be an IPv4 or IPv6 address (0.0.0.0 for all, 192.168.1.5, ::) or a network interface's name (eth0, wlan0)");
	return -1;
}

int satellite_parse_allow(const char *text, struct sat_net *nets, int max,
			  char *why, size_t whylen)
{
	int count = 0;

	while (*text) {
		char item[64], *slash, *end;
		size_t n = strcspn(text, ", \t");
		long bits;

		if (!n) {
			text++;
			continue;
		}
		if (n >= sizeof(item)) {
			snprintf(why, whylen, "'%.*s...' is too long for an address",
				 20, text);
			return -1;
		}
		if (count == max) {
			snprintf(why, whylen, "more than %d addresses and networks",
				 max);
			return -1;
		}
		memcpy(item, text, n);
		item[n] = '\0';
		text += n;
		slash = strchr(item, '/');
		if (slash)
			*slash = '\0';
		if (parse_addr(item, &nets[count])) {
			snprintf(why, whylen,
				 "'%s' is not an IPv4 or IPv6 address (a network is ADDRESS/BITS, e.g. 192.168.1.0/24)",
				 item);
			return -1;
		}
		bits = nets[count].family == AF_INET ? 32 : 128;
		if (slash) {
			long most = bits;

			errno = 0;
			bits = strtol(slash + 1, &end, 10);
			if (errno || !slash[1] || *end || bits < 0 ||
			    bits > most) {
				snprintf(why, whylen,
					 "'%s/%s': the prefix must be 0 to %ld bits",
					 item, slash + 1, most);
				return -1;
			}
		}
		nets[count++].bits = (int)bits;
	}
	return count;
}

int satellite_allow_check(const struct config_key *k, const char *text,
			  char *why, size_t whylen)
{
	struct sat_net nets[SAT_ALLOW_MAX];

	(void)k;
	return satellite_parse_allow(text, nets, SAT_ALLOW_MAX, why, whylen) < 0 ?
		       -1 :
		       0;
}

static int in_net(const struct sat_net *n, int family, const uint8_t *a)
{
	int bits = n->bits, i = 0;

	if (n->family != family)
		return 0;
	for (; bits >= 8; bits -= 8, i++)
		if (a[i] != n->addr[i])
			return 0;
	return !bits || !((a[i] ^ n->addr[i]) & (0xff00 >> bits));
}

int satellite_allowed(const struct sat_net *nets, int n,
		      const struct sockaddr *sa)
{
	const uint8_t *a;
	int family = sa->sa_family;

	if (!n)
		return 1;
	if (family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else {
		const struct in6_addr *a6 =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		a = a6->s6_addr;
		/* an IPv4 client of a socket on :: */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			a += 12;
			family = AF_INET;
		}
	}
	for (int i = 0; i < n; i++)
		if (in_net(&nets[i], family, a))
			return 1;
	return 0;
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			inet_ntop(AF_INET, in6->sin6_addr.s6_addr + 12, host,
				  sizeof(host));
		else
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u",
			 host, port);
	}
}

/* satellite.bind as a socket address: the address itself, or the first
 * IPv4 (else IPv6) address of the interface of that name. */
static int bind_address(const char *bind, int port,
			struct sockaddr_storage *ss, socklen_t *len, char *why,
			size_t whylen)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct ifaddrs *ifs, *i, *v6 = NULL;
	struct sat_net n;

	memset(ss, 0, sizeof(*ss));
	if (!parse_addr(bind, &n)) {
		if (n.family == AF_INET) {
			in->sin_family = AF_INET;
			memcpy(&in->sin_addr, n.addr, 4);
			in->sin_port = htons((uint16_t)port);
			*len = sizeof(*in);
		} else {
			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, n.addr, 16);
			in6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*in6);
		}
		return 0;
	}
	if (getifaddrs(&ifs)) {
		snprintf(why, whylen, "satellite.bind '%s': %s", bind,
			 strerror(errno));
		return -1;
	}
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, bind))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			break;
		if (i->ifa_addr->sa_family == AF_INET6 && !v6)
			v6 = i;
	}
	if (!i)
		i = v6;
	if (!i) {
		freeifaddrs(ifs);
		snprintf(why, whylen,
			 "satellite.bind '%s': no such interface with an address",
			 bind);
		return -1;
	}
	if (i->ifa_addr->sa_family == AF_INET) {
		memcpy(in, i->ifa_addr, sizeof(*in));
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
	} else {
		memcpy(in6, i->ifa_addr, sizeof(*in6));
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	}
	freeifaddrs(ifs);
	return 0;
}

/* ---- what we send ---- */

static void send_ev(struct satellite *s, const char *type, const char *data,
		    const void *payload, size_t plen)
{
	if (s->w.fd < 0)
		return;
	if (!wyoming_send(&s->w, type, data, payload, plen)) {
		s->backed_up = 0;
		return;
	}
	if (!s->backed_up++) /* once, until the connection moves again */
		LOGW("satellite", "Home Assistant does not take our events fast enough: '%s' and what follows dropped",
		     type);
}

/* The fields every entry of info has (wyoming/info.py: Artifact), in a
 * new object; added to parent under key, or to the array parent when key
 * is NULL. */
static cJSON *artifact(cJSON *parent, const char *key, const char *name,
		       const char *by, const char *description,
		       const char *version)
{
	cJSON *o = cJSON_CreateObject(), *attr;

	if (key)
		cJSON_AddItemToObject(parent, key, o);
	else
		cJSON_AddItemToArray(parent, o);
	cJSON_AddStringToObject(o, "name", name);
	attr = cJSON_AddObjectToObject(o, "attribution");
	cJSON_AddStringToObject(attr, "name", by);
	cJSON_AddStringToObject(attr, "url", "");
	cJSON_AddTrueToObject(o, "installed");
	cJSON_AddStringToObject(o, "description", description);
	cJSON_AddStringToObject(o, "version", version);
	return o;
}

/* The info event's data (wyoming/info.py: Satellite, MicProgram,
 * SndProgram, WakeProgram; Home Assistant names the entry after
 * satellite.name). */
static const char *info_json(struct satellite *s)
{
	const struct parley_config *cfg = s->cfg;
	cJSON *root, *sat, *arr, *prog, *fmt, *m;
	static const char *const kinds[] = { "mic", "snd" };

	json_arena_reset();
	root = cJSON_CreateObject();
	sat = artifact(root, "satellite", cfg->satellite_name, "parley",
		       "parley voice assistant speaker", PARLEY_VERSION);
	if (cfg->satellite_area[0])
		cJSON_AddStringToObject(sat, "area", cfg->satellite_area);
	else
		cJSON_AddNullToObject(sat, "area");
	/* our VAD ends an utterance; our wake words start a run at ASR with
	 * their detection (wyoming/info.py: Satellite) */
	cJSON_AddTrueToObject(sat, "has_vad");
	arr = cJSON_AddArrayToObject(sat, "active_wake_words");
	for (int i = 0; i < s->nwake; i++)
		if (s->wake_on[i])
			cJSON_AddItemToArray(arr, cJSON_CreateString(s->wake_id[i]));
	cJSON_AddNumberToObject(sat, "max_active_wake_words", SAT_WAKE_MAX);
	cJSON_AddFalseToObject(sat, "supports_trigger");
	for (size_t i = 0; i < 2; i++) {
		arr = cJSON_AddArrayToObject(root, kinds[i]);
		prog = artifact(arr, NULL, i ? "parley-speaker" : "parley-microphone",
				"parley",
				i ? "speaker, any rate resampled to the device's" :
				    "echo-cancelled microphone",
				PARLEY_VERSION);
		fmt = cJSON_AddObjectToObject(prog, i ? "snd_format" : "mic_format");
		cJSON_AddNumberToObject(fmt, "rate", i ? cfg->playback_rate : 16000);
		cJSON_AddNumberToObject(fmt, "width", 2);
		cJSON_AddNumberToObject(fmt, "channels", 1);
	}
	/* the wake program: Home Assistant finds a detection's phrase here
	 * (homeassistant/components/wyoming/assist_satellite.py, the
	 * Detection branch of its event loop: the model whose name is the
	 * detection's, its phrase) */
	arr = cJSON_AddArrayToObject(root, "wake");
	if (s->nwake) {
		prog = artifact(arr, NULL, "parley-wake", "parley",
				"microWakeWord models on parley's integer engine",
				PARLEY_VERSION);
		prog = cJSON_AddArrayToObject(prog, "models");
		for (int i = 0; i < s->nwake; i++) {
			m = artifact(prog, NULL, s->wake_id[i], "microWakeWord",
				     s->wake_phrase[i], "");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "languages"),
					     cJSON_CreateString("en"));
			cJSON_AddStringToObject(m, "phrase", s->wake_phrase[i]);
		}
	}
	if (!cJSON_PrintPreallocated(root, (char *)s->info, sizeof(s->info), 0))
		snprintf((char *)s->info, sizeof(s->info), "{}");
	json_arena_reset();
	return (const char *)s->info;
}

/* Microphone audio as audio-chunk events of 20 ms at most. */
static void send_audio(struct satellite *s, const int16_t *pcm, size_t n)
{
	uint8_t le[CHUNK_SAMPLES * 2];
	char data[96];

	while (n && s->w.fd >= 0) {
		size_t k = n > CHUNK_SAMPLES ? CHUNK_SAMPLES : n;

		for (size_t i = 0; i < k; i++) {
			le[2 * i] = (uint8_t)pcm[i];
			le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
		}
		snprintf(data, sizeof(data), "{" AUDIO_FMT ", \"timestamp\": %llu}",
			 (unsigned long long)(s->samples_sent / 16));
		send_ev(s, "audio-chunk", data, le, k * 2);
		s->samples_sent += k;
		pcm += k;
		n -= k;
	}
}

int satellite_begin(struct satellite *s, const int16_t *pcm, size_t n)
{
	if (!satellite_ready(s))
		return -ENOTCONN;
	s->run = 1;
	s->streaming = 1;
	s->tts = 0;
	s->samples_sent = 0;
	s->runs++;
	LOGI("satellite", "run %u: the microphone goes to Home Assistant's pipeline",
	     s->runs);
	console_event("satellite run-pipeline");
	/*
	 * A press, or our own wake word, starts at speech-to-text.  After a
	 * wake word its detection goes first: Home Assistant keeps the name
	 * and runs the pipeline with its phrase (assist_satellite.py, the
	 * Detection and RunPipeline branches), as wyoming-satellite sends a
	 * local detection before its run-pipeline.
	 */
	if (s->woke[0]) {
		char data[160];

		snprintf(data, sizeof(data), "{\"name\": \"%s\", \"timestamp\": 0}",
			 s->woke);
		send_ev(s, "detection", data, NULL, 0);
		snprintf(data, sizeof(data),
			 "{\"start_stage\": \"asr\", \"end_stage\": \"tts\", \"restart_on_end\": false, \"wake_word_name\": \"%s\"}",
			 s->woke);
		send_ev(s, "run-pipeline", data, NULL, 0);
		s->woke[0] = 0;
	} else {
		send_ev(s, "run-pipeline",
			"{\"start_stage\": \"asr\", \"end_stage\": \"tts\", \"restart_on_end\": false}",
			NULL, 0);
	}
	send_ev(s, "audio-start", "{" AUDIO_FMT ", \"timestamp\": 0}", NULL, 0);
	send_audio(s, pcm, n);
	return 0;
}

/* A name of ours goes into JSON as it is: letters, digits, '_', '-', '.'. */
static void json_safe(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (isalnum((unsigned char)src[i]) || src[i] == '_' ||
			  src[i] == '-' || src[i] == '.' || src[i] == ' ') ?
				 src[i] :
				 '_';
	dst[i] = 0;
}

void satellite_wake_words(struct satellite *s, int n, const char *const *id,
			  const char *const *phrase, const int *on)
{
	s->nwake = n < SAT_WAKE_MAX ? n : SAT_WAKE_MAX;
	for (int i = 0; i < s->nwake; i++) {
		json_safe(s->wake_id[i], sizeof(s->wake_id[i]), id[i]);
		json_safe(s->wake_phrase[i], sizeof(s->wake_phrase[i]), phrase[i]);
		s->wake_on[i] = on[i];
	}
}

void satellite_wake(struct satellite *s, const char *id)
{
	if (!s)
		return;
	if (id)
		json_safe(s->woke, sizeof(s->woke), id);
	else
		s->woke[0] = 0;
}

void satellite_audio(struct satellite *s, const int16_t *pcm, size_t n)
{
	if (s && s->run && s->streaming)
		send_audio(s, pcm, n);
}

static void stop_streaming(struct satellite *s, const char *why)
{
	char data[64];

	if (!s->streaming)
		return;
	s->streaming = 0;
	snprintf(data, sizeof(data), "{\"timestamp\": %llu}",
		 (unsigned long long)(s->samples_sent / 16));
	send_ev(s, "audio-stop", data, NULL, 0);
	LOGI("satellite", "streaming stopped (%s): %llu ms of audio sent", why,
	     (unsigned long long)(s->samples_sent / 16));
	console_event("satellite audio-stop %llu",
		      (unsigned long long)s->samples_sent);
}

void satellite_audio_stop(struct satellite *s)
{
	if (s && s->run)
		stop_streaming(s, "our endpoint");
}

void satellite_finish(struct satellite *s)
{
	if (!s || !s->run)
		return;
	stop_streaming(s, "the turn ended");
	if (s->tts) {
		/* wyoming/snd.py Played: Home Assistant's state goes idle
		 * (assist_satellite.py, tts_response_finished) */
		send_ev(s, "played", NULL, NULL, 0);
		console_event("satellite played");
	}
	s->run = 0;
	s->tts = 0;
}

/* ---- Home Assistant's timers ---- */

static struct sat_timer *find_timer(struct satellite *s, const char *id)
{
	for (int i = 0; i < s->ntimers; i++)
		if (!strcmp(s->timers[i].id, id))
			return &s->timers[i];
	return NULL;
}

static void drop_timer(struct satellite *s, struct sat_timer *t)
{
	*t = s->timers[--s->ntimers];
}

/* The timer id, or NULL (logged) if there is none we can hold. */
static const char *timer_id(const struct wy_event *ev)
{
	cJSON *id = cJSON_GetObjectItemCaseSensitive(ev->data, "id");

	if (!cJSON_IsString(id) || !id->valuestring[0] ||
	    strlen(id->valuestring) >= SAT_TIMER_ID_MAX) {
		LOGW("satellite", "'%s' without an id of 1 to %d bytes: ignored",
		     ev->type, SAT_TIMER_ID_MAX - 1);
		return NULL;
	}
	return id->valuestring;
}

/* total_seconds as Home Assistant sends it: a whole number, >= 0. */
static long timer_seconds(const struct wy_event *ev)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(ev->data, "total_seconds");

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 366.0 * 86400) {
		LOGW("satellite", "'%s' without total_seconds from 0 to a year: ignored",
		     ev->type);
		return -1;
	}
	return (long)v->valuedouble;
}

static void timer_event(struct satellite *s, const struct wy_event *ev)
{
	const char *id = timer_id(ev);
	struct sat_timer *t;
	long secs;

	if (!id)
		return;
	t = find_timer(s, id);
	if (!strcmp(ev->type, "timer-started")) {
		cJSON *name = cJSON_GetObjectItemCaseSensitive(ev->data, "name");

		if ((secs = timer_seconds(ev)) < 0)
			return;
		if (!t && s->ntimers == SAT_TIMERS) {
			LOGW("satellite", "Home Assistant's timer not kept: %d are held already",
			     SAT_TIMERS);
			return;
		}
		if (t && t->local > 0)
			s->tm.cancel(s->tm.ctx, t->local);
		if (!t)
			t = &s->timers[s->ntimers++];
		snprintf(t->id, sizeof(t->id), "%s", id);
		snprintf(t->name, sizeof(t->name), "%s",
			 cJSON_IsString(name) ? name->valuestring : "");
		t->local = s->tm.start(s->tm.ctx, t->name, secs);
		LOGI("satellite", "Home Assistant's timer %s started: %ld s",
		     t->id, secs);
		if (t->local < 0)
			drop_timer(s, t);
		return;
	}
	if (!t) {
		LOGI("satellite", "'%s' for a timer we do not hold (%s): ignored",
		     ev->type, id);
		return;
	}
	if (!strcmp(ev->type, "timer-updated")) {
		cJSON *active = cJSON_GetObjectItemCaseSensitive(ev->data,
								  "is_active");

		if ((secs = timer_seconds(ev)) < 0 || !cJSON_IsBool(active)) {
			if (secs >= 0)
				LOGW("satellite", "'timer-updated' without is_active: ignored");
			return;
		}
		if (t->local > 0)
			s->tm.cancel(s->tm.ctx, t->local);
		/* paused: held with no local timer until it runs again */
		t->local = cJSON_IsTrue(active) ?
				   s->tm.start(s->tm.ctx, t->name, secs) :
				   0;
		LOGI("satellite", "Home Assistant's timer %s %s: %ld s left", t->id,
		     cJSON_IsTrue(active) ? "runs" : "paused", secs);
		if (t->local < 0)
			drop_timer(s, t);
	} else if (!strcmp(ev->type, "timer-cancelled")) {
		if (t->local > 0)
			s->tm.cancel(s->tm.ctx, t->local);
		LOGI("satellite", "Home Assistant's timer %s cancelled", t->id);
		drop_timer(s, t);
	} else { /* timer-finished */
		LOGI("satellite", "Home Assistant's timer %s finished", t->id);
		if (t->local > 0)
			s->tm.ring(s->tm.ctx, t->local);
		drop_timer(s, t);
	}
}

/* ---- events from Home Assistant ---- */

static void run_failed(struct satellite *s, enum sat_fail kind,
		       const char *why)
{
	int had = s->run;

	LOGW("satellite", "%s", why);
	stop_streaming(s, "the run failed");
	s->run = 0;
	s->tts = 0;
	if (had && s->ev)
		s->ev->fail(s->ev_ctx, kind, why);
}

/* 16-bit mono at a rate we can resample (8 to 96 kHz)? */
static int audio_format(const struct wy_event *ev, unsigned *rate)
{
	cJSON *r = cJSON_GetObjectItemCaseSensitive(ev->data, "rate");
	cJSON *w = cJSON_GetObjectItemCaseSensitive(ev->data, "width");
	cJSON *c = cJSON_GetObjectItemCaseSensitive(ev->data, "channels");

	if (!cJSON_IsNumber(r) || !cJSON_IsNumber(w) || !cJSON_IsNumber(c) ||
	    w->valuedouble != 2 || c->valuedouble != 1 ||
	    r->valuedouble < 8000 || r->valuedouble > 96000)
		return -1;
	*rate = (unsigned)r->valuedouble;
	return 0;
}

/* The answer's audio (assist_satellite.py, _stream_tts: audio-start, then
 * chunks of 2048 bytes at the TTS's own rate, then audio-stop). */
static int tts_event(struct satellite *s, const struct wy_event *ev)
{
	char why[160];
	unsigned rate;
	int r;

	if (!strcmp(ev->type, "audio-start")) {
		if (s->tts) {
			/* a second start: Home Assistant's interrupt_playback
			 * restarts the stream; what came before is kept */
			LOGI("satellite", "audio-start again: the answer's audio goes on");
			return 0;
		}
		if (audio_format(ev, &rate)) {
			run_failed(s, SAT_BAD,
				   "Home Assistant's audio is not 16-bit mono at 8 to 96 kHz");
			return 0;
		}
		r = s->ev->audio_start(s->ev_ctx, rate);
		if (r) {
			snprintf(why, sizeof(why), "the answer's audio cannot be played: %s",
				 strerror(-r));
			run_failed(s, SAT_BAD, why);
			return 0;
		}
		s->tts = 1;
		console_event("satellite audio-start %u", rate);
		return 0;
	}
	if (s->tts != 1)
		return 0; /* audio before its start, or after its stop */
	if (!strcmp(ev->type, "audio-chunk")) {
		if (audio_format(ev, &rate)) {
			run_failed(s, SAT_BAD,
				   "a chunk of Home Assistant's audio is not 16-bit mono");
			return 0;
		}
		if (!ev->payload_len)
			return 0;
		r = s->ev->audio(s->ev_ctx, ev->payload, ev->payload_len);
		if (r == -EAGAIN)
			return 1; /* offered again when there is room */
		if (r) {
			snprintf(why, sizeof(why), "a chunk of %zu bytes cannot be played: %s",
				 ev->payload_len, strerror(-r));
			run_failed(s, SAT_BAD, why);
		}
		return 0;
	}
	s->tts = 2; /* audio-stop */
	console_event("satellite audio-stop-tts");
	s->ev->audio_stop(s->ev_ctx);
	return 0;
}

/* Events of a run: Home Assistant's pipeline at work (assist_satellite.py,
 * on_pipeline_event). */
static int run_event(struct satellite *s, const struct wy_event *ev)
{
	cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	char said[300];

	if (!strcmp(ev->type, "voice-stopped")) {
		/* its VAD heard the end: streaming stops here (the reference
		 * satellite's VAD streaming mode stops on the transcript) */
		if (s->streaming) {
			stop_streaming(s, "Home Assistant heard the end of speech");
			s->ev->voice_stopped(s->ev_ctx);
		}
	} else if (!strcmp(ev->type, "transcript")) {
		if (!cJSON_IsString(text)) {
			run_failed(s, SAT_BAD, "Home Assistant's transcript has no text");
			return 0;
		}
		stop_streaming(s, "the transcript came");
		s->ev->transcript(s->ev_ctx, text->valuestring);
	} else if (!strcmp(ev->type, "synthesize")) {
		if (!cJSON_IsString(text)) {
			run_failed(s, SAT_BAD, "Home Assistant's synthesize has no text");
			return 0;
		}
		s->ev->synthesize(s->ev_ctx, text->valuestring);
	} else if (!strcmp(ev->type, "error")) {
		/* wyoming/error.py: text, and a code such as
		 * stt-no-text-recognized */
		wy_error_text(ev, said, sizeof(said));
		LOGW("satellite", "Home Assistant's pipeline failed: %s", said);
		stop_streaming(s, "Home Assistant's pipeline failed");
		s->run = 0;
		s->tts = 0;
		s->ev->error(s->ev_ctx, said);
	} else if (!strcmp(ev->type, "audio-start") ||
		   !strcmp(ev->type, "audio-chunk") ||
		   !strcmp(ev->type, "audio-stop")) {
		if (s->streaming) {
			/* no answer is due while we are still talking */
			LOGD("satellite", "'%s' while the microphone streams: ignored",
			     ev->type);
			return 0;
		}
		return tts_event(s, ev);
	} else {
		/* transcribe, voice-started, detect, detection: the pipeline's
		 * progress, nothing for us to do */
		LOGD("satellite", "'%s' from Home Assistant", ev->type);
	}
	return 0;
}

int satellite_on_event(struct wyoming *w, const struct wy_event *ev,
		       void *ctx)
{
	struct satellite *s = ctx;
	cJSON *text = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	char data[WY_HEADER_MAX];

	(void)w;
	s->heard_ms = loop_now_ms();
	if (!strcmp(ev->type, "ping")) {
		/* wyoming/ping.py: the pong carries the ping's text back */
		cJSON *o = cJSON_CreateObject();

		if (cJSON_IsString(text) && strlen(text->valuestring) < 256)
			cJSON_AddStringToObject(o, "text", text->valuestring);
		if (!cJSON_PrintPreallocated(o, data, sizeof(data), 0))
			snprintf(data, sizeof(data), "{}");
		send_ev(s, "pong", data, NULL, 0);
	} else if (!strcmp(ev->type, "pong")) {
		/* an answer to nothing we asked: harmless */
	} else if (!strcmp(ev->type, "describe")) {
		send_ev(s, "info", info_json(s), NULL, 0);
	} else if (!strcmp(ev->type, "run-satellite")) {
		if (!s->running)
			LOGN("satellite", "Home Assistant runs the satellite: turns go to its pipeline");
		s->running = 1;
		console_event("satellite running");
	} else if (!strcmp(ev->type, "pause-satellite")) {
		if (s->running)
			LOGN("satellite", "Home Assistant paused the satellite: turns stay here");
		s->running = 0;
		console_event("satellite paused");
		if (s->run)
			run_failed(s, SAT_PAUSED_RUN,
				   "Home Assistant paused the satellite during a turn");
	} else if (!strncmp(ev->type, "timer-", 6) &&
		   (!strcmp(ev->type + 6, "started") ||
		    !strcmp(ev->type + 6, "updated") ||
		    !strcmp(ev->type + 6, "cancelled") ||
		    !strcmp(ev->type + 6, "finished"))) {
		timer_event(s, ev);
	} else if (s->run && s->ev) {
		return run_event(s, ev);
	} else {
		LOGD("satellite", "'%s' outside a run: ignored", ev->type);
	}
	return 0;
}

/* ---- the connection ---- */

static void drop_client(struct satellite *s)
{
	wyoming_close(&s->w);
	loop_cancel(s->silence_timer);
	s->silence_timer = 0;
	s->running = 0;
	console_event("satellite disconnected");
}

static void on_close(struct wyoming *w, int err, const char *why, void *ctx)
{
	struct satellite *s = ctx;
	char msg[300];

	(void)w;
	if (err == -EPROTO)
		snprintf(msg, sizeof(msg), "Home Assistant at %s sent what is not Wyoming: %s",
			 s->from, why);
	else
		snprintf(msg, sizeof(msg), "Home Assistant at %s went away: %s",
			 s->from, err ? why : "closed");
	LOGN("satellite", "%s", msg);
	loop_cancel(s->silence_timer);
	s->silence_timer = 0;
	s->running = 0;
	console_event("satellite disconnected");
	if (s->run)
		run_failed(s, err == -EPROTO ? SAT_BAD : SAT_LOST, msg);
}

static void silence_check(void *ctx)
{
	struct satellite *s = ctx;
	uint64_t quiet = loop_now_ms() - s->heard_ms;
	char msg[200];

	s->silence_timer = 0;
	if (s->w.fd < 0)
		return;
	if (quiet < SAT_SILENT_MS) {
		s->silence_timer = loop_timeout(SAT_SILENT_MS - quiet,
						silence_check, s);
		return;
	}
	snprintf(msg, sizeof(msg),
		 "Home Assistant at %s sent nothing for %d s: dropped", s->from,
		 SAT_SILENT_MS / 1000);
	LOGN("satellite", "%s", msg);
	drop_client(s);
	if (s->run)
		run_failed(s, SAT_LOST, msg);
}

/* Says why, as an error event, and closes: the refused client learns
 * what happened (best effort: the socket is fresh, the line short). */
static void refuse(struct satellite *s, int fd, const char *who,
		   const char *code, const char *text)
{
	uint8_t out[512];
	char data[300];
	long n;

	snprintf(data, sizeof(data), "{\"text\": \"%s\", \"code\": \"%s\"}",
		 text, code);
	n = wy_format(out, sizeof(out), "error", data, NULL, 0);
	if (n > 0 && send(fd, out, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		LOGD("satellite", "refusal not sent: %s", strerror(errno));
	/* what it sent already is read away: closed unread, the kernel
	 * would reset the connection and the refusal could be lost */
	while (recv(fd, out, sizeof(out), MSG_DONTWAIT) > 0)
		;
	shutdown(fd, SHUT_WR);
	close(fd);
	s->refused++;
	LOGW("satellite", "connection from %s refused: %s", who, text);
	console_event("satellite refused %s %s", who, code);
}

static void on_accept(int fd, short revents, void *ctx)
{
	struct satellite *s = ctx;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char who[SAT_PEER_MAX];
	int c;

	(void)revents;
	c = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR)
			LOGW("satellite", "accept: %s", strerror(errno));
		return;
	}
	addr_text((struct sockaddr *)&ss, who, sizeof(who));
	if (!satellite_allowed(s->allow, s->nallow, (struct sockaddr *)&ss)) {
		refuse(s, c, who, "not-allowed",
		       "this address is not in satellite.allow");
		return;
	}
	if (s->w.fd >= 0) {
		refuse(s, c, who, "busy",
		       "another Home Assistant connection is being served");
		return;
	}
	snprintf(s->from, sizeof(s->from), "%s", who);
	wyoming_adopt(&s->w, c, who, satellite_on_event, on_close, s);
	s->running = 0;
	s->backed_up = 0;
	s->heard_ms = loop_now_ms();
	s->silence_timer = loop_timeout(SAT_SILENT_MS, silence_check, s);
	LOGN("satellite", "Home Assistant connected from %s", who);
	console_event("satellite connected %s", who);
}

int satellite_open(struct satellite *s, const struct parley_config *cfg,
		   const struct satellite_timer_ops *tm, char *err,
		   size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int one = 1, zero = 0;
	char why[200];

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->tm = *tm;
	s->listen_fd = -1;
	s->w.fd = -1;
	if (!cfg->satellite_enable)
		return 0;
	s->nallow = satellite_parse_allow(cfg->satellite_allow, s->allow,
					  SAT_ALLOW_MAX, why, sizeof(why));
	if (s->nallow < 0) {
		snprintf(err, errlen, "satellite.allow: %s", why);
		return -1;
	}
	if (bind_address(cfg->satellite_bind, cfg->satellite_port, &ss, &len,
			 err, errlen))
		return -1;
	s->listen_fd = socket(ss.ss_family,
			      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		snprintf(err, errlen, "satellite: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) /* "::" takes IPv4 clients too */
		setsockopt(s->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			   sizeof(zero));
	addr_text((struct sockaddr *)&ss, s->bound, sizeof(s->bound));
	if (bind(s->listen_fd, (struct sockaddr *)&ss, len) ||
	    listen(s->listen_fd, 4)) {
		snprintf(err, errlen, "satellite: cannot listen on %s: %s",
			 s->bound, strerror(errno));
		close(s->listen_fd);
		s->listen_fd = -1;
		return -1;
	}
	/* port 0 (tests): the port the kernel chose */
	len = sizeof(ss);
	if (!getsockname(s->listen_fd, (struct sockaddr *)&ss, &len))
		addr_text((struct sockaddr *)&ss, s->bound, sizeof(s->bound));
	loop_watch(s->listen_fd, POLLIN, on_accept, s);
	LOGN("satellite", "listening for Home Assistant on %s as '%s'%s",
	     s->bound, cfg->satellite_name,
	     s->nallow ? " (satellite.allow applies)" : "");
	return 0;
}

void satellite_close(struct satellite *s)
{
	if (s->w.fd >= 0)
		drop_client(s);
	if (s->listen_fd >= 0) {
		loop_unwatch(s->listen_fd);
		close(s->listen_fd);
		s->listen_fd = -1;
	}
}

void satellite_listen(struct satellite *s, const struct satellite_events *ev,
		      void *ctx)
{
	s->ev = ev;
	s->ev_ctx = ctx;
}
