// SPDX-License-Identifier: MIT
/* Registry of GPIO backends. */
#include "gpio.h"

#include <string.h>

extern const struct gpio_ops gpio_sim_ops;
extern const struct gpio_ops gpio_gpiod_ops;

const struct gpio_ops *const gpio_backends[] = {
	&gpio_sim_ops,
	&gpio_gpiod_ops,
	NULL,
};

const struct gpio_ops *gpio_find(const char *name)
{
	for (int i = 0; gpio_backends[i]; i++)
		if (!strcmp(gpio_backends[i]->name, name))
			return gpio_backends[i];
	return NULL;
}
