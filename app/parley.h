/* SPDX-License-Identifier: MIT */
/*
 * The whole daemon: every part, as main.c wires them together.  Only the
 * wiring (main.c) and the console's command table (commands.c) include
 * this; every other module is given the collaborators it uses at its
 * init (app/README.md).  Everything here belongs to the control thread
 * unless its own header says otherwise.
 */
#ifndef PARLEY_APP_PARLEY_H
#define PARLEY_APP_PARLEY_H

#include <stdint.h>

#include "../hal/audio_engine.h"
#include "../hal/gpio.h"
#include "config.h"
#include "device.h"
#include "llm_stream.h"
#include "probe.h"
#include "record.h"
#include "satellite.h"
#include "store.h"
#include "stt.h"
#include "synth.h"
#include "timers.h"
#include "tts.h"
#include "turn.h"
#include "wake.h"

/* The peers a probe can ask: "host ping" asks them all. */
enum peer { PEER_LLM, PEER_STT, PEER_TTS, PEER_COUNT };

struct parley {
	struct parley_config cfg;
	struct config_live live; /* what applies a live setting (main.c) */
	const char *config_file;
	int foreground;
	uint64_t started_ms;
	int signal_fd;
	struct audio_engine eng;
	const struct gpio_ops *gpio;
	void *gpio_ctx;
	struct synth synth;
	struct tts tts;
	struct stt stt;
	struct llm_stream llm;
	char token[512]; /* the LLM bearer token, from llm.token_file */
	struct store *store;
	int store_timer; /* the store's retry, while it is in memory */
	struct device dev;
	struct turn turn;
	struct timers timers;
	struct satellite sat; /* Home Assistant (satellite.enable) */
	struct wake wake; /* the wake words (wake.enable) */
	struct recording rec;
	struct probe probes[PEER_COUNT]; /* the console's host ping, models */
	struct probe startup; /* is the LLM host there, at start-up? */
	char host_state[64]; /* what the last ping found */
	/* the mic meter, from the frames the control thread receives */
	struct {
		int32_t level_q8, floor_q8, peak_q8;
		int speech;
	} meter;
};

#endif
