// SPDX-License-Identifier: MIT
/*
 * Simulated GPIO for tests and development machines: button edges are
 * injected (from the console's "button press|release") into a small queue
 * whose eventfd the control loop polls, exactly as it polls a libgpiod line
 * event fd.  The LED level is recorded so it can be inspected.
 */
#include "gpio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SIM_QUEUE 16

struct gpio_sim {
	int efd;
	int pressed;
	int led;
	struct gpio_event q[SIM_QUEUE];
	unsigned head, tail; /* control thread only */
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

	(void)p;
	(void)err;
	(void)errlen;
	if (!s)
		return -ENOMEM;
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

static int sim_set_led(void *ctx, int on)
{
	((struct gpio_sim *)ctx)->led = !!on;
	return 0;
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
	s->q[s->head % SIM_QUEUE] =
		(struct gpio_event){ .pressed = pressed, .time_ms = now_ms() };
	s->head++;
	if (write(s->efd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

const struct gpio_ops gpio_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.event_fd = sim_event_fd,
	.read_event = sim_read_event,
	.get_button = sim_get_button,
	.set_led = sim_set_led,
	.inject = sim_inject,
	.close = sim_close,
};
