// SPDX-License-Identifier: MIT
/*
 * VAD v2: band energies against an adaptive noise spectrum, gated by
 * voicing.
 *
 * Each 10 ms frame (160 samples) gives three features:
 *
 *  - level: the frame's mean-square level in dBFS, and a full-band noise
 *    floor under it (reported for the level meter);
 *  - band SNR: the 256-point real FFT the echo canceller uses (dsp/fft.c,
 *    block floating point) over a Hann window of the last 16 ms gives the
 *    power in six octave bands from 125 Hz to 8 kHz.  Each band has its
 *    own noise floor, a minimum tracker in the log domain: it drops a
 *    quarter of the way to any quieter frame, and rises rise_noise_mdb a
 *    frame outside speech and rise_speech_mdb inside it; it starts from the
 *    mean of the first ten frames, and never stays more than floor_gap_db
 *    under the quietest frame of the last 2 s (so a floor seeded on the
 *    digital silence of a starting device, and held down since by speech,
 *    recovers).  The frame's SNR is the weighted mean of the band SNRs,
 *    each limited to 0..30 dB, with 250-4000 Hz weighted double: the
 *    spectral distance to the noise of classic VADs (Sohn et al., "A
 *    statistical model-based voice activity detector", 1999, here in a
 *    deterministic form);
 *  - voicing: the signal is decimated to 4 kHz (mean of 4 samples) and the
 *    squared normalised autocorrelation r^2 / (e0 e1) of the last 16 ms
 *    against lags of 2.5-16 ms (pitch 62-400 Hz) is taken per lag (the
 *    pitch strength of autocorrelation pitch trackers, Boersma 1993).
 *    Each lag's value counts only above its own slow average outside
 *    speech (time constant 2^pitch_memory_shift frames), so a hum or a
 *    tone in the background is not a voice; the pitch strength is the
 *    largest remainder, and the period the shortest lag within an eighth
 *    of it.  Voiced speech reaches 0.5-0.95; broadband noise and the babble
 *    of a crowd stay low.
 *
 * Cost: the spectrum and the pitch search take turns, each every other
 * frame (so each is 20 ms apart over a 16 ms window), and every frame uses
 * the latest of both; the Hann window is a table.  That halves the VAD's
 * instructions (36.8k to 18.8k a frame on x86-64, callgrind).
 *
 * A frame is active when its band SNR exceeds threshold_db (once speech
 * has started: release_db, or release_peak_db under the loudest band SNR
 * of this speech when that is higher) and its level min_level_dbfs.  A
 * search is voiced when its frame is active with a pitch strength of at
 * least voicing_q15; a run of voiced searches whose period moves less than
 * an eighth from search to search is a voice (an inactive frame between
 * two searches ends the run).  voiced_frames of them confirm a voice from
 * silence, revoice_frames keep it going, and for voice_hold_frames after
 * that every active frame is raw speech, so the unvoiced consonants around
 * the vowels count.  onset_frames raw frames in a row start speech (the
 * minimum length); speech then lasts until hangover_frames pass with no raw
 * frame.
 *
 * The voicing gate confirms a word at its first vowel, a few frames into
 * it, or later when the vowel is weak in noise.  So each onset also says
 * how far back its speech began (onset_back): over the raw run, and over
 * the lead-in of frames in a row whose band SNR exceeds lead_db, up to
 * lookback_frames.  The decision stays causal frame by frame; a consumer
 * that keeps audio (the endpointer, with its pre-roll) dates the start of
 * speech back by onset_back.  Energy alone never starts speech, so a hiss
 * or a thump with no voice after it adds nothing.
 *
 * The defaults were chosen on part of the real speech and noise with
 * tools/vad_bench.py, which also gives the accuracy against Silero VAD.
 *
 * Signals: samples Q15; level and floors in dB, Q8 at the interface and
 * Q16 inside; band powers as integer log2 in Q8; pitch strength Q15.
 */
#include "vad.h"

#include "fft.h"
#include "fft_table.h"
#include "fixed.h"
#include "level.h"
#include "sizes.h"

#define SEED_FRAMES 10
#define WIN_LEN 50 /* frames in one window of the floor's lower bound */
#define BAND_SNR_MAX_Q8 (30 * 256)
#define DB_PER_LOG2_Q8 771 /* 10 log10(2) = 3.0103 */
#define HOP PARLEY_FRAME
#define KEEP (VAD_FFT - HOP)
#define DEC_FRAME (HOP / VAD_DEC) /* 40 */
#define PITCH_WIN 64 /* 16 ms at 4 kHz */
#define LAG_MIN 10 /* 400 Hz */
#define LAG_MAX VAD_LAG_MAX /* 62.5 Hz */
/* Quietest decimated energy the pitch search looks at (about -75 dBFS). */
#define PITCH_MIN_ENERGY 4096

_Static_assert(VAD_FFT == FFT_N, "the VAD's window is the FFT's size");

/* Band edges in FFT bins of 62.5 Hz: [edge[b], edge[b + 1]). */
static const uint8_t band_edge[VAD_BANDS + 1] = { 2, 4, 8, 16, 32, 64, 128 };
static const uint8_t band_weight[VAD_BANDS] = { 1, 2, 2, 2, 2, 1 };
#define BAND_WEIGHT_SUM 10

/* Hann window (1 - cos(2 pi n / 256)) / 2 in Q15 (at most 32767), from the
 * FFT's cosine table: cos(2 pi (n + 128) / 256) = -cos(2 pi n / 256). */
static int32_t hann(int n)
{
	int32_t c = n < VAD_FFT / 2 ? fft_cos[n] : -fft_cos[n - VAD_FFT / 2];

	return (32767 - c + 1) >> 1;
}

/* The window is symmetric, w(256 - n) = w(n): half of it is kept. */
static int32_t window_at(const struct vad *v, int n)
{
	return v->hann[n <= VAD_FFT / 2 ? n : VAD_FFT - n];
}

/* Band powers of the Hann-windowed last 256 samples, log2 Q8 of the power
 * plus one, through the shared real FFT (dsp/fft.c): its block floating
 * point gives the power of a band as sum |X|^2 * 4^e, so log2 adds 2e. */
static void band_levels(const struct vad *v, const int16_t *pcm,
			int32_t *out)
{
	int32_t in[VAD_FFT], spec[2 * FFT_BINS];
	int e;

	for (int n = 0; n < KEEP; n++)
		in[n] = MULT16_16_Q15(window_at(v, n), v->prev[n]);
	for (int n = KEEP; n < VAD_FFT; n++)
		in[n] = MULT16_16_Q15(window_at(v, n), pcm[n - KEEP]);
	e = fft_fwd(in, spec);
	for (int b = 0; b < VAD_BANDS; b++) {
		uint64_t p = 0;

		for (int k = band_edge[b]; k < band_edge[b + 1]; k++)
			p += (uint64_t)((int64_t)spec[2 * k] * spec[2 * k]) +
			     (uint64_t)((int64_t)spec[2 * k + 1] * spec[2 * k + 1]);
		/* log2(power + 1) in true units: never below 0 */
		out[b] = p ? level_log2_q8(p) + 2 * e * 256 : 0;
		out[b] = out[b] > 0 ? out[b] : 0;
	}
}

/* The frame into the decimated history, and its tail into prev. */
static void keep_history(struct vad *v, const int16_t *pcm)
{
	int16_t *x = v->dec;

	for (int i = 0; i < VAD_DEC_HIST - DEC_FRAME; i++)
		x[i] = x[i + DEC_FRAME];
	for (int i = 0; i < DEC_FRAME; i++) {
		const int16_t *p = pcm + i * VAD_DEC;

		x[VAD_DEC_HIST - DEC_FRAME + i] =
			(int16_t)((p[0] + p[1] + p[2] + p[3]) >> 2);
	}
	for (int i = 0; i < KEEP; i++)
		v->prev[i] = pcm[HOP - KEEP + i];
}

/* Pitch strength of the decimated history, Q15. */
static int32_t voicing(struct vad *v, int *best_lag)
{
	int32_t cum[VAD_DEC_HIST + 1];
	const int16_t *x = v->dec;
	int16_t xs[VAD_DEC_HIST];
	int64_t e0, best = 0;
	int32_t qs[LAG_MAX + 1];
	int peak = 0, sh = 0;

	*best_lag = 0;
	/* the correlations are ratios, so the history may be scaled: down to
	 * 11 bits and a sign, products stay under 2^22 and every sum of them
	 * in 32 bits, which the compiler turns into SIMD multiply-adds */
	for (int i = 0; i < VAD_DEC_HIST; i++) {
		int m = x[i] < 0 ? -x[i] : x[i];

		peak = m > peak ? m : peak;
	}
	while ((peak >> sh) >= 2048)
		sh++;
	for (int i = 0; i < VAD_DEC_HIST; i++)
		xs[i] = (int16_t)(x[i] >> sh);
	cum[0] = 0;
	for (int i = 0; i < VAD_DEC_HIST; i++)
		cum[i + 1] = cum[i] + MULT16_16(xs[i], xs[i]);
	/* too quiet to tell (a peak of 2048 or more is never too quiet) */
	if (sh == 0 && cum[VAD_DEC_HIST] < PITCH_MIN_ENERGY)
		return 0;
	e0 = cum[VAD_DEC_HIST] - cum[VAD_DEC_HIST - PITCH_WIN];
	if (e0 == 0)
		return 0;
	for (int lag = LAG_MIN; lag <= LAG_MAX; lag++) {
		const int16_t *a = xs + VAD_DEC_HIST - PITCH_WIN;
		const int16_t *b = a - lag;
		int32_t r = 0;
		int64_t e1, q;

		qs[lag] = 0;
		for (int i = 0; i < PITCH_WIN; i++)
			r += MULT16_16(a[i], b[i]);
		if (r <= 0)
			continue;
		e1 = cum[VAD_DEC_HIST - lag] - cum[VAD_DEC_HIST - lag - PITCH_WIN];
		if (e1 == 0)
			continue;
		q = ((int64_t)r * r) / (((e0 * e1) >> 15) + 1);
		qs[lag] = q > 32767 ? 32767 : (int32_t)q;
	}
	/* periodicity that the background has too (a hum, a tone in the
	 * noise) is not a voice: each lag's correlation counts only above
	 * its slow average outside speech */
	for (int lag = LAG_MIN; lag <= LAG_MAX; lag++) {
		int32_t q = qs[lag], bg = v->pitch_bg[lag];

		if (v->cfg.pitch_memory_shift > 0 && !v->speech)
			v->pitch_bg[lag] += (q - bg) >> v->cfg.pitch_memory_shift;
		qs[lag] = q > bg ? q - bg : 0;
	}
	/* only peaks are periods: low-pass noise (wind, rumble) correlates
	 * most at the shortest lag and falls from there */
	for (int lag = LAG_MIN + 1; lag < LAG_MAX; lag++) {
		if (qs[lag] > best && qs[lag] >= qs[lag - 1] &&
		    qs[lag] >= qs[lag + 1])
			best = qs[lag];
	}
	/* the period is the shortest lag within an eighth of the best, not
	 * one of its multiples */
	for (int lag = LAG_MIN + 1; lag < LAG_MAX && best > 0; lag++) {
		if (8 * (int64_t)qs[lag] >= 7 * best &&
		    qs[lag] >= qs[lag - 1] && qs[lag] >= qs[lag + 1]) {
			*best_lag = lag;
			break;
		}
	}
	return (int32_t)best;
}

void vad_config_default(struct vad_config *cfg)
{
	/* chosen with tools/vad_bench.py; see the comment at the top */
	cfg->threshold_db = 12;
	cfg->min_level_dbfs = -55;
	cfg->onset_frames = 1;
	cfg->hangover_frames = 12;
	cfg->voicing_q15 = 13107; /* 0.4 */
	cfg->voiced_frames = 4; /* pitch searches: 80 ms */
	cfg->revoice_frames = 1;
	cfg->voice_hold_frames = 60;
	cfg->release_db = 5;
	cfg->release_peak_db = 16;
	cfg->rise_noise_mdb = 30; /* 3 dB/s */
	cfg->rise_speech_mdb = 2; /* 0.2 dB/s */
	cfg->pitch_memory_shift = 8;
	cfg->floor_gap_db = 6;
	cfg->lead_db = 3;
	cfg->lookback_frames = 40;
}

void vad_init(struct vad *v, const struct vad_config *cfg)
{
	v->cfg = *cfg;
	v->floor_q16 = 0;
	for (int b = 0; b < VAD_BANDS; b++)
		v->band_floor_q16[b] = 0;
	for (int i = 0; i < KEEP; i++)
		v->prev[i] = 0;
	for (int i = 0; i <= VAD_FFT / 2; i++)
		v->hann[i] = (int16_t)hann(i);
	for (int b = 0; b < VAD_BANDS; b++)
		v->band[b] = 0;
	v->voice = 0;
	v->vlag = 0;
	v->phase = 0;
	for (int i = 0; i < VAD_DEC_HIST; i++)
		v->dec[i] = 0;
	for (int i = 0; i <= VAD_LAG_MAX; i++)
		v->pitch_bg[i] = 0;
	/* empty windows: loud enough never to be the minimum */
	for (int b = 0; b < VAD_BANDS; b++)
		for (int i = 0; i <= VAD_WINS; i++)
			v->win_min[b][i] = 200 * 256;
	v->win_n = 0;
	v->frames = 0;
	v->run = 0;
	v->lead = 0;
	v->hang = 0;
	v->vrun = 0;
	v->vhold = 0;
	v->lag = 0;
	v->peak_snr = 0;
	v->speech = 0;
}

/* Minimum tracker: quick down, slow up, seeded by the first frames. */
static void track(const struct vad_config *cfg, int32_t *floor,
		  int32_t level_q16, int frames, int speech)
{
	int32_t gap = level_q16 - *floor;

	if (frames < SEED_FRAMES) {
		/* the mean of the first frames, in dB: a minimum would take
		 * one quiet frame of a fade-in for the noise, and a floor too
		 * low recovers only slowly, one too high at once */
		*floor += gap / (frames + 1);
		return;
	}
	if (gap < 0) {
		*floor += gap / 4;
	} else {
		/* milli-dB a frame to dB Q16: x 65536 / 1000 */
		int32_t rise = (speech ? cfg->rise_speech_mdb :
					 cfg->rise_noise_mdb) * 8192 / 125;

		*floor += gap < rise ? gap : rise;
	}
}

/*
 * The quietest band level of the last VAD_WINS windows of WIN_LEN frames
 * (about 2 s) bounds the floor from below: a floor more than floor_gap_db
 * under it (seeded on digital silence, say, and held down since by speech)
 * is lifted to it at once.
 */
static void window_floor(struct vad *v, int b, int32_t db_q8)
{
	int32_t m = v->win_min[b][VAD_WINS];

	if (v->win_n == 0 || db_q8 < m)
		m = db_q8;
	v->win_min[b][VAD_WINS] = m;
	for (int i = 0; i < VAD_WINS; i++)
		if (v->win_min[b][i] < m)
			m = v->win_min[b][i];
	if (v->cfg.floor_gap_db > 0 &&
	    v->band_floor_q16[b] < (m - v->cfg.floor_gap_db * 256) * 256)
		v->band_floor_q16[b] = (m - v->cfg.floor_gap_db * 256) * 256;
	if (v->win_n == WIN_LEN - 1) {
		for (int i = 0; i < VAD_WINS - 1; i++)
			v->win_min[b][i] = v->win_min[b][i + 1];
		v->win_min[b][VAD_WINS - 1] = v->win_min[b][VAD_WINS];
	}
}

/*
 * How many frames before this onset the speech began: back over the raw run
 * that made the onset, and over the lead-in of frames clear of the noise
 * that led up to it, up to lookback_frames.  A word that opens on an
 * unvoiced consonant (a fricative, a plosive's burst) rises above the noise
 * before its first vowel, and the voicing gate confirms it only at the
 * vowel; the lead-in dates it back to where it rose.
 */
static int lookback(const struct vad_config *cfg)
{
	return cfg->lookback_frames < VAD_LOOKBACK_MAX ? cfg->lookback_frames :
							 VAD_LOOKBACK_MAX;
}

static int lead_in(const struct vad *v)
{
	int back = v->lead - 1, max = lookback(&v->cfg);

	if (back > max)
		back = max;
	return back > v->run - 1 ? back : v->run - 1;
}

int vad_onset_back_max(const struct vad_config *cfg)
{
	int back = lookback(cfg);

	/* an onset comes the first time the raw run reaches onset_frames */
	if (back < cfg->onset_frames - 1)
		back = cfg->onset_frames - 1;
	return back > 0 ? back : 0;
}

void vad_process(struct vad *v, const int16_t *in, int n,
		 struct vad_result *out)
{
	int16_t padded[HOP];
	const int16_t *pcm = in;
	const int32_t *band = v->band;
	int32_t level, snr = 0, voice, release;
	int active, voiced, raw, lag, searched = v->phase == 1;

	/* a short frame is zero-padded, a long one cut to a frame */
	if (n < HOP) {
		for (int i = 0; i < HOP; i++)
			padded[i] = i < n ? in[i] : 0;
		pcm = padded;
	}
	level = level_dbfs_q8(pcm, HOP);
	/* the two costly analyses take turns, each every other frame (20 ms
	 * apart, over the last 16 ms), and each frame uses the latest of
	 * both: the spectrum on even frames, the pitch search on odd ones */
	if (v->phase == 0)
		band_levels(v, pcm, v->band);
	keep_history(v, pcm);
	if (searched)
		v->voice = voicing(v, &v->vlag);
	v->phase ^= 1;

	track(&v->cfg, &v->floor_q16, level * 256, v->frames, v->speech);
	if (++v->win_n == WIN_LEN)
		v->win_n = 0;
	for (int b = 0; b < VAD_BANDS; b++) {
		int32_t db_q8 = (band[b] * DB_PER_LOG2_Q8) >> 8;
		int32_t s;

		track(&v->cfg, &v->band_floor_q16[b], db_q8 * 256, v->frames,
		      v->speech);
		window_floor(v, b, db_q8);
		s = db_q8 - v->band_floor_q16[b] / 256;
		s = s < 0 ? 0 : (s > BAND_SNR_MAX_Q8 ? BAND_SNR_MAX_Q8 : s);
		snr += s * band_weight[b];
	}
	snr /= BAND_WEIGHT_SUM;
	if (v->frames < SEED_FRAMES)
		v->frames++;

	/* hysteresis: inside speech the band SNR need only reach
	 * release_db, so speech holds through soft endings; but in speech
	 * far above the noise, a frame release_peak_db under its loudest is
	 * a pause between words or the tail after the last one */
	release = v->cfg.release_db * 256;
	if (v->cfg.release_peak_db > 0 &&
	    v->peak_snr - v->cfg.release_peak_db * 256 > release)
		release = v->peak_snr - v->cfg.release_peak_db * 256;
	/* never above the onset's threshold: a frame that would start speech
	 * keeps it going */
	if (release > v->cfg.threshold_db * 256)
		release = v->cfg.threshold_db * 256;
	active = snr > (v->speech ? release : v->cfg.threshold_db * 256) &&
		 level > v->cfg.min_level_dbfs * 256;
	voice = v->voice;
	lag = v->vlag;
	voiced = active && voice >= v->cfg.voicing_q15;
	/* a voice's pitch moves smoothly: a run needs the lag to stay
	 * within an eighth (about two semitones) from search to search.  The
	 * run counts pitch searches, one every other frame; a frame between
	 * them that falls silent ends it */
	if (searched) {
		if (voiced && v->vrun > 0 &&
		    8 * (lag > v->lag ? lag - v->lag : v->lag - lag) > v->lag)
			v->vrun = 0;
		v->vrun = voiced ? v->vrun + 1 : 0;
		v->lag = lag;
	} else if (!active) {
		v->vrun = 0;
	}
	/* a voice is confirmed by a long voiced run, and kept by short ones */
	if (v->vrun >= (v->vhold > 0 ? v->cfg.revoice_frames :
				       v->cfg.voiced_frames))
		v->vhold = v->cfg.voice_hold_frames;
	else if (v->vhold > 0)
		v->vhold--;
	raw = active && v->vhold > 0;

	/* the lead-in: frames in a row clear of the noise by lead_db */
	if (snr > v->cfg.lead_db * 256 &&
	    level > v->cfg.min_level_dbfs * 256)
		v->lead += v->lead < VAD_LOOKBACK_MAX + 1;
	else
		v->lead = 0;
	out->onset = 0;
	out->onset_back = 0;
	v->run = raw ? v->run + 1 : 0;
	if (raw && snr > v->peak_snr)
		v->peak_snr = snr;
	if (raw && v->speech) {
		v->hang = v->cfg.hangover_frames;
	} else if (raw && v->run >= v->cfg.onset_frames) {
		v->speech = 1;
		v->peak_snr = snr;
		v->hang = v->cfg.hangover_frames;
		out->onset = 1;
		out->onset_back = lead_in(v);
	} else if (v->speech && !raw) {
		if (v->hang == 0)
			v->speech = 0;
		else
			v->hang--;
	}
	out->level_q8 = level;
	out->floor_q8 = v->floor_q16 / 256;
	out->snr_q8 = snr;
	out->voicing_q15 = voice;
	out->lag = lag;
	out->raw = (uint8_t)raw;
	out->speech = v->speech;
}
