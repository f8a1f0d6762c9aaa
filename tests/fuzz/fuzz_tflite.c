// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the .tflite reader of the wake word models
 * (app/wake_model.c).  A file it accepts is also run, twice (the second
 * run uses the stream state the first left), so that the shapes and
 * indices it let through are exercised by the interpreter.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/wake_model.h"

static struct wake_model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int8_t features[WAKE_MAX_STRIDE * WAKE_FEATURES];

	if (wake_model_load(&model, "fuzz.tflite", data, size, err, sizeof(err))) {
		if (strncmp(err, "fuzz.tflite: ", 13) || strlen(err) < 14)
			abort(); /* every refusal names the file and says why */
		return 0;
	}
	if (model.stride < 1 || model.stride > WAKE_MAX_STRIDE || model.arena_used > WAKE_ARENA_BYTES)
		return 0;
	memset(features, 0x55, sizeof(features));
	for (int i = 0; i < 2; i++) {
		int p = wake_model_invoke(&model, features);

		if (p < 0 || p > 255)
			abort();
	}
	return 0;
}
