// SPDX-License-Identifier: MIT
/*
 * dsp-run: file-in/file-out harness over the same DSP code parleyd runs:
 * high-pass, VAD and endpointing on 16 kHz mono S16_LE raw audio.
 *
 *   dsp-run [-f] [-o OUT.raw] IN.raw
 *
 * Prints the speech segments found (start and end in ms) and a checksum of
 * the processed audio and VAD flags, so that runs on two machines can be
 * compared bit for bit; -f also prints one line per frame.
 *
 *   dsp-run vad [-v] [-c] [-s KEY=VALUE]... < IN.raw
 *
 * Runs the high-pass filter and the VAD over stdin and prints one line per
 * 10 ms frame: 1 for speech, 0 for not.  Each onset dates its speech back
 * over its lead-in (onset_back), as the endpointer does, so a line is
 * printed once no later onset can change it; -c prints the decisions as
 * the VAD makes them, frame by frame, without dating back.  -v adds the
 * frame's features (level, band SNR, voicing, raw); -s overrides a struct
 * vad_config member by name, for tuning.
 *
 * dsp-run aec (tools/dsp-run-aec.c) runs the echo canceller, dsp-run wake
 * (tools/dsp-run-wake.c) the wake word engine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dsp/hpf.h"
#include "../dsp/sizes.h"
#include "../dsp/vad.h"
#include "dsp-run.h"

/* FNV-1a, 64-bit */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static const struct {
	const char *name;
	size_t off;
} vad_keys[] = {
#define KEY(m) { #m, offsetof(struct vad_config, m) }
	KEY(threshold_db),  KEY(min_level_dbfs), KEY(onset_frames),
	KEY(hangover_frames), KEY(voicing_q15),  KEY(voiced_frames),
	KEY(voice_hold_frames), KEY(release_db), KEY(release_peak_db),  KEY(rise_noise_mdb),
	KEY(rise_speech_mdb), KEY(revoice_frames),
	KEY(pitch_memory_shift), KEY(floor_gap_db), KEY(lead_db),
	KEY(lookback_frames),
#undef KEY
};

static int vad_set(struct vad_config *cfg, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *end;
	long val;

	if (eq) {
		for (size_t i = 0; i < sizeof(vad_keys) / sizeof(vad_keys[0]); i++) {
			if (strlen(vad_keys[i].name) != (size_t)(eq - kv) ||
			    strncmp(vad_keys[i].name, kv, (size_t)(eq - kv)))
				continue;
			val = strtol(eq + 1, &end, 10);
			if (!eq[1] || *end || val < -100000 || val > 100000) {
				fprintf(stderr, "dsp-run vad: -s %s: not an integer\n",
					kv);
				return -1;
			}
			*(int *)((char *)cfg + vad_keys[i].off) = (int)val;
			return 0;
		}
	}
	fprintf(stderr, "dsp-run vad: -s '%s': expected KEY=VALUE with KEY one of",
		kv);
	for (size_t i = 0; i < sizeof(vad_keys) / sizeof(vad_keys[0]); i++)
		fprintf(stderr, " %s", vad_keys[i].name);
	fputc('\n', stderr);
	return -1;
}

/* One frame of `dsp-run vad` output, held until no onset can date it. */
struct vad_line {
	struct vad_result r;
	uint8_t speech; /* the decision, back-dated onsets applied */
};

static void vad_print(const struct vad_line *l, int verbose)
{
	if (verbose)
		printf("%d level %.1f floor %.1f snr %.1f voicing %.2f raw %d "
		       "lag %d\n",
		       l->speech, l->r.level_q8 / 256.0, l->r.floor_q8 / 256.0,
		       l->r.snr_q8 / 256.0, l->r.voicing_q15 / 32768.0, l->r.raw,
		       (int)l->r.lag);
	else
		printf("%d\n", l->speech);
}

static int run_vad(int argc, char **argv)
{
	static const char usage[] =
		"usage: dsp-run vad [-v] [-c] [-s KEY=VALUE]... < IN.raw\n";
	struct vad_config cfg;
	struct vad vad;
	struct hpf hpf;
	struct vad_line *ring;
	int16_t pcm[PARLEY_FRAME];
	long n = 0;
	int c, verbose = 0, causal = 0, delay;

	vad_config_default(&cfg);
	optind = 1;
	while ((c = getopt(argc, argv, "vcs:h")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'c':
			causal = 1;
			break;
		case 's':
			if (vad_set(&cfg, optarg))
				return 2;
			break;
		default:
			fputs(usage, stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	/* each line waits as long as an onset can date speech back */
	delay = causal ? 0 : vad_onset_back_max(&cfg);
	ring = calloc((size_t)delay + 1, sizeof(*ring));
	if (!ring) {
		perror("dsp-run vad");
		return 1;
	}
	vad_init(&vad, &cfg);
	hpf_init(&hpf);
	while (fread(pcm, sizeof(pcm), 1, stdin) == 1) {
		struct vad_line *l = &ring[n % (delay + 1)];

		/* the slot about to be reused holds the frame delay + 1 back:
		 * no later onset can reach it, so it is final */
		if (n > delay)
			vad_print(l, verbose);
		hpf_process(&hpf, pcm, PARLEY_FRAME);
		vad_process(&vad, pcm, PARLEY_FRAME, &l->r);
		l->speech = l->r.speech;
		for (int k = 1; l->r.onset && k <= l->r.onset_back && k <= n &&
				k <= delay;
		     k++)
			ring[(n - k) % (delay + 1)].speech = 1;
		n++;
	}
	for (long i = n > delay + 1 ? n - delay - 1 : 0; i < n; i++)
		vad_print(&ring[i % (delay + 1)], verbose);
	free(ring);
	return 0;
}

int main(int argc, char **argv)
{
	struct vad_config cfg;
	struct vad vad;
	struct hpf hpf;
	struct vad_result r;
	int16_t pcm[PARLEY_FRAME];
	const char *out_path = NULL;
	FILE *in, *out = NULL;
	uint64_t h = 14695981039346656037ull;
	long frame = 0, seg_start = -1, segments = 0, speech_frames = 0;
	int c, frames = 0;

	if (argc > 1 && !strcmp(argv[1], "aec"))
		return dsp_run_aec(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "wake"))
		return dsp_run_wake(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "vad"))
		return run_vad(argc - 1, argv + 1);
	while ((c = getopt(argc, argv, "fo:h")) != -1) {
		switch (c) {
		case 'f':
			frames = 1;
			break;
		case 'o':
			out_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: dsp-run [-f] [-o OUT.raw] IN.raw\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: dsp-run [-f] [-o OUT.raw] IN.raw\n");
		return 2;
	}
	in = fopen(argv[optind], "rb");
	if (!in) {
		fprintf(stderr, "dsp-run: %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	if (out_path && !(out = fopen(out_path, "wb"))) {
		fprintf(stderr, "dsp-run: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	vad_config_default(&cfg);
	vad_init(&vad, &cfg);
	hpf_init(&hpf);
	while (fread(pcm, sizeof(pcm), 1, in) == 1) {
		hpf_process(&hpf, pcm, PARLEY_FRAME);
		vad_process(&vad, pcm, PARLEY_FRAME, &r);
		h = fnv(h, pcm, sizeof(pcm));
		h = fnv(h, &r.speech, 1);
		if (out && fwrite(pcm, sizeof(pcm), 1, out) != 1) {
			fprintf(stderr, "dsp-run: %s: write failed\n", out_path);
			return 1;
		}
		if (frames)
			printf("frame %ld level %.2f floor %.2f raw %d speech %d\n",
			       frame, r.level_q8 / 256.0, r.floor_q8 / 256.0,
			       r.raw, r.speech);
		if (r.onset)
			seg_start = frame - r.onset_back;
		if (seg_start >= 0 && !r.speech) {
			printf("speech %ld %ld\n", seg_start * PARLEY_FRAME_MS,
			       frame * PARLEY_FRAME_MS);
			seg_start = -1;
			segments++;
		}
		speech_frames += r.speech;
		frame++;
	}
	if (seg_start >= 0) {
		printf("speech %ld %ld\n", seg_start * PARLEY_FRAME_MS,
		       frame * PARLEY_FRAME_MS);
		segments++;
	}
	printf("frames %ld speech_frames %ld segments %ld checksum %016" PRIx64
	       "\n",
	       frame, speech_frames, segments, h);
	fclose(in);
	if (out)
		fclose(out);
	return 0;
}
