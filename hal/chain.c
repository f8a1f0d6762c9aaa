// SPDX-License-Identifier: MIT
/*
 * The audio thread's DSP chain: see chain.h.
 */
#include "chain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../dsp/level.h"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static const char *const aec_names[] = {
	[CHAIN_AEC_OFF] = "off",
	[CHAIN_AEC_FIXED] = "fixed",
	[CHAIN_AEC_SPEEX] = "speex",
};

int chain_aec_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(aec_names) / sizeof(aec_names[0]); i++)
		if (!strcmp(name, aec_names[i]))
			return (int)i;
	return -1;
}

const char *chain_aec_name(enum chain_aec aec)
{
	return (unsigned)aec < sizeof(aec_names) / sizeof(aec_names[0]) ?
		       aec_names[aec] : "?";
}

void chain_config_default(struct chain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->aec = CHAIN_AEC_FIXED;
	cfg->tail_ms = 256;
	cfg->residual = 1;
	cfg->ns_db = 15;
	cfg->agc = 0;
	vad_config_default(&cfg->vad);
}

int chain_init(struct chain *c, const struct chain_config *cfg, char *err,
	       size_t errlen)
{
	int need_pre, v;

	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if ((unsigned)cfg->aec > CHAIN_AEC_SPEEX) {
		snprintf(err, errlen, "dsp.aec: unknown canceller %d", cfg->aec);
		return -EINVAL;
	}
	if (cfg->aec != CHAIN_AEC_OFF &&
	    (cfg->tail_ms < PARLEY_AEC_TAIL_MIN_MS ||
	     cfg->tail_ms > PARLEY_AEC_TAIL_MAX_MS)) {
		snprintf(err, errlen,
			 "dsp.aec_tail_ms: %d is out of range (%d..%d)",
			 cfg->tail_ms, PARLEY_AEC_TAIL_MIN_MS,
			 PARLEY_AEC_TAIL_MAX_MS);
		return -EINVAL;
	}
	if (cfg->ns_db < 0 || cfg->ns_db > 60) {
		snprintf(err, errlen, "dsp.ns_db: %d is out of range (0..60)",
			 cfg->ns_db);
		return -EINVAL;
	}
	hpf_init(&c->hpf);
	vad_init(&c->vad, &cfg->vad);
	if (cfg->aec == CHAIN_AEC_FIXED) {
		struct aec_config ac;

		aec_config_default(&ac);
		ac.tail_ms = cfg->tail_ms;
		ac.residual = cfg->residual;
		if (aec_init(&c->aec, &ac)) {
			snprintf(err, errlen, "echo canceller: bad settings");
			return -EINVAL;
		}
	} else if (cfg->aec == CHAIN_AEC_SPEEX) {
		int rate = PARLEY_RATE;

		c->echo = speex_echo_state_init(PARLEY_FRAME,
						cfg->tail_ms * (PARLEY_RATE / 1000));
		if (!c->echo) {
			snprintf(err, errlen, "speexdsp: cannot create echo state");
			return -ENOMEM;
		}
		speex_echo_ctl(c->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	}
	need_pre = cfg->ns_db || cfg->agc ||
		   (cfg->aec == CHAIN_AEC_SPEEX && cfg->residual);
	if (!need_pre)
		return 0;
	c->pre = speex_preprocess_state_init(PARLEY_FRAME, PARLEY_RATE);
	if (!c->pre) {
		snprintf(err, errlen, "speexdsp: cannot create preprocessor");
		chain_free(c);
		return -ENOMEM;
	}
	/* speexdsp's echo suppression only acts through the denoiser's gain,
	 * so the denoiser runs whenever it does (at its default depth when
	 * dsp.ns_db is 0) */
	v = cfg->ns_db || (cfg->aec == CHAIN_AEC_SPEEX && cfg->residual);
	speex_preprocess_ctl(c->pre, SPEEX_PREPROCESS_SET_DENOISE, &v);
	if (cfg->ns_db) {
		v = -cfg->ns_db;
		speex_preprocess_ctl(c->pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &v);
	}
	v = cfg->agc ? 1 : 0;
	speex_preprocess_ctl(c->pre, SPEEX_PREPROCESS_SET_AGC, &v);
	v = 0;
	speex_preprocess_ctl(c->pre, SPEEX_PREPROCESS_SET_DEREVERB, &v);
	/* speexdsp's own VAD starts off and is left alone (our VAD follows
	 * the chain): setting it, even to 0, prints a warning on stderr */
	if (cfg->aec == CHAIN_AEC_SPEEX && cfg->residual)
		speex_preprocess_ctl(c->pre, SPEEX_PREPROCESS_SET_ECHO_STATE,
				     c->echo);
	return 0;
}

/* speexdsp keeps no ERLE figure: microphone over output energy, smoothed
 * over frames where the far end plays (as dsp/aec.c does for ours) */
static void speex_erle(struct chain *c, const int16_t *mic, const int16_t *ref,
		       const int16_t *out)
{
	int64_t em = 0, eo = 0, er = 0;

	for (int i = 0; i < PARLEY_FRAME; i++) {
		em += (int32_t)mic[i] * mic[i];
		eo += (int32_t)out[i] * out[i];
		er += (int32_t)ref[i] * ref[i];
	}
	if (er <= (int64_t)PARLEY_FRAME * 32 * 32)
		return;
	c->pmic += (em - c->pmic) >> 4;
	c->pout += (eo - c->pout) >> 4;
	if (c->pmic > 0) {
		int32_t lo = c->pout > 0 ? level_log2_q8((uint64_t)c->pout) : -256;
		int32_t db = (level_log2_q8((uint64_t)c->pmic) - lo) * 771 >> 8;

		c->erle_q8 = db < 0 ? 0 : db;
	}
}

void chain_time_stages(struct chain *c, struct chain_times *t)
{
	c->times = t;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Charges the time since *t0 to stage st and restarts the clock; nothing
 * when the chain is not timed. */
static void lap(struct chain *c, enum chain_stage st, uint64_t *t0)
{
	if (!c->times)
		return;
	uint64_t t = now_ns();

	c->times->ns[st] += t - *t0;
	*t0 = t;
}

void chain_process(struct chain *c, int16_t *pcm, const int16_t *ref,
		   struct vad_result *vad)
{
	uint64_t t0 = c->times ? now_ns() : 0;

	hpf_process(&c->hpf, pcm, PARLEY_FRAME);
	lap(c, CS_HPF, &t0);
	switch (c->cfg.aec) {
	case CHAIN_AEC_FIXED:
		aec_process(&c->aec, pcm, ref, c->tmp);
		memcpy(pcm, c->tmp, sizeof(c->tmp));
		break;
	case CHAIN_AEC_SPEEX:
		speex_echo_cancellation(c->echo, pcm, ref, c->tmp);
		speex_erle(c, pcm, ref, c->tmp);
		memcpy(pcm, c->tmp, sizeof(c->tmp));
		break;
	case CHAIN_AEC_OFF:
		break;
	}
	lap(c, CS_AEC, &t0);
	if (c->pre)
		speex_preprocess_run(c->pre, pcm);
	lap(c, CS_PRE, &t0);
	vad_process(&c->vad, pcm, PARLEY_FRAME, vad);
	lap(c, CS_VAD, &t0);
	if (c->times)
		c->times->frames++;
}

int chain_delay(const struct chain *c)
{
	/* speexdsp's preprocessor hands back the previous frame (measured) */
	return (c->cfg.aec == CHAIN_AEC_FIXED ? AEC_DELAY : 0) +
	       (c->pre ? PARLEY_FRAME : 0);
}

int32_t chain_erle_q8(const struct chain *c)
{
	if (c->cfg.aec == CHAIN_AEC_FIXED)
		return aec_erle_q8(&c->aec);
	return c->erle_q8; /* 0 when off */
}

void chain_free(struct chain *c)
{
	if (!c)
		return;
	if (c->pre)
		speex_preprocess_state_destroy(c->pre);
	if (c->echo)
		speex_echo_state_destroy(c->echo);
	c->pre = NULL;
	c->echo = NULL;
}
