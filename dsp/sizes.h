/* SPDX-License-Identifier: MIT */
/*
 * The limits header: every fixed buffer in parley is sized here, at compile
 * time.  Configuration may choose smaller values, never larger; a larger
 * value is a configuration error that names the key and the limit.
 */
#ifndef PARLEY_DSP_SIZES_H
#define PARLEY_DSP_SIZES_H

/* The DSP chain: 16 kHz mono S16, 10 ms frames. */
#define PARLEY_RATE 16000
#define PARLEY_FRAME 160 /* samples per 10 ms frame */
#define PARLEY_FRAME_MS 10

/* Echo canceller tail: 32 ms up to this (dsp.aec_tail_ms). */
#define PARLEY_AEC_TAIL_MIN_MS 32
#define PARLEY_AEC_TAIL_MAX_MS 512

/* Playback may run at the device's rate; periods stay 10 ms. */
#define PARLEY_PLAY_RATE_MIN 8000
#define PARLEY_PLAY_RATE_MAX 48000
#define PARLEY_PLAY_PERIOD_MAX (PARLEY_PLAY_RATE_MAX / 100) /* 480 */
/* Playback device buffer: at most 3 periods, so barge-in stays quick. */
#define PARLEY_PLAY_PERIODS_MAX 3

/* Capture may run at another rate (resampled to 16 kHz) and channel count. */
#define PARLEY_CAP_RATE_MIN 8000
#define PARLEY_CAP_RATE_MAX 48000
#define PARLEY_CAP_PERIOD_MAX (PARLEY_CAP_RATE_MAX / 100) /* 480 */
#define PARLEY_CAP_CHANNELS_MAX 8

/* Capture frames queued from the audio thread to the control thread: 1.28 s. */
#define PARLEY_CAP_RING_FRAMES 128
/* PCM queued from the synth worker to the audio thread: 2.7 s at 48 kHz. */
#define PARLEY_PLAY_RING_SAMPLES (1u << 17)

/* One utterance: at most 30 s of 16 kHz audio (960 000 bytes). */
#define PARLEY_UTT_MAX_MS 30000
#define PARLEY_UTT_MAX_SAMPLES (PARLEY_UTT_MAX_MS * (PARLEY_RATE / 1000))
/* Audio kept from before the button press (pre-roll). */
#define PARLEY_PREROLL_MAX_MS 500
#define PARLEY_PREROLL_MAX_FRAMES (PARLEY_PREROLL_MAX_MS / PARLEY_FRAME_MS)
/* the longest lead-in the VAD dates an onset back over (vad.lookback_ms) */
#define PARLEY_LOOKBACK_MAX_MS 500
/* The capture kept from before listening starts: a voice barge-in needs the
 * speech that made it (up to barge_in.min_speech_ms, 1 s, and the VAD's
 * confirmation), its lead-in and the pre-roll: 2 s, 64 000 bytes. */
#define PARLEY_RECENT_MS (1000 + PARLEY_LOOKBACK_MAX_MS + PARLEY_PREROLL_MAX_MS)
#define PARLEY_RECENT_FRAMES (PARLEY_RECENT_MS / PARLEY_FRAME_MS)

/* Text. */
#define PARLEY_TRANSCRIPT_MAX 2048 /* bytes of one transcript */
#define PARLEY_SENTENCE_MAX 512 /* bytes of one spoken sentence */
#define PARLEY_ANSWER_MAX 16384 /* bytes of one stored answer */
#define PARLEY_LINE_MAX 65536 /* one NDJSON line from the LLM */
#define PARLEY_HTTP_BODY_MAX 65536 /* one non-streamed HTTP reply */
#define PARLEY_HISTORY_CHARS_MAX 16384 /* history sent with a request */
#define PARLEY_PROMPT_MAX 2048 /* the system prompt */
#define PARLEY_REQUEST_MAX 65536 /* one JSON request body */
#define PARLEY_SYNTH_QUEUE 16 /* sentences waiting for TTS */
#define PARLEY_JSON_ARENA (256 * 1024) /* cJSON arena, reset per message */

/*
 * Device tools (app/tools.c, app/timers.c): timers and facts live in the
 * store, these bound what is held and sent.
 */
#define PARLEY_TIMERS_MAX 16 /* timers and alarms pending or ringing */
#define PARLEY_TIMER_LABEL_MAX 64 /* bytes of a timer's label */
#define PARLEY_FACT_MAX 256 /* bytes of one remembered fact */
#define PARLEY_FACTS_MAX 64 /* facts kept in the store */
#define PARLEY_FACTS_CHARS_MAX 4096 /* facts text in the system prompt */
#define PARLEY_TOOL_CALLS_MAX 8 /* tool calls in one reply of the model */
#define PARLEY_TOOL_ROUNDS_MAX 4 /* replies with tool calls in one turn */
#define PARLEY_TOOL_ARGS_MAX 1024 /* JSON arguments of one call */
#define PARLEY_TOOL_RESULT_MAX 1024 /* text of one tool result */

/* Console. */
#define PARLEY_CONSOLE_LINE_MAX 1024
#define PARLEY_CONSOLE_CLIENTS 8

#endif
