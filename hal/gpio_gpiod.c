// SPDX-License-Identifier: MIT
/*
 * libgpiod 1.6 (v1 API) backend: the button line is requested for both
 * edges and its event fd goes into the control loop; the LED lines are
 * outputs.  Active-low is left to the kernel through the request flags, so
 * every level here is logical.  Bias flags need Linux 5.5; on an older
 * kernel the request is retried without them and the board's own pull-up
 * is relied upon.
 */
#include "gpio.h"

#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONSUMER "parleyd"

struct gpio_gpiod {
	struct gpiod_chip *chip;
	struct gpiod_line *button;
	struct gpiod_line *led[GPIO_LEDS_MAX];
	int led_value[GPIO_LEDS_MAX];
	int leds;
	int button_offset;
	int led_offset[GPIO_LEDS_MAX];
	char chip_name[64];
};

static void gd_close(void *ctx)
{
	struct gpio_gpiod *g = ctx;

	if (!g)
		return;
	if (g->button)
		gpiod_line_release(g->button);
	for (int i = 0; i < g->leds; i++)
		if (g->led[i])
			gpiod_line_release(g->led[i]);
	if (g->chip)
		gpiod_chip_close(g->chip);
	free(g);
}

/* Names what holds a busy line. */
static void line_error(struct gpio_gpiod *g, struct gpiod_line *line,
		       int offset, const char *what, int err, char *buf,
		       size_t len)
{
	const char *user = line ? gpiod_line_consumer(line) : NULL;

	if (err == EBUSY)
		snprintf(buf, len, "%s line %d (%s): busy, used by '%s'",
			 g->chip_name, offset, what, user ? user : "?");
	else
		snprintf(buf, len, "%s line %d (%s): %s", g->chip_name, offset,
			 what, strerror(err));
}

static int bias_flag(enum gpio_bias b)
{
	switch (b) {
	case GPIO_BIAS_PULL_UP:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	case GPIO_BIAS_DISABLE:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	default:
		return 0;
	}
}

static int gd_open(void **ctx, const struct gpio_params *p, char *err,
		   size_t errlen)
{
	struct gpio_gpiod *g = calloc(1, sizeof(*g));
	int flags, r;

	if (!g)
		return -ENOMEM;
	snprintf(g->chip_name, sizeof(g->chip_name), "%s", p->chip);
	g->chip = gpiod_chip_open_lookup(p->chip);
	if (!g->chip) {
		r = errno ? errno : ENODEV;
		snprintf(err, errlen, "gpio chip '%s' (button line %d): %s",
			 p->chip, p->button_line, strerror(r));
		goto fail;
	}
	g->button_offset = p->button_line;
	g->button = gpiod_chip_get_line(g->chip, (unsigned)p->button_line);
	if (!g->button) {
		r = errno ? errno : EINVAL;
		line_error(g, NULL, p->button_line, "button", r, err, errlen);
		goto fail;
	}
	flags = p->button_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	r = gpiod_line_request_both_edges_events_flags(
		g->button, CONSUMER, flags | bias_flag(p->button_bias));
	if (r < 0 && errno == EINVAL && bias_flag(p->button_bias))
		/* a kernel without bias support: the board's pull-up it is */
		r = gpiod_line_request_both_edges_events_flags(g->button,
							       CONSUMER, flags);
	if (r < 0) {
		r = errno;
		line_error(g, g->button, p->button_line, "button", r, err,
			   errlen);
		g->button = NULL;
		goto fail;
	}
	flags = p->led_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	for (int i = 0; i < p->led_count && i < GPIO_LEDS_MAX; i++) {
		g->led_offset[i] = p->led_lines[i];
		g->led[i] = gpiod_chip_get_line(g->chip,
						(unsigned)p->led_lines[i]);
		if (!g->led[i] ||
		    gpiod_line_request_output_flags(g->led[i], CONSUMER, flags,
						    0) < 0) {
			r = errno ? errno : EINVAL;
			line_error(g, g->led[i], p->led_lines[i], "LED", r, err,
				   errlen);
			g->led[i] = NULL;
			g->leds = i;
			goto fail;
		}
		g->leds = i + 1;
	}
	*ctx = g;
	return 0;
fail:
	gd_close(g);
	return -r;
}

static int gd_event_fd(void *ctx)
{
	return gpiod_line_event_get_fd(((struct gpio_gpiod *)ctx)->button);
}

static int gd_read_event(void *ctx, struct gpio_event *ev)
{
	struct gpio_gpiod *g = ctx;
	struct gpiod_line_event e;
	struct timespec now;
	int r;

	/* only read when an event is queued: the fd is blocking */
	r = gpiod_line_event_wait(g->button, &(struct timespec){ 0, 0 });
	if (r <= 0)
		return r < 0 ? -errno : 0;
	if (gpiod_line_event_read(g->button, &e) < 0)
		return -errno;
	/* the kernel stamps events with CLOCK_MONOTONIC by default */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ev->time_ms = (uint64_t)e.ts.tv_sec * 1000 +
		      (uint64_t)e.ts.tv_nsec / 1000000;
	if (ev->time_ms == 0)
		ev->time_ms = (uint64_t)now.tv_sec * 1000 +
			      (uint64_t)now.tv_nsec / 1000000;
	return 1;
}

static int gd_get_button(void *ctx)
{
	int v = gpiod_line_get_value(((struct gpio_gpiod *)ctx)->button);

	return v < 0 ? -errno : v;
}

static int gd_set_led(void *ctx, int idx, int on)
{
	struct gpio_gpiod *g = ctx;

	if (idx < 0 || idx >= g->leds)
		return -EINVAL;
	if (gpiod_line_set_value(g->led[idx], !!on) < 0)
		return -errno;
	g->led_value[idx] = !!on;
	return 0;
}

static int gd_get_led(void *ctx, int idx)
{
	struct gpio_gpiod *g = ctx;

	return idx >= 0 && idx < g->leds ? g->led_value[idx] : -EINVAL;
}

static int gd_describe(void *ctx, char *buf, size_t len)
{
	struct gpio_gpiod *g = ctx;
	int v = gd_get_button(g);
	size_t n = (size_t)snprintf(buf, len, "%s line %d button: %s",
				    g->chip_name, g->button_offset,
				    v < 0 ? "unreadable" :
				    v ? "pressed" : "released");

	for (int i = 0; i < g->leds && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "\n%s line %d led %d: %s",
				      g->chip_name, g->led_offset[i], i,
				      g->led_value[i] ? "on" : "off");
	return 0;
}

const struct gpio_ops gpio_gpiod_ops = {
	.name = "gpiod",
	.open = gd_open,
	.event_fd = gd_event_fd,
	.read_event = gd_read_event,
	.get_button = gd_get_button,
	.set_led = gd_set_led,
	.get_led = gd_get_led,
	.inject = NULL,
	.led_log = NULL,
	.describe = gd_describe,
	.close = gd_close,
};
