/* SPDX-License-Identifier: MIT */
/*
 * The wake word models' audio frontend, integer only: TensorFlow Lite
 * Micro's microfrontend (tensorflow/lite/experimental/microfrontend/lib)
 * with microWakeWord's settings, restated from its source:
 *
 *   every 10 ms (160 samples at 16 kHz), the last 30 ms (480 samples)
 *   times a Q12 Hann window; the block scaled up so its peak has bit 14
 *   set; a 512-point real FFT in 16-bit fixed point with kissfft's
 *   arithmetic (radix 4, each stage divides by 4 with rounding, int16
 *   wrap-around); power of the bins 5..240; 40 triangular mel channels
 *   125..7500 Hz (Q12 weights), rounded square root, scaled back down;
 *   noise reduction (a per-channel running minimum estimate, smoothing
 *   0.025 on even and 0.06 on odd channels, 10 bits of extra precision,
 *   at least 5 % of the signal kept); PCAN gain control (gain
 *   2^21 (noise + 80)^-0.95, piecewise quadratic per octave, then a
 *   soft-knee shrink); and a fixed-point natural log (scale shift 6).
 *
 * The result is one uint16 per channel (about 0..670); wake_fe_to_int8
 * maps it to the models' int8 input the way ESPHome's micro_wake_word
 * component does: (v * 256 + 333) / 666 - 128, clamped (666 = 25.6 x 26,
 * microWakeWord's training scale 1/25.6 and the input tensor's range 26).
 *
 * Tables come from tools/gen-wake-tables.py (dsp/wake_tables.h);
 * tests/golden/wakefe_model.py is an independent model of the whole
 * chain, held to it by tests/unit/test_wakefe.c.
 */
#ifndef PARLEY_DSP_WAKE_FRONTEND_H
#define PARLEY_DSP_WAKE_FRONTEND_H

#include <stdint.h>

#define WAKE_FE_STEP 160 /* samples per feature frame, 10 ms */
#define WAKE_FE_WINDOW 480 /* samples per analysis window, 30 ms */
#define WAKE_FE_FFT 512
#define WAKE_FE_CHANNELS 40

struct wake_fe {
	int16_t input[WAKE_FE_WINDOW];
	int used; /* samples in input */
	uint32_t noise[WAKE_FE_CHANNELS]; /* noise estimates, 10 extra bits */
};

void wake_fe_init(struct wake_fe *fe);

/*
 * Adds WAKE_FE_STEP samples; returns 1 and writes out[] once a whole
 * window is in (from the third call on), else 0.
 */
int wake_fe_step(struct wake_fe *fe, const int16_t *in, uint16_t *out);

/* The int8 model input of one frame's features. */
void wake_fe_to_int8(const uint16_t *feat, int8_t *out, int n);

#endif
