// SPDX-License-Identifier: MIT
/*
 * ALSA backend through alsa-lib: blocking read/write, interleaved S16_LE,
 * 10 ms periods; capture with any channel count, playback mono.  Errors are
 * recovered by type: -EPIPE (xrun) is prepared again, -ESTRPIPE (suspend)
 * is resumed (retried while -EAGAIN, prepared if resume fails); other
 * errors are returned so the engine can close and reopen the device.  A
 * playback stream that (re)starts is primed with silence up to the middle
 * of its buffer, so the lock-step writes neither block nor run dry.
 */
#include "audio.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct alsa_dev {
	snd_pcm_t *cap;
	snd_pcm_t *play;
	unsigned play_period;
	unsigned play_prime; /* frames of silence queued at (re)start */
	unsigned cap_buffer, play_buffer; /* frames granted */
};

#define RESUME_TRIES 500 /* 10 ms apart: 5 s for a driver to resume */

static int setup(snd_pcm_t *pcm, const char *name, unsigned rate,
		 unsigned channels, unsigned periods, unsigned *granted,
		 char *err, size_t errlen)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period = rate / 100, buffer = period * periods;
	unsigned got = rate;
	int dir = 0, r;
	const char *what;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	what = "no hardware configuration";
	if ((r = snd_pcm_hw_params_any(pcm, hw)) < 0)
		goto fail;
	what = "interleaved access";
	if ((r = snd_pcm_hw_params_set_access(pcm, hw,
				SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
		goto fail;
	what = "format S16_LE";
	if ((r = snd_pcm_hw_params_set_format(pcm, hw,
					      SND_PCM_FORMAT_S16_LE)) < 0)
		goto fail;
	if ((r = snd_pcm_hw_params_set_channels(pcm, hw, channels)) < 0) {
		snprintf(err, errlen, "%s: cannot open %u channel%s: %s", name,
			 channels, channels == 1 ? "" : "s", snd_strerror(r));
		return r;
	}
	what = "the rate";
	if ((r = snd_pcm_hw_params_set_rate_near(pcm, hw, &got, &dir)) < 0)
		goto fail;
	if (got != rate) {
		snprintf(err, errlen, "%s: rate %u Hz not supported (device offers %u Hz)",
			 name, rate, got);
		return -EINVAL;
	}
	what = "a 10 ms period";
	if ((r = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period,
							&dir)) < 0)
		goto fail;
	what = "the buffer size";
	if ((r = snd_pcm_hw_params_set_buffer_size_near(pcm, hw,
							&buffer)) < 0)
		goto fail;
	what = "hardware parameters";
	if ((r = snd_pcm_hw_params(pcm, hw)) < 0)
		goto fail;
	*granted = (unsigned)buffer;
	what = "software parameters";
	if ((r = snd_pcm_sw_params_current(pcm, sw)) < 0)
		goto fail;
	if ((r = snd_pcm_sw_params_set_avail_min(pcm, sw, rate / 100)) < 0)
		goto fail;
	if ((r = snd_pcm_sw_params(pcm, sw)) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot set %s: %s", name, what,
		 snd_strerror(r));
	return r;
}

/* Queues play_prime frames of silence. */
static void prime(struct alsa_dev *dev)
{
	static const int16_t silence[480];
	unsigned left = dev->play_prime;

	while (left) {
		unsigned n = left < 480 ? left : 480;

		if (snd_pcm_writei(dev->play, silence, n) < 0)
			return;
		left -= n;
	}
}

static void alsa_close(void *d)
{
	struct alsa_dev *dev = d;

	if (!dev)
		return;
	if (dev->cap)
		snd_pcm_close(dev->cap);
	if (dev->play)
		snd_pcm_close(dev->play);
	free(dev);
}

static int alsa_open(void **out, const struct audio_params *p, char *err,
		     size_t errlen)
{
	struct alsa_dev *dev = calloc(1, sizeof(*dev));
	int r;

	if (!dev)
		return -ENOMEM;
	dev->play_period = p->playback_rate / 100;
	r = snd_pcm_open(&dev->cap, p->capture_device, SND_PCM_STREAM_CAPTURE,
			 0);
	if (r < 0) {
		snprintf(err, errlen, "capture device '%s': %s",
			 p->capture_device, snd_strerror(r));
		goto fail;
	}
	r = snd_pcm_open(&dev->play, p->playback_device,
			 SND_PCM_STREAM_PLAYBACK, 0);
	if (r < 0) {
		snprintf(err, errlen, "playback device '%s': %s",
			 p->playback_device, snd_strerror(r));
		goto fail;
	}
	r = setup(dev->cap, p->capture_device, p->capture_rate,
		  p->capture_channels, p->buffer_periods, &dev->cap_buffer, err,
		  errlen);
	if (r < 0)
		goto fail;
	r = setup(dev->play, p->playback_device, p->playback_rate, 1,
		  p->playback_periods, &dev->play_buffer, err, errlen);
	if (r < 0)
		goto fail;
	/* primed to half the buffer plus half a period: one lock-step write
	 * a period then keeps it between about one and two periods full */
	dev->play_prime = dev->play_period * p->playback_periods / 2 +
			  dev->play_period / 2;
	if (dev->play_prime > dev->play_buffer)
		dev->play_prime = dev->play_buffer;
	prime(dev);
	r = snd_pcm_start(dev->cap);
	if (r < 0) {
		snprintf(err, errlen, "capture device '%s': cannot start: %s",
			 p->capture_device, snd_strerror(r));
		goto fail;
	}
	*out = dev;
	return 0;
fail:
	alsa_close(dev);
	return r < 0 ? r : -EINVAL;
}

static int alsa_read(void *d, int16_t *pcm, unsigned frames)
{
	struct alsa_dev *dev = d;
	unsigned done = 0;

	while (done < frames) {
		snd_pcm_sframes_t n = snd_pcm_readi(dev->cap, pcm + done,
						    frames - done);
		if (n < 0)
			return (int)n;
		done += (unsigned)n;
	}
	return (int)done;
}

static int alsa_write(void *d, const int16_t *pcm, unsigned frames)
{
	struct alsa_dev *dev = d;
	unsigned done = 0;

	while (done < frames) {
		snd_pcm_sframes_t n = snd_pcm_writei(dev->play, pcm + done,
						     frames - done);
		if (n < 0)
			return (int)n;
		done += (unsigned)n;
	}
	return (int)done;
}

static void sleep_10ms(void)
{
	struct timespec ts = { 0, 10000000L };

	nanosleep(&ts, NULL);
}

static int alsa_recover(void *d, int playback, int err)
{
	struct alsa_dev *dev = d;
	snd_pcm_t *pcm = playback ? dev->play : dev->cap;
	int r;

	if (err == -EPIPE) {
		r = snd_pcm_prepare(pcm);
	} else if (err == -ESTRPIPE) {
		/* the driver may need a while to wake the card */
		int tries = 0;

		while ((r = snd_pcm_resume(pcm)) == -EAGAIN &&
		       ++tries < RESUME_TRIES)
			sleep_10ms();
		if (r < 0) /* cannot resume (or never): start it afresh */
			r = snd_pcm_prepare(pcm);
	} else {
		return err;
	}
	if (r < 0)
		return r;
	if (playback) {
		if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED)
			prime(dev);
		return 0;
	}
	if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED)
		r = snd_pcm_start(pcm);
	return r < 0 ? r : 0;
}

static unsigned alsa_buffer(void *d, int playback)
{
	struct alsa_dev *dev = d;

	return playback ? dev->play_buffer : dev->cap_buffer;
}

static int alsa_delay(void *d, int playback, long *frames)
{
	struct alsa_dev *dev = d;
	snd_pcm_sframes_t n = 0;
	int r = snd_pcm_delay(playback ? dev->play : dev->cap, &n);

	*frames = r < 0 ? 0 : (long)n;
	return r;
}

const struct audio_ops audio_alsa_ops = {
	.name = "alsa",
	.open = alsa_open,
	.read = alsa_read,
	.write = alsa_write,
	.recover = alsa_recover,
	.delay = alsa_delay,
	.buffer = alsa_buffer,
	.close = alsa_close,
};

/*
 * Hardware volume: an ALSA simple mixer element.  Volume percent maps to
 * (percent - 100) * 0.5 dB where the control has dB information, else
 * linearly onto its raw range; 0 % also turns its switch off if it has one.
 */
struct audio_mixer {
	snd_mixer_t *mixer;
	snd_mixer_elem_t *elem;
};

struct audio_mixer *audio_mixer_open(const char *spec, char *err,
				     size_t errlen)
{
	struct audio_mixer *m = calloc(1, sizeof(*m));
	snd_mixer_selem_id_t *id;
	char name[128], card[128] = "default";
	const char *at = strchr(spec, '@');
	int r;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (at) {
		snprintf(name, sizeof(name), "%.*s", (int)(at - spec), spec);
		snprintf(card, sizeof(card), "%s", at + 1);
	} else {
		snprintf(name, sizeof(name), "%s", spec);
	}
	snd_mixer_selem_id_alloca(&id);
	if ((r = snd_mixer_open(&m->mixer, 0)) < 0 ||
	    (r = snd_mixer_attach(m->mixer, card)) < 0 ||
	    (r = snd_mixer_selem_register(m->mixer, NULL, NULL)) < 0 ||
	    (r = snd_mixer_load(m->mixer)) < 0) {
		snprintf(err, errlen,
			 "audio.mixer_control '%s': cannot open the mixer of card '%s': %s",
			 spec, card, snd_strerror(r));
		goto fail;
	}
	snd_mixer_selem_id_set_index(id, 0);
	snd_mixer_selem_id_set_name(id, name);
	m->elem = snd_mixer_find_selem(m->mixer, id);
	if (!m->elem || !snd_mixer_selem_has_playback_volume(m->elem)) {
		snprintf(err, errlen,
			 "audio.mixer_control '%s': card '%s' has no playback volume control named '%s'",
			 spec, card, name);
		goto fail;
	}
	return m;
fail:
	audio_mixer_close(m);
	return NULL;
}

int audio_mixer_set(struct audio_mixer *m, int percent)
{
	long lo = 0, hi = 0;
	int r;

	if (percent < 0)
		percent = 0;
	if (percent > 100)
		percent = 100;
	if (snd_mixer_selem_has_playback_switch(m->elem))
		snd_mixer_selem_set_playback_switch_all(m->elem, percent > 0);
	r = snd_mixer_selem_get_playback_dB_range(m->elem, &lo, &hi);
	if (r == 0 && hi > lo)
		return snd_mixer_selem_set_playback_dB_all(
			m->elem, percent ? hi - (100 - percent) * 50 : lo, -1);
	r = snd_mixer_selem_get_playback_volume_range(m->elem, &lo, &hi);
	if (r < 0)
		return r;
	return snd_mixer_selem_set_playback_volume_all(
		m->elem, lo + (hi - lo) * percent / 100);
}

void audio_mixer_close(struct audio_mixer *m)
{
	if (!m)
		return;
	if (m->mixer)
		snd_mixer_close(m->mixer);
	free(m);
}
