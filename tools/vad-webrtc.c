// SPDX-License-Identifier: MIT
/*
 * vad-webrtc: WebRTC's VAD (Debian's libwebrtc-audio-processing) as a
 * measuring instrument for parley's own VAD; not part of parleyd.
 *
 *   vad-webrtc [--mode 0-3] < in.raw
 *
 * Reads 16 kHz mono S16_LE raw audio on stdin and prints one line per
 * 10 ms frame: 1 for speech, 0 for not.  The library ships no header, so
 * the few entry points used are declared here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct WebRtcVadInst VadInst;

VadInst *WebRtcVad_Create(void);
void WebRtcVad_Free(VadInst *inst);
int WebRtcVad_Init(VadInst *inst);
int WebRtcVad_set_mode(VadInst *inst, int mode);
int WebRtcVad_Process(VadInst *inst, int fs, const int16_t *frame,
		      size_t len);

#define FRAME 160

int main(int argc, char **argv)
{
	int16_t pcm[FRAME];
	VadInst *vad;
	int mode = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			char *end;
			long m = strtol(argv[++i], &end, 10);

			if (*end || m < 0 || m > 3) {
				fprintf(stderr, "vad-webrtc: --mode '%s': "
					"expected 0, 1, 2 or 3\n", argv[i]);
				return 2;
			}
			mode = (int)m;
		} else {
			fprintf(stderr, "usage: vad-webrtc [--mode 0-3] "
				"< in.raw (16 kHz mono S16_LE)\n");
			return 2;
		}
	}
	vad = WebRtcVad_Create();
	if (!vad || WebRtcVad_Init(vad) || WebRtcVad_set_mode(vad, mode)) {
		fprintf(stderr, "vad-webrtc: cannot set up the WebRTC VAD\n");
		return 1;
	}
	while (fread(pcm, sizeof(pcm), 1, stdin) == 1) {
		int r = WebRtcVad_Process(vad, 16000, pcm, FRAME);

		if (r < 0) {
			fprintf(stderr, "vad-webrtc: WebRtcVad_Process failed\n");
			return 1;
		}
		printf("%d\n", r);
	}
	WebRtcVad_Free(vad);
	return 0;
}
