// SPDX-License-Identifier: MIT
/*
 * The configuration as the lower floors take it: hal/ and dsp/ know
 * nothing of parley.conf, so their parameter structs are filled here, in
 * one place.  Members with no key keep the floor's own tuned defaults
 * (chain_config_default, vad_config_default); test_config proves that
 * where a key exists, its default in the table is that same value.
 */
#include <string.h>

#include "../dsp/sizes.h"
#include "../hal/audio_engine.h"
#include "../hal/chain.h"
#include "../hal/gpio.h"
#include "config.h"

void config_audio_params(const struct parley_config *cfg,
			 struct audio_params *ap)
{
	*ap = (struct audio_params){
		.capture_device = cfg->capture_device,
		.playback_device = cfg->playback_device,
		.capture_rate = (unsigned)cfg->capture_rate,
		.capture_channels = (unsigned)cfg->capture_channels,
		.playback_rate = (unsigned)cfg->playback_rate,
		.buffer_periods = (unsigned)cfg->buffer_periods,
		.playback_periods = (unsigned)cfg->playback_periods,
	};
}

void config_engine_options(const struct parley_config *cfg,
			   struct engine_options *eo)
{
	*eo = (struct engine_options){
		.capture_channel = cfg->capture_channel,
		.rt_priority = cfg->rt_priority,
		.mlock = cfg->mlock,
		.drift_correction = cfg->drift_correction,
		.earcons = cfg->earcons,
		.volume = cfg->volume,
	};
}

void config_chain(const struct parley_config *cfg, struct chain_config *cc)
{
	chain_config_default(cc);
	cc->aec = (enum chain_aec)chain_aec_parse(cfg->dsp_aec);
	cc->tail_ms = cfg->dsp_aec_tail_ms;
	cc->residual = cfg->dsp_residual;
	cc->ns_db = cfg->dsp_ns_db;
	cc->agc = cfg->dsp_agc;
	cc->vad.threshold_db = cfg->vad_threshold_db;
	cc->vad.min_level_dbfs = cfg->vad_min_level_dbfs;
	cc->vad.onset_frames = cfg->vad_onset_ms / PARLEY_FRAME_MS;
	cc->vad.hangover_frames = cfg->vad_hangover_ms / PARLEY_FRAME_MS;
	cc->vad.release_db = cfg->vad_release_db;
	cc->vad.voicing_q15 = cfg->vad_voicing_pct * 32768 / 100;
	cc->vad.lookback_frames = cfg->vad_lookback_ms / PARLEY_FRAME_MS;
}

void config_gpio_params(const struct parley_config *cfg,
			struct gpio_params *gp)
{
	static const struct {
		const char *name;
		enum gpio_bias bias;
	} biases[] = {
		{ "pull-up", GPIO_BIAS_PULL_UP },
		{ "pull-down", GPIO_BIAS_PULL_DOWN },
		{ "disable", GPIO_BIAS_DISABLE },
		{ "as-is", GPIO_BIAS_AS_IS },
	};

	*gp = (struct gpio_params){
		.chip = cfg->gpio_chip,
		.button_line = cfg->button_line,
		.button_active_low = cfg->button_active_low,
		.led_count = cfg->led_count,
		.led_active_low = cfg->led_active_low,
	};
	for (size_t i = 0; i < sizeof(biases) / sizeof(biases[0]); i++)
		if (!strcmp(biases[i].name, cfg->button_bias))
			gp->button_bias = biases[i].bias;
	for (int i = 0; i < cfg->led_count && i < GPIO_LEDS_MAX; i++)
		gp->led_lines[i] = cfg->led_lines[i];
}
