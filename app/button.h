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

struct parley;

enum gesture { G_HOLD, G_TAP, G_LONG, G_DOUBLE, G_COUNT };

extern const char *const gesture_names[G_COUNT];

void button_init(struct parley *p);
/* The button's event fd is readable. */
void button_event(struct parley *p);
/* Debounced level: 1 pressed. */
int button_pressed(void);
/* Gestures recognised since start, for the console and tests. */
unsigned button_gesture_count(enum gesture g);

#endif
