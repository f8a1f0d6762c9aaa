/* SPDX-License-Identifier: MIT */
/*
 * The push button: software debounce, then gestures, each mapped to a
 * configured action (talk, cancel, new_conversation, mute, none).
 *
 *   gesture  recognised when                          default action
 *   hold     released after tap_ms or more            talk (while held)
 *   tap      released within tap_ms                   talk (until silence)
 *   long     held long_ms with no speech heard        new_conversation
 *   double   pressed again within double_ms of a tap  mute
 *
 * When hold or tap talks, listening starts at the press, so nothing said
 * is lost while the gesture is still being told apart; a press that turns
 * out to be another gesture cancels that listening.
 */
#ifndef PARLEY_APP_BUTTON_H
#define PARLEY_APP_BUTTON_H

#include <stdint.h>

#include "../hal/gpio.h"
#include "config.h"

enum gesture { G_HOLD, G_TAP, G_LONG, G_DOUBLE, G_COUNT };

extern const char *const gesture_names[G_COUNT];

/* What the gestures do: callbacks into the turn and the timers, given at
 * button_init by the wiring (main.c). */
struct button_actions {
	void (*talk_press)(void *ctx, uint64_t time_ms);
	/* hold: the press was held (the utterance ends now) */
	void (*talk_release)(void *ctx, uint64_t time_ms, int hold);
	void (*cancel)(void *ctx);
	void (*new_conversation)(void *ctx);
	void (*toggle_mute)(void *ctx);
	/* 1 while listening has heard speech (a long press is then a hold) */
	int (*heard_speech)(void *ctx);
	/* stops a ringing timer; 1 if one rang (the press does nothing else) */
	int (*stop_ringing)(void *ctx);
	void *ctx;
};

/* The button on ops/gpio_ctx's line, with cfg's gestures and timings. */
void button_init(const struct gpio_ops *ops, void *gpio_ctx,
		 const struct parley_config *cfg,
		 const struct button_actions *act);
/* The button's event fd is readable. */
void button_event(void);
/* Debounced level: 1 pressed. */
int button_pressed(void);
/* Gestures recognised since start, for the console and tests. */
unsigned button_gesture_count(enum gesture g);

#endif
