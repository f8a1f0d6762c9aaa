/* SPDX-License-Identifier: MIT */
/*
 * A microWakeWord streaming model: the .tflite file read and checked at
 * start-up, then run frame by frame with the integer kernels of
 * dsp/wake_ops.c, in fixed memory (no heap).
 *
 * The file is untrusted: every offset, vtable, vector length and index is
 * bounds-checked, and any operator, tensor type, shape or option this
 * interpreter does not implement is refused with a message that names it.
 * Implemented: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (int8 with
 * int32 bias, zero weight zero points), LOGISTIC (int8), QUANTIZE (int8 to
 * uint8), RESHAPE, CONCATENATION, STRIDED_SLICE, SPLIT_V (same scale in
 * and out), CALL_ONCE, VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE.
 *
 * Quantised multipliers are computed at load time from the file's float
 * scales in double precision, as TensorFlow Lite's QuantizeMultiplier does
 * at prepare time (frexp, then round half away from zero): IEEE double
 * arithmetic gives the same integers on every target.
 */
#ifndef PARLEY_APP_WAKE_MODEL_H
#define PARLEY_APP_WAKE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define WAKE_MODEL_MAX_BYTES (96 * 1024) /* the largest shipped is 60 KB */
#define WAKE_ARENA_BYTES 24576 /* activations and stream state */
#define WAKE_MAX_TENSORS 160 /* over both subgraphs */
#define WAKE_MAX_OPS 96
#define WAKE_MAX_VARS 16
#define WAKE_MAX_CHANNELS 1536 /* output channels over all convolutions */
#define WAKE_MAX_INPUTS 4 /* operator inputs */
#define WAKE_MAX_DIMS 4
#define WAKE_FEATURES 40
#define WAKE_MAX_STRIDE 8 /* feature frames per inference */
/* multiply-adds per inference refused above this (the shipped models need
 * 20 000 to 60 000): a budget for the audio path, not a memory bound */
#define WAKE_MAX_MACS 1000000

struct wake_tensor {
	uint8_t type; /* TensorType */
	uint8_t dims;
	int32_t shape[WAKE_MAX_DIMS];
	int32_t bytes;
	const uint8_t *cdata; /* constant data in the file, or NULL */
	int32_t at; /* offset in the arena, -1 if none */
	int32_t zp; /* first zero point */
	double scale; /* first scale, 0 when none */
	uint32_t nscales;
	uint32_t scales; /* file offset of the scale vector's floats */
	int var; /* RESOURCE: the variable it names, -1 before VAR_HANDLE */
};

struct wake_op {
	uint8_t code;
	uint8_t sg; /* subgraph */
	int8_t nin, nout;
	int16_t in[WAKE_MAX_INPUTS], out[WAKE_MAX_INPUTS];
	union {
		struct {
			int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
			int depthwise;
			int32_t act_min, act_max;
			int ch; /* first multiplier in the pool */
		} conv;
		struct {
			int32_t radius, mult;
			int shift;
		} logistic;
		struct {
			int32_t mult;
			int shift;
		} requant;
		struct {
			int axis;
		} cat;
		struct {
			int32_t start[WAKE_MAX_DIMS], stride[WAKE_MAX_DIMS];
		} slice;
		int var;
	} p;
};

struct wake_model {
	char name[64]; /* file name without directories, for messages */
	uint8_t file[WAKE_MODEL_MAX_BYTES] __attribute__((aligned(16)));
	size_t size;
	int nsg;
	int first_tensor[2], ntensors; /* subgraph 1's tensors follow 0's */
	struct wake_tensor t[WAKE_MAX_TENSORS];
	int first_op[3]; /* ops of subgraph s: first_op[s] .. first_op[s+1] */
	struct wake_op op[WAKE_MAX_OPS];
	int nvars;
	char var_name[WAKE_MAX_VARS][48];
	int32_t var_at[WAKE_MAX_VARS], var_bytes[WAKE_MAX_VARS];
	int nch;
	int32_t mult[WAKE_MAX_CHANNELS];
	int8_t shift[WAKE_MAX_CHANNELS];
	int input, output; /* tensor indices */
	int stride; /* feature frames per inference (input [1, stride, 40]) */
	int32_t arena_used;
	int64_t macs; /* multiply-adds per inference */
	int initialised; /* CALL_ONCE has run */
	uint8_t arena[WAKE_ARENA_BYTES] __attribute__((aligned(16)));
};

/*
 * Checks the model in buf (size bytes; copied) and prepares it.  Returns 0,
 * or -1 with a message naming the file (name) and what is wrong in err.
 */
int wake_model_load(struct wake_model *m, const char *name, const void *buf,
		    size_t size, char *err, size_t errlen);

/* Reads a whole file of at most max bytes into buf; 0, or -1 with err. */
int wake_read_file(const char *path, void *buf, size_t max, size_t *n, char *err, size_t errlen);

/* Reads and loads a file. */
int wake_model_open(struct wake_model *m, const char *path, char *err, size_t errlen);

/* Starts the stream state again (the next invoke runs CALL_ONCE). */
void wake_model_reset(struct wake_model *m);

/*
 * One inference on m->stride frames of WAKE_FEATURES int8 features;
 * returns the output probability, 0..255.
 */
int wake_model_invoke(struct wake_model *m, const int8_t *features);

#endif
