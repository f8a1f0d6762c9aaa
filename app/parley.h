/* SPDX-License-Identifier: MIT */
/*
 * The daemon's parts, wired together by main.c.  Everything here belongs to
 * the control thread unless its own header says otherwise.
 */
#ifndef PARLEY_APP_PARLEY_H
#define PARLEY_APP_PARLEY_H

#include <stdint.h>

#include "../hal/audio_engine.h"
#include "../hal/gpio.h"
#include "config.h"
#include "probe.h"
#include "record.h"
#include "llm_stream.h"
#include "store.h"
#include "stt.h"
#include "stt_wyoming.h"
#include "synth.h"
#include "timers.h"
#include "tts.h"
#include "turn.h"

struct parley {
	struct parley_config cfg;
	const char *config_file;
	int foreground;
	uint64_t started_ms;
	struct audio_engine eng;
	const struct gpio_ops *gpio;
	void *gpio_ctx;
	struct synth synth;
	struct tts tts;
	struct stt stt;
	struct stt_wy stt_wy;
	struct llm_stream llm;
	char token[512]; /* the LLM bearer token, from llm.token_file */
	struct store *store;
	struct turn turn;
	struct timers timers;
	struct recording rec;
	struct probe probes[3]; /* console: host ping, models */
	char host_state[64]; /* what the last ping found */
	/* the mic meter, from the frames the control thread receives */
	struct {
		int32_t level_q8, floor_q8, peak_q8;
		int speech;
	} meter;
};

#endif
