// SPDX-License-Identifier: MIT
/*
 * Simulated GPIO for tests and development machines: button edges are
 * injected (from the console's "button press|release") into a small queue
 * whose eventfd the control loop polls, exactly as it polls a libgpiod line
 * event fd.  Every LED change is recorded with its time, so tests can check
 * the patterns.
 */
#include "gpio.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SIM_QUEUE 16
#define SIM_LED_LOG 512

struct gpio_sim {
	int efd;
	int pressed;
	int leds; /* LED lines configured */
	int led[GPIO_LEDS_MAX];
	struct gpio_event q[SIM_QUEUE];
	unsigned head, tail; /* control thread only */
	struct gpio_led_change log[SIM_LED_LOG];
	unsigned nlog; /* changes recorded in all */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sim_close(void *ctx)
{
	struct gpio_sim *s = ctx;

	if (!s)
		return;
	if (s->efd >= 0)
		close(s->efd);
	free(s);
}

static int sim_open(void **ctx, const struct gpio_params *p, char *err,
		    size_t errlen)
{
	struct gpio_sim *s = calloc(1, sizeof(*s));

	(void)err;
	(void)errlen;
	if (!s)
		return -ENOMEM;
	/* with no LED lines configured, the sim still shows one LED */
	s->leds = p->led_count ? p->led_count : 1;
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		int r = -errno;

		free(s);
		return r;
	}
	*ctx = s;
	return 0;
}

static int sim_event_fd(void *ctx)
{
	return ((struct gpio_sim *)ctx)->efd;
}

static int sim_read_event(void *ctx, struct gpio_event *ev)
{
	struct gpio_sim *s = ctx;
	uint64_t n;

	if (s->head == s->tail) {
		/* queue empty: clear the eventfd */
		if (read(s->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			return -errno;
		return 0;
	}
	*ev = s->q[s->tail % SIM_QUEUE];
	s->tail++;
	return 1;
}

static int sim_get_button(void *ctx)
{
	return ((struct gpio_sim *)ctx)->pressed;
}

static int sim_set_led(void *ctx, int idx, int on)
{
	struct gpio_sim *s = ctx;

	if (idx < 0 || idx >= s->leds)
		return -EINVAL;
	on = !!on;
	if (s->led[idx] == on)
		return 0;
	s->led[idx] = on;
	s->log[s->nlog % SIM_LED_LOG] = (struct gpio_led_change){
		now_ms(), (uint8_t)idx, (uint8_t)on
	};
	s->nlog++;
	return 0;
}

static int sim_get_led(void *ctx, int idx)
{
	struct gpio_sim *s = ctx;

	return idx >= 0 && idx < s->leds ? s->led[idx] : -EINVAL;
}

static int sim_inject(void *ctx, int pressed)
{
	struct gpio_sim *s = ctx;
	uint64_t one = 1;

	pressed = !!pressed;
	if (pressed == s->pressed)
		return -EALREADY;
	if (s->head - s->tail >= SIM_QUEUE)
		return -ENOSPC;
	s->pressed = pressed;
	s->q[s->head % SIM_QUEUE] = (struct gpio_event){ .time_ms = now_ms() };
	s->head++;
	if (write(s->efd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static int sim_led_log(void *ctx, struct gpio_led_change *out, int n)
{
	struct gpio_sim *s = ctx;
	unsigned first = s->nlog > SIM_LED_LOG ? s->nlog - SIM_LED_LOG : 0;
	int k = 0;

	if (s->nlog - first > (unsigned)n)
		first = s->nlog - (unsigned)n;
	for (unsigned i = first; i < s->nlog; i++)
		out[k++] = s->log[i % SIM_LED_LOG];
	return k;
}

static int sim_describe(void *ctx, char *buf, size_t len)
{
	struct gpio_sim *s = ctx;
	size_t n = (size_t)snprintf(buf, len, "sim button: %s",
				    s->pressed ? "pressed" : "released");

	for (int i = 0; i < s->leds && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "\nsim led %d: %s", i,
				      s->led[i] ? "on" : "off");
	return 0;
}

const struct gpio_ops gpio_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.event_fd = sim_event_fd,
	.read_event = sim_read_event,
	.get_button = sim_get_button,
	.set_led = sim_set_led,
	.get_led = sim_get_led,
	.inject = sim_inject,
	.led_log = sim_led_log,
	.describe = sim_describe,
	.close = sim_close,
};
