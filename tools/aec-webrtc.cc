// SPDX-License-Identifier: MIT
/*
 * aec-webrtc: WebRTC's echo canceller over files, the second reference of
 * tools/aec_bench.py (speexdsp's is in dsp-run).  Debian's
 * webrtc-audio-processing 0.3 through its AudioProcessing interface:
 *
 *   aec-webrtc [--level low|moderate|high] FAR.raw MIC.raw OUT.raw
 *
 * FAR is what the loudspeaker played, MIC what the microphone heard (S16_LE
 * mono 16 kHz, time-aligned: the stream delay is 0 ms); OUT gets the
 * processed microphone, as long as the shorter input.  The canceller is the
 * full one (AEC) with the extended filter, at the suppression level given
 * (moderate, the library's default, unless told).  Only echo cancellation
 * is enabled in AudioProcessing, so the output is the canceller's own.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

namespace {

const int kRate = 16000;
const int kFrame = kRate / 100;

int usage()
{
	std::fputs("usage: aec-webrtc [--level low|moderate|high] "
		   "FAR.raw MIC.raw OUT.raw\n", stderr);
	return 2;
}

/* One 10 ms frame into f; short reads are padded with zeros. */
size_t read_frame(std::FILE *in, webrtc::AudioFrame *f)
{
	size_t n = std::fread(f->data_, sizeof(int16_t), kFrame, in);

	std::memset(f->data_ + n, 0, (kFrame - n) * sizeof(int16_t));
	f->samples_per_channel_ = kFrame;
	f->sample_rate_hz_ = kRate;
	f->num_channels_ = 1;
	return n;
}

} // namespace

int main(int argc, char **argv)
{
	webrtc::EchoCancellation::SuppressionLevel level =
		webrtc::EchoCancellation::kModerateSuppression;
	int a = 1;

	if (a + 1 < argc && !std::strcmp(argv[a], "--level")) {
		const char *l = argv[a + 1];

		if (!std::strcmp(l, "low"))
			level = webrtc::EchoCancellation::kLowSuppression;
		else if (!std::strcmp(l, "high"))
			level = webrtc::EchoCancellation::kHighSuppression;
		else if (std::strcmp(l, "moderate")) {
			std::fprintf(stderr, "aec-webrtc: --level must be low, moderate "
				     "or high, not '%s'\n", l);
			return 2;
		}
		a += 2;
	}
	if (argc - a != 3)
		return usage();
	std::FILE *far = std::fopen(argv[a], "rb");
	std::FILE *mic = std::fopen(argv[a + 1], "rb");
	std::FILE *out = std::fopen(argv[a + 2], "wb");

	if (!far || !mic || !out) {
		std::fprintf(stderr, "aec-webrtc: %s: %s\n",
			     !far ? argv[a] : !mic ? argv[a + 1] : argv[a + 2],
			     std::strerror(errno));
		return 1;
	}
	webrtc::Config config;
	config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
	webrtc::AudioProcessing *apm = webrtc::AudioProcessing::Create(config);
	webrtc::EchoCancellation *ec = apm->echo_cancellation();
	int r = ec->set_suppression_level(level);

	if (!r)
		r = ec->enable_drift_compensation(false);
	if (!r)
		r = ec->Enable(true);
	if (r) {
		std::fprintf(stderr, "aec-webrtc: cannot enable the canceller (%d)\n", r);
		return 1;
	}
	webrtc::AudioFrame ff, mf;

	for (;;) {
		size_t nf = read_frame(far, &ff), nm = read_frame(mic, &mf);
		size_t n = nf < nm ? nf : nm;

		if (n == 0)
			break;
		if (apm->ProcessReverseStream(&ff) ||
		    apm->set_stream_delay_ms(0) || apm->ProcessStream(&mf)) {
			std::fputs("aec-webrtc: processing failed\n", stderr);
			return 1;
		}
		if (std::fwrite(mf.data_, sizeof(int16_t), n, out) != n) {
			std::fprintf(stderr, "aec-webrtc: %s: %s\n", argv[a + 2],
				     std::strerror(errno));
			return 1;
		}
		if (n < static_cast<size_t>(kFrame))
			break;
	}
	delete apm;
	std::fclose(far);
	std::fclose(mic);
	return std::fclose(out) ? 1 : 0;
}
