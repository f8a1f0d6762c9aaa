/* SPDX-License-Identifier: MIT */
/*
 * LED patterns, one per speaker state, driven by loop timeouts.  A single
 * LED shows the pattern; an RGB LED (three lines) also shows a colour.
 *
 *   state      pattern                          colour
 *   idle       off (or a heartbeat)             blue
 *   listening  solid                            blue
 *   thinking   slow blink, 500 ms on / off      yellow
 *   speaking   fast blink, 150 ms on / off      green
 *   error      three 150 ms flashes, then back  red
 *   muted      100 ms flash every 2 s           red
 *   ringing    250 ms on / off, over any state  red and blue
 *   recording  1 s on / 1 s off, over everything red
 *   timer      100 ms flash every 4 s, for idle     blue
 *              while a timer or alarm (ours or Home
 *              Assistant's) is pending
 *
 * Each pattern is a setting, led.STATE (led.c says how it is written).
 * The recording pattern shows while `record` writes the microphone to a
 * file, over every other pattern, ringing included: someone near the
 * speaker must be able to see that the room is being recorded.
 */
#ifndef PARLEY_APP_LED_H
#define PARLEY_APP_LED_H

#include "../hal/gpio.h"
#include "config.h"

enum led_state {
	LED_IDLE,
	LED_LISTENING,
	LED_THINKING,
	LED_SPEAKING,
	LED_ERROR,
	LED_MUTED,
	LED_RINGING,
	LED_RECORDING,
	LED_TIMER, /* idle, with a timer or alarm pending */
	LED_STATES
};

extern const char *const led_state_names[LED_STATES];

/* The LEDs on ops/gpio_ctx's lines, as cfg says (led.idle, led_count). */
void led_init(const struct gpio_ops *ops, void *gpio_ctx,
	      const struct parley_config *cfg);
/* Shows a state's pattern from now on (error plays once, then returns). */
void led_show(enum led_state s);
/* Looks a state up by name; -1 if unknown. */
int led_state_find(const char *name);
enum led_state led_current(void);
/*
 * A timer or alarm rings: its pattern shows over every state until off;
 * states shown meanwhile are remembered and come back afterwards.
 */
void led_ring(int on);
/*
 * The microphone is recorded to a file: the recording pattern shows over
 * every state and over ringing until off, then what is due comes back.
 */
void led_recording(int on);
/* Timers or alarms are pending (1) or not (0): idle shows the timer
 * pattern while they are. */
void led_timers(int pending);
void led_stop(void);
/* The settings' rule for a pattern (led.STATE), and a state's default. */
struct config_key;
int led_pattern_check(const struct config_key *k, const char *text,
		      char *why, size_t len);
const char *led_pattern_default(enum led_state s);
/* The state's pattern as its setting (led.STATE) reads now. */
const char *led_pattern_setting(enum led_state s);
/* Shows every state's pattern for a second each, then the current one. */
void led_test(void);
/* Shows one state's pattern for LED_PREVIEW_MS, then the current one. */
#define LED_PREVIEW_MS 5000
void led_preview(enum led_state s);

#endif
