// SPDX-License-Identifier: MIT
/* Canonical 44-byte WAV header: RIFF, "fmt " (PCM, 16 bytes), "data". */
#include "wav.h"

#include <string.h>

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void wav_header(uint8_t *out, unsigned rate, unsigned channels,
		uint32_t data_bytes)
{
	memcpy(out, "RIFF", 4);
	le32(out + 4, 36 + data_bytes);
	memcpy(out + 8, "WAVEfmt ", 8);
	le32(out + 16, 16);
	le16(out + 20, 1); /* PCM */
	le16(out + 22, (uint16_t)channels);
	le32(out + 24, rate);
	le32(out + 28, rate * channels * 2);
	le16(out + 32, (uint16_t)(channels * 2));
	le16(out + 34, 16);
	memcpy(out + 36, "data", 4);
	le32(out + 40, data_bytes);
}
