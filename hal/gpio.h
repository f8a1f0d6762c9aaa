/* SPDX-License-Identifier: MIT */
/*
 * GPIO interface: one push button and the LEDs.  The control loop polls the
 * backend's event fd and reads button edges from it.
 */
#ifndef PARLEY_HAL_GPIO_H
#define PARLEY_HAL_GPIO_H

#include <stddef.h>
#include <stdint.h>

struct gpio_params {
	const char *chip; /* backend's chip name, e.g. "gpiochip0" */
	int button_line; /* line offset of the button */
	int button_active_low;
	int led_line; /* line offset of the LED, or -1 for none */
	int led_active_low;
};

struct gpio_event {
	int pressed; /* 1 press, 0 release */
	uint64_t time_ms; /* CLOCK_MONOTONIC, ms */
};

struct gpio_ops {
	/** @name: backend name, as in the config and -V */
	const char *name;
	/** @open: claims the lines.  err names the chip and line on failure. */
	int (*open)(void **ctx, const struct gpio_params *p, char *err,
		    size_t errlen);
	/** @event_fd: fd that becomes readable when a button edge is queued. */
	int (*event_fd)(void *ctx);
	/** @read_event: returns 1 and fills ev, 0 if none is queued, or -errno. */
	int (*read_event)(void *ctx, struct gpio_event *ev);
	/** @get_button: current level, 1 pressed. */
	int (*get_button)(void *ctx);
	/** @set_led: drives the LED (logical on/off); NULL if there is none. */
	int (*set_led)(void *ctx, int on);
	/**
	 * @inject: simulates a button edge.  Only the sim backend has it; NULL
	 * on real hardware, where the console says the button is real.
	 */
	int (*inject)(void *ctx, int pressed);
	/** @close: releases the lines; accepts NULL. */
	void (*close)(void *ctx);
};

extern const struct gpio_ops *const gpio_backends[];
const struct gpio_ops *gpio_find(const char *name);

#endif
