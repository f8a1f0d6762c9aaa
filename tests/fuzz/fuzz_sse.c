// SPDX-License-Identifier: MIT
/* Fuzz target: the OpenAI-compatible SSE reply path alone. */
#define FUZZ_SSE
#include "fuzz_ndjson.c"
