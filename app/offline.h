/* SPDX-License-Identifier: MIT */
/*
 * Answers on the speaker when the language model is out of reach: a
 * transcript that is one of the offline grammar's commands (grammar.h) is
 * carried out through the same device actions the model's tools use
 * (device.h), and the sentence to say comes back.
 */
#ifndef PARLEY_APP_OFFLINE_H
#define PARLEY_APP_OFFLINE_H

#include <stddef.h>

#include "device.h"

/*
 * 1 if transcript is a command: it was carried out (or refused), say
 * holds what to speak and *what names the command; 0 if it is not one.
 */
int offline_answer(struct device *d, const char *transcript, char *say,
		   size_t len, const char **what);

#endif
