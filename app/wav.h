/* SPDX-License-Identifier: MIT */
/* RIFF/WAVE headers for 16-bit PCM. */
#ifndef PARLEY_APP_WAV_H
#define PARLEY_APP_WAV_H

#include <stddef.h>
#include <stdint.h>

#define WAV_HEADER 44

/* Writes the 44-byte header of a 16-bit PCM WAV with data_bytes of data. */
void wav_header(uint8_t *out, unsigned rate, unsigned channels,
		uint32_t data_bytes);

#endif
