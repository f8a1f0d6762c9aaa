/* SPDX-License-Identifier: MIT */
/*
 * The audio thread's DSP chain, one 10 ms frame at a time:
 *
 *   high-pass (dsp/hpf) -> echo canceller (ours in fixed point, speexdsp's,
 *   or none) -> residual echo suppression (ours behind "fixed"; speexdsp's
 *   preprocessor linked to its echo state behind "speex") -> noise
 *   suppression and AGC (speexdsp's preprocessor, integer controls) -> VAD
 *
 * chain_init may allocate (speexdsp states); chain_process never does.
 */
#ifndef PARLEY_HAL_CHAIN_H
#define PARLEY_HAL_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/aec.h"
#include "../dsp/hpf.h"
#include "../dsp/vad.h"

enum chain_aec { CHAIN_AEC_OFF, CHAIN_AEC_FIXED, CHAIN_AEC_SPEEX };

struct chain_config {
	enum chain_aec aec;
	int tail_ms; /* echo tail, PARLEY_AEC_TAIL_MIN_MS..MAX_MS */
	int residual; /* 1: residual echo suppression */
	int ns_db; /* noise suppression in dB (0 = off, 1..60) */
	int agc; /* 1: automatic gain control */
	struct vad_config vad;
};

/* The chain's stages, for per-stage timing. */
enum chain_stage { CS_HPF, CS_AEC, CS_PRE, CS_VAD, CS_COUNT };

/* Wall time spent in each stage (CLOCK_MONOTONIC ns), summed over frames. */
struct chain_times {
	uint64_t ns[CS_COUNT];
	uint64_t frames;
};

struct SpeexEchoState_;
struct SpeexPreprocessState_;

struct chain {
	struct chain_config cfg;
	struct hpf hpf;
	struct aec aec; /* CHAIN_AEC_FIXED */
	struct SpeexEchoState_ *echo; /* CHAIN_AEC_SPEEX */
	struct SpeexPreprocessState_ *pre; /* NULL when nothing needs it */
	struct vad vad;
	int16_t tmp[PARLEY_FRAME];
	int64_t pmic, pout; /* speex: smoothed frame energies for the ERLE */
	int32_t erle_q8;
	struct chain_times *times; /* NULL: not timed (the daemon) */
};

/* Parses "fixed" | "speex" | "off"; -1 for anything else. */
int chain_aec_parse(const char *name);
const char *chain_aec_name(enum chain_aec aec);
void chain_config_default(struct chain_config *cfg);
/* 0, or -EINVAL / -ENOMEM with a message in err. */
int chain_init(struct chain *c, const struct chain_config *cfg, char *err,
	       size_t errlen);
/* One PARLEY_FRAME frame in place; ref is the aligned played frame. */
void chain_process(struct chain *c, int16_t *pcm, const int16_t *ref,
		   struct vad_result *vad);
/* Times each stage of every chain_process call into t (NULL: stop), for
 * dsp-run's measurements; two clock reads a stage when on. */
void chain_time_stages(struct chain *c, struct chain_times *t);
/* Samples by which chain_process's output lags its input. */
int chain_delay(const struct chain *c);
/* The canceller's echo return loss enhancement, dB Q8 (0 when off). */
int32_t chain_erle_q8(const struct chain *c);
void chain_free(struct chain *c);

#endif
