/* SPDX-License-Identifier: MIT */
/* dsp-run's subcommands, one tools/dsp-run-<name>.c each. */
#ifndef PARLEY_TOOLS_DSP_RUN_H
#define PARLEY_TOOLS_DSP_RUN_H

/* dsp-run aec --impl fixed|speex --far F --mic M --out O [--tail-ms N]
 * [--no-residual]; argv[0] is "aec". */
int dsp_run_aec(int argc, char **argv);

/* dsp-run wake --model FILE.tflite [--manifest FILE.json] [--probs] < in.raw;
 * argv[0] is "wake". */
int dsp_run_wake(int argc, char **argv);

#endif
