// SPDX-License-Identifier: MIT
/*
 * dsp-run aec: the echo canceller of the daemon's DSP chain over files.
 *
 *   dsp-run aec --impl fixed|speex|off --far FAR.raw --mic MIC.raw --out OUT.raw
 *               [--tail-ms 256] [--no-residual] [--ns-db N] [--agc]
 *               [--vad-out VAD.txt]
 *
 * FAR is what the loudspeaker played, MIC what the microphone heard (both
 * S16_LE mono 16 kHz, time-aligned); OUT gets the cleaned microphone signal,
 * aligned with MIC (the canceller's internal lag is taken out) and as long as
 * the shorter input.  The chain runs high-pass and canceller plus its
 * residual echo suppression; noise suppression and AGC stay off (unless
 * --ns-db / --agc turn them on) except that speexdsp's residual suppression
 * needs its preprocessor's denoiser.  --impl off runs the chain with no
 * canceller (FAR is still read, and unused).  The VAD runs; --vad-out
 * writes its decision for each frame to VAD.txt, one line of 0 or 1.
 * Prints the final ERLE estimate (fixed only) on stderr.  --times prints
 * on stdout the wall time of each stage per frame, in ns:
 * "hpf N aec N pre N vad N chain N" (the clock reads included).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/sizes.h"
#include "../hal/chain.h"
#include "dsp-run.h"

static const char usage[] =
	"usage: dsp-run aec --impl fixed|speex|off --far FAR.raw --mic MIC.raw "
	"--out OUT.raw [--tail-ms N] [--no-residual]\n"
	"       [--ns-db N] [--agc]   (the rest of the chain, for measuring)\n"
	"       [--vad-out VAD.txt]   (the VAD's decision per frame, 0 or 1)\n"
	"       [--times]             (ns per frame of each stage on stdout)\n";

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "dsp-run aec: %s%s%s\n%s", msg, arg ? ": " : "",
		arg ? arg : "", usage);
	return 2;
}

/* Reads one frame; short reads at the end of a file are padded with zeros.
 * Returns the samples read. */
static size_t frame(FILE *f, int16_t *pcm)
{
	size_t n = fread(pcm, sizeof(*pcm), PARLEY_FRAME, f);

	memset(pcm + n, 0, (PARLEY_FRAME - n) * sizeof(*pcm));
	return n;
}

int dsp_run_aec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "impl", required_argument, NULL, 'i' },
		{ "far", required_argument, NULL, 'f' },
		{ "mic", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "tail-ms", required_argument, NULL, 't' },
		{ "no-residual", no_argument, NULL, 'n' },
		{ "ns-db", required_argument, NULL, 's' },
		{ "agc", no_argument, NULL, 'a' },
		{ "times", no_argument, NULL, 'T' },
		{ "vad-out", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *far_path = NULL, *mic_path = NULL, *out_path = NULL;
	const char *vad_path = NULL;
	static struct chain ch; /* large: keep it off the stack */
	struct chain_config cfg;
	struct vad_result vr;
	int16_t far[PARLEY_FRAME], mic[PARLEY_FRAME];
	FILE *ff = NULL, *fm = NULL, *fo = NULL, *fv = NULL;
	char err[160], *end;
	long total = -1, written = 0, pos = 0, skip;
	int c, rc = 1, impl = -1, timed = 0;
	struct chain_times times = { { 0 }, 0 };

	chain_config_default(&cfg);
	cfg.ns_db = 0;
	cfg.agc = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			impl = chain_aec_parse(optarg);
			if (impl < 0)
				return bad("--impl must be fixed, speex or off",
					   optarg);
			break;
		case 'f':
			far_path = optarg;
			break;
		case 'm':
			mic_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 't':
			errno = 0;
			cfg.tail_ms = (int)strtol(optarg, &end, 10);
			if (errno || !*optarg || *end ||
			    cfg.tail_ms < PARLEY_AEC_TAIL_MIN_MS ||
			    cfg.tail_ms > PARLEY_AEC_TAIL_MAX_MS) {
				fprintf(stderr, "dsp-run aec: --tail-ms must be "
					"%d..%d, not %s\n", PARLEY_AEC_TAIL_MIN_MS,
					PARLEY_AEC_TAIL_MAX_MS, optarg);
				return 2;
			}
			break;
		case 'n':
			cfg.residual = 0;
			break;
		case 's':
			errno = 0;
			cfg.ns_db = (int)strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || cfg.ns_db < 0 ||
			    cfg.ns_db > 60) {
				fprintf(stderr, "dsp-run aec: --ns-db must be "
					"0..60, not %s\n", optarg);
				return 2;
			}
			break;
		case 'a':
			cfg.agc = 1;
			break;
		case 'T':
			timed = 1;
			break;
		case 'v':
			vad_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc)
		return bad("unexpected argument", argv[optind]);
	if (impl < 0)
		return bad("--impl is required", NULL);
	if (!far_path || !mic_path || !out_path)
		return bad("--far, --mic and --out are required", NULL);
	cfg.aec = (enum chain_aec)impl;
	if (!(ff = fopen(far_path, "rb"))) {
		fprintf(stderr, "dsp-run aec: --far %s: %s\n", far_path,
			strerror(errno));
		goto out;
	}
	if (!(fm = fopen(mic_path, "rb"))) {
		fprintf(stderr, "dsp-run aec: --mic %s: %s\n", mic_path,
			strerror(errno));
		goto out;
	}
	if (!(fo = fopen(out_path, "wb"))) {
		fprintf(stderr, "dsp-run aec: --out %s: %s\n", out_path,
			strerror(errno));
		goto out;
	}
	if (vad_path && !(fv = fopen(vad_path, "w"))) {
		fprintf(stderr, "dsp-run aec: --vad-out %s: %s\n", vad_path,
			strerror(errno));
		goto out;
	}
	if (chain_init(&ch, &cfg, err, sizeof(err))) {
		fprintf(stderr, "dsp-run aec: %s\n", err);
		goto out;
	}
	skip = chain_delay(&ch);
	if (timed)
		chain_time_stages(&ch, &times);
	for (;;) {
		size_t nf = frame(ff, far), nm = frame(fm, mic);
		int16_t keep[PARLEY_FRAME];
		size_t n = 0;

		if (total < 0 && (nf < PARLEY_FRAME || nm < PARLEY_FRAME))
			total = pos + (long)(nf < nm ? nf : nm);
		if (total >= 0 && written >= total)
			break;
		chain_process(&ch, mic, far, &vr);
		if (fv && fputs(vr.speech ? "1\n" : "0\n", fv) == EOF) {
			fprintf(stderr, "dsp-run aec: --vad-out %s: %s\n",
				vad_path, strerror(errno));
			goto out;
		}
		for (int i = 0; i < PARLEY_FRAME; i++) {
			long at = pos + i - skip; /* input index of this sample */

			if (at >= 0 && (total < 0 || at < total))
				keep[n++] = mic[i];
		}
		pos += PARLEY_FRAME;
		if (n && fwrite(keep, sizeof(*keep), n, fo) != n) {
			fprintf(stderr, "dsp-run aec: --out %s: %s\n", out_path,
				strerror(errno));
			goto out;
		}
		written += (long)n;
	}
	if (cfg.aec == CHAIN_AEC_FIXED)
		fprintf(stderr, "erle_db %.1f\n", chain_erle_q8(&ch) / 256.0);
	if (timed && times.frames) {
		uint64_t all = 0;

		for (int i = 0; i < CS_COUNT; i++)
			all += times.ns[i];
		printf("hpf %llu aec %llu pre %llu vad %llu chain %llu\n",
		       (unsigned long long)(times.ns[CS_HPF] / times.frames),
		       (unsigned long long)(times.ns[CS_AEC] / times.frames),
		       (unsigned long long)(times.ns[CS_PRE] / times.frames),
		       (unsigned long long)(times.ns[CS_VAD] / times.frames),
		       (unsigned long long)(all / times.frames));
	}
	rc = 0;
out:
	chain_free(&ch);
	if (ff)
		fclose(ff);
	if (fm)
		fclose(fm);
	if (fo && fclose(fo) && !rc) {
		fprintf(stderr, "dsp-run aec: --out %s: %s\n", out_path,
			strerror(errno));
		rc = 1;
	}
	if (fv && fclose(fv) && !rc) {
		fprintf(stderr, "dsp-run aec: --vad-out %s: %s\n", vad_path,
			strerror(errno));
		rc = 1;
	}
	return rc;
}
