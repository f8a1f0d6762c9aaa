/* SPDX-License-Identifier: MIT */
/*
 * GPIO interface: one push button and up to three LED lines (one LED, or
 * red, green and blue).  The control loop polls the backend's event fd;
 * levels are logical (active-low already applied).
 */
#ifndef PARLEY_HAL_GPIO_H
#define PARLEY_HAL_GPIO_H

#include <stddef.h>
#include <stdint.h>

#define GPIO_LEDS_MAX 3

enum gpio_bias { GPIO_BIAS_AS_IS, GPIO_BIAS_PULL_UP, GPIO_BIAS_PULL_DOWN,
		 GPIO_BIAS_DISABLE };

struct gpio_params {
	const char *chip; /* backend's chip name, e.g. "gpiochip0" */
	int button_line; /* line offset of the button */
	int button_active_low;
	enum gpio_bias button_bias;
	int led_lines[GPIO_LEDS_MAX];
	int led_count; /* 0, 1 or 3 */
	int led_active_low;
};

struct gpio_event {
	uint64_t time_ms; /* CLOCK_MONOTONIC, ms */
};

/* One LED change, as the sim backend records it. */
struct gpio_led_change {
	uint64_t time_ms;
	uint8_t led;
	uint8_t on;
};

struct gpio_ops {
	/** @name: backend name, as in the config and -V */
	const char *name;
	/** @open: claims the lines.  err names the chip and line on failure. */
	int (*open)(void **ctx, const struct gpio_params *p, char *err,
		    size_t errlen);
	/** @event_fd: fd that becomes readable when the button line changes. */
	int (*event_fd)(void *ctx);
	/**
	 * @read_event: takes one queued edge: 1 and ev filled, 0 if none, or
	 * -errno.  Edges only say "the line moved"; the level comes from
	 * @get_button once the debounce time has passed.
	 */
	int (*read_event)(void *ctx, struct gpio_event *ev);
	/** @get_button: current logical level, 1 pressed, or -errno. */
	int (*get_button)(void *ctx);
	/** @set_led: drives LED idx (logical on/off). */
	int (*set_led)(void *ctx, int idx, int on);
	/** @get_led: the level last driven on LED idx. */
	int (*get_led)(void *ctx, int idx);
	/**
	 * @inject: simulates a button edge.  Only the sim backend has it; NULL
	 * on real hardware, where the console says the button is real.
	 */
	int (*inject)(void *ctx, int pressed);
	/**
	 * @led_log: copies up to n recorded LED changes, oldest first, and
	 * returns how many.  Sim only; NULL elsewhere.
	 */
	int (*led_log)(void *ctx, struct gpio_led_change *out, int n);
	/** @describe: one line per line in use, for the console. */
	int (*describe)(void *ctx, char *buf, size_t len);
	/** @close: releases the lines; accepts NULL. */
	void (*close)(void *ctx);
};

extern const struct gpio_ops *const gpio_backends[];
const struct gpio_ops *gpio_find(const char *name);

#endif
