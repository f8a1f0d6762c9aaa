// SPDX-License-Identifier: MIT
/*
 * The .tflite reader and the streaming interpreter: see wake_model.h.
 * FlatBuffers layout (flatbuffers.dev, "internals"): a table starts with
 * an int32 back to its vtable; the vtable holds uint16 sizes, then one
 * uint16 offset per field (0 = absent); references are uint32 forward
 * offsets; vectors are a uint32 count then the elements.  Field order
 * from tensorflow/compiler/mlir/lite/schema/schema.fbs.
 */
#include "wake_model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../dsp/wake_ops.h"
#include "tflite_names.h"

/* TensorType */
enum { T_FLOAT32 = 0, T_INT32 = 2, T_UINT8 = 3, T_INT8 = 9, T_RESOURCE = 13 };
/* BuiltinOperator */
enum {
	OP_CONCATENATION = 2,
	OP_CONV_2D = 3,
	OP_DEPTHWISE_CONV_2D = 4,
	OP_FULLY_CONNECTED = 9,
	OP_LOGISTIC = 14,
	OP_RESHAPE = 22,
	OP_STRIDED_SLICE = 45,
	OP_SPLIT_V = 102,
	OP_QUANTIZE = 114,
	OP_CALL_ONCE = 129,
	OP_VAR_HANDLE = 142,
	OP_READ_VARIABLE = 143,
	OP_ASSIGN_VARIABLE = 144,
};
#define MAX_ELEMS 65536 /* elements of one tensor */

struct rd {
	const uint8_t *b;
	size_t n;
	struct wake_model *m;
	char *err;
	size_t errlen;
};

static int fail(struct rd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(r->err, r->errlen, "%s: ", r->m->name);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < r->errlen)
		vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t u32at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int in_file(const struct rd *r, uint64_t at, uint64_t len)
{
	return at <= r->n && len <= r->n - at;
}

/* a table: its position and its vtable's */
struct tab {
	uint32_t pos, vt, vlen, tlen;
};

static int table_at(struct rd *r, uint32_t pos, struct tab *t, const char *what)
{
	int64_t vt;

	if (!in_file(r, pos, 4) || pos % 4)
		return fail(r, "%s table at %u lies outside the file", what, pos);
	vt = (int64_t)pos - (int32_t)u32at(r->b + pos);
	if (vt < 0 || !in_file(r, (uint64_t)vt, 4) || vt % 2)
		return fail(r, "%s table at %u has a bad vtable offset", what, pos);
	t->pos = pos;
	t->vt = (uint32_t)vt;
	t->vlen = r->b[vt] | r->b[vt + 1] << 8;
	t->tlen = r->b[vt + 2] | r->b[vt + 3] << 8;
	if (t->vlen < 4 || t->vlen % 2 || !in_file(r, t->vt, t->vlen) || t->tlen < 4 ||
	    !in_file(r, pos, t->tlen))
		return fail(r, "%s table at %u has a bad vtable", what, pos);
	return 0;
}

/* the field's position, 0 if absent, -1 (failed) if it would not fit */
static int64_t field(struct rd *r, const struct tab *t, int slot, uint32_t size, const char *what)
{
	uint32_t o = 4 + 2 * (uint32_t)slot, at;

	if (o + 2 > t->vlen)
		return 0;
	at = r->b[t->vt + o] | r->b[t->vt + o + 1] << 8;
	if (!at)
		return 0;
	if (at < 4 || (uint64_t)at + size > t->tlen)
		return fail(r, "%s: field %d lies outside its table", what, slot);
	return (int64_t)t->pos + at;
}

static int scalar(struct rd *r, const struct tab *t, int slot, uint32_t size, int64_t dflt,
		  int64_t *out, const char *what)
{
	int64_t at = field(r, t, slot, size, what);
	const uint8_t *p;

	if (at < 0)
		return -1;
	if (!at) {
		*out = dflt;
		return 0;
	}
	p = r->b + at;
	switch (size) {
	case 1:
		*out = (int8_t)p[0];
		break;
	case 4:
		*out = (int32_t)u32at(p);
		break;
	default:
		*out = (int64_t)((uint64_t)u32at(p) | (uint64_t)u32at(p + 4) << 32);
	}
	return 0;
}

/* follows a reference field: target position, 0 if absent */
static int64_t ref(struct rd *r, const struct tab *t, int slot, const char *what)
{
	int64_t at = field(r, t, slot, 4, what);
	uint64_t to;

	if (at <= 0)
		return at;
	to = (uint64_t)at + u32at(r->b + at);
	if (!in_file(r, to, 4))
		return fail(r, "%s: field %d points outside the file", what, slot);
	return (int64_t)to;
}

/* a vector field: count and first element; count 0 if absent */
static int vec(struct rd *r, const struct tab *t, int slot, uint32_t elem, uint32_t max,
	       uint32_t *count, uint32_t *first, const char *what)
{
	int64_t at = ref(r, t, slot, what);
	uint32_t n;

	*count = 0;
	*first = 0;
	if (at < 0)
		return -1;
	if (!at)
		return 0;
	n = u32at(r->b + at);
	if (n > max)
		return fail(r, "%s: %u entries in field %d, at most %u handled", what, n, slot, max);
	if (!in_file(r, (uint64_t)at + 4, (uint64_t)n * elem))
		return fail(r, "%s: vector in field %d runs past the end of the file", what, slot);
	*count = n;
	*first = (uint32_t)at + 4;
	return 0;
}

/* element i of a vector of tables */
static int vec_table(struct rd *r, uint32_t first, uint32_t i, struct tab *t, const char *what)
{
	uint32_t at = first + 4 * i;
	uint64_t to = (uint64_t)at + u32at(r->b + at);

	if (to > UINT32_MAX)
		return fail(r, "%s %u points outside the file", what, i);
	return table_at(r, (uint32_t)to, t, what);
}

static const char *type_name(int type)
{
	static const char *const names[] = {
		"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
		"COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT",
		"UINT32", "UINT16", "INT4",
	};
	return type >= 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "unknown";
}

static const char *op_name(int code)
{
	return code >= 0 && code < TFLITE_BUILTIN_NAMES && tflite_builtin_names[code] ?
		       tflite_builtin_names[code] : "unnamed";
}

static float f32at(const uint8_t *p)
{
	uint32_t u = u32at(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static int elem_size(int type)
{
	switch (type) {
	case T_INT8:
	case T_UINT8:
		return 1;
	case T_INT32:
		return 4;
	case T_RESOURCE:
		return 0;
	default:
		return -1;
	}
}

/* reads one tensor of subgraph sg */
static int read_tensor(struct rd *r, const struct tab *tt, int idx, uint32_t nbuf,
		       uint32_t buffers)
{
	struct wake_model *m = r->m;
	struct wake_tensor *t = &m->t[idx];
	uint32_t n, first;
	int64_t v;
	int64_t elems = 1;
	int es;
	int64_t q;

	memset(t, 0, sizeof(*t));
	t->at = -1;
	t->var = -1;
	if (vec(r, tt, 0, 4, WAKE_MAX_DIMS, &n, &first, "tensor shape") < 0)
		return -1;
	t->dims = (uint8_t)n;
	for (uint32_t i = 0; i < n; i++) {
		int32_t d = (int32_t)u32at(r->b + first + 4 * i);

		if (d < 1 || d > MAX_ELEMS)
			return fail(r, "tensor %d has dimension %d of size %d", idx, (int)i, d);
		t->shape[i] = d;
		elems *= d;
		if (elems > MAX_ELEMS)
			return fail(r, "tensor %d has more than %d elements", idx, MAX_ELEMS);
	}
	if (scalar(r, tt, 1, 1, 0, &v, "tensor") < 0)
		return -1;
	t->type = (uint8_t)v;
	es = elem_size((int)v);
	if (es < 0)
		return fail(r, "tensor %d has type %s (%d), which is not supported", idx,
			    type_name((int)v), (int)v);
	t->bytes = (int32_t)(elems * es);
	if (scalar(r, tt, 2, 4, 0, &v, "tensor") < 0)
		return -1;
	if ((uint32_t)v >= nbuf && nbuf)
		return fail(r, "tensor %d names buffer %u of %u", idx, (uint32_t)v, nbuf);
	if (nbuf) {
		struct tab bt;
		uint32_t bn, bfirst;

		if (vec_table(r, buffers, (uint32_t)v, &bt, "buffer") < 0 ||
		    vec(r, &bt, 0, 1, WAKE_MODEL_MAX_BYTES, &bn, &bfirst, "buffer") < 0)
			return -1;
		if (scalar(r, &bt, 1, 8, 0, &q, "buffer") < 0)
			return -1;
		if (q)
			return fail(r, "buffer %u keeps its data outside the flatbuffer, which is not supported",
				    (uint32_t)v);
		if (bn) {
			if (bn != (uint32_t)t->bytes)
				return fail(r, "tensor %d holds %u bytes of data for a shape of %d bytes",
					    idx, bn, (int)t->bytes);
			t->cdata = r->b + bfirst;
		}
	}
	if (field(r, tt, 6, 4, "tensor") != 0)
		return fail(r, "tensor %d is sparse, which is not supported", idx);
	if (scalar(r, tt, 5, 1, 0, &v, "tensor") < 0)
		return -1;
	if (v)
		return fail(r, "tensor %d is a TFLite 1 variable tensor, which is not supported", idx);
	{
		int64_t qat = ref(r, tt, 4, "tensor");
		struct tab qt;

		if (qat < 0)
			return -1;
		if (qat) {
			uint32_t zn, zfirst;

			if (table_at(r, (uint32_t)qat, &qt, "quantization") < 0 ||
			    vec(r, &qt, 2, 4, MAX_ELEMS, &t->nscales, &t->scales, "quantization") < 0 ||
			    vec(r, &qt, 3, 8, MAX_ELEMS, &zn, &zfirst, "quantization") < 0)
				return -1;
			if (field(r, &qt, 5, 4, "quantization") != 0)
				return fail(r, "tensor %d has custom quantization details, which are not supported", idx);
			if (t->nscales) {
				float s = f32at(r->b + t->scales);

				if (!(s > 0) || !isfinite(s))
					return fail(r, "tensor %d has scale %g", idx, (double)s);
				t->scale = s;
			}
			if (zn) {
				int64_t z = (int64_t)((uint64_t)u32at(r->b + zfirst) |
						      (uint64_t)u32at(r->b + zfirst + 4) << 32);

				if (z < -128 || z > 255)
					return fail(r, "tensor %d has zero point %lld", idx, (long long)z);
				t->zp = (int32_t)z;
			}
		}
	}
	return 0;
}

/* TFLite's QuantizeMultiplier: m = q 2^(shift - 31), q in [2^30, 2^31) */
static int quantize_multiplier(double real, int32_t *mult, int *shift)
{
	int e;
	double q;
	int64_t fixed;

	if (real == 0) {
		*mult = 0;
		*shift = 0;
		return 0;
	}
	q = frexp(real, &e);
	fixed = (int64_t)round(q * (double)(1LL << 31));
	if (fixed == (1LL << 31)) {
		fixed /= 2;
		e++;
	}
	if (e < -31) {
		e = 0;
		fixed = 0;
	}
	if (e > 30 || fixed < 0 || fixed > INT32_MAX)
		return -1;
	*mult = (int32_t)fixed;
	*shift = e;
	return 0;
}

static int quantize_activation(int act, const struct wake_tensor *out, int32_t *lo, int32_t *hi)
{
	int32_t q0 = out->zp, q6;

	*lo = -128;
	*hi = 127;
	switch (act) {
	case 0:
		return 0;
	case 1: /* RELU */
		*lo = q0 > -128 ? q0 : -128;
		return 0;
	case 3: /* RELU6 */
		*lo = q0 > -128 ? q0 : -128;
		q6 = q0 + (int32_t)round(6.0 / out->scale);
		*hi = q6 < 127 ? q6 : 127;
		return 0;
	default:
		return -1;
	}
}

static struct wake_tensor *T(struct wake_model *m, const struct wake_op *op, int k, int in)
{
	return &m->t[m->first_tensor[op->sg] + (in ? op->in[k] : op->out[k])];
}

static int same_quant(const struct wake_tensor *a, const struct wake_tensor *b)
{
	return a->type == b->type && a->zp == b->zp && a->scale == b->scale;
}

static int var_index(struct rd *r, const char *name)
{
	struct wake_model *m = r->m;

	for (int i = 0; i < m->nvars; i++)
		if (!strcmp(m->var_name[i], name))
			return i;
	if (m->nvars == WAKE_MAX_VARS)
		return fail(r, "more than %d stream variables", WAKE_MAX_VARS);
	snprintf(m->var_name[m->nvars], sizeof(m->var_name[0]), "%s", name);
	m->var_bytes[m->nvars] = -1;
	return m->nvars++;
}

static int var_size(struct rd *r, int var, int32_t bytes)
{
	struct wake_model *m = r->m;

	if (m->var_bytes[var] < 0)
		m->var_bytes[var] = bytes;
	else if (m->var_bytes[var] != bytes)
		return fail(r, "variable %s is used with %d and %d bytes", m->var_name[var],
			    (int)m->var_bytes[var], (int)bytes);
	return 0;
}

static int32_t rd_i32(const uint8_t *p, int i)
{
	return (int32_t)u32at(p + 4 * i);
}

static int want_type(struct rd *r, const struct wake_op *op, const struct wake_tensor *t, int type,
		     const char *role)
{
	if (t->type != type)
		return fail(r, "operator %s: %s is %s, only %s is supported", op_name(op->code), role,
			    type_name(t->type), type_name(type));
	return 0;
}

static int prep_conv(struct rd *r, struct wake_op *op, const struct tab *opt)
{
	struct wake_model *m = r->m;
	struct wake_tensor *in = T(m, op, 0, 1), *w = T(m, op, 1, 1), *out = T(m, op, 0, 0);
	struct wake_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(m, op, 2, 1) : NULL;
	int fc = op->code == OP_FULLY_CONNECTED, dw = op->code == OP_DEPTHWISE_CONV_2D;
	int64_t pad = 1, sw = 1, sh = 1, act = 0, dlw = 1, dlh = 1, v;
	int oc, fh, fw, ic, ih, iw, oh, ow;

	if (want_type(r, op, in, T_INT8, "input") || want_type(r, op, w, T_INT8, "weights") ||
	    want_type(r, op, out, T_INT8, "output") ||
	    (b && want_type(r, op, b, T_INT32, "bias")))
		return -1;
	if (!w->cdata || (b && !b->cdata))
		return fail(r, "operator %s: weights and bias must be constants", op_name(op->code));
	if (fc) {
		if (opt && (scalar(r, opt, 0, 1, 0, &act, "options") || scalar(r, opt, 1, 1, 0, &v, "options")))
			return -1;
		if (opt && v)
			return fail(r, "operator FULLY_CONNECTED: weights format %d is not supported", (int)v);
		if (w->dims != 2 || out->dims < 1 || out->shape[out->dims - 1] != w->shape[0])
			return fail(r, "operator FULLY_CONNECTED: weights of shape rank %d do not fit", w->dims);
		oc = w->shape[0];
		ic = w->shape[1];
		if (in->bytes != ic || out->bytes != oc)
			return fail(r, "operator FULLY_CONNECTED: %d inputs and %d outputs for weights %dx%d (batches are not supported)",
				    (int)in->bytes, (int)out->bytes, oc, ic);
		fh = fw = ih = iw = oh = ow = 1;
	} else {
		int s = 0;

		if (opt) {
			s |= scalar(r, opt, 0, 1, 0, &pad, "options");
			s |= scalar(r, opt, 1, 4, 1, &sw, "options");
			s |= scalar(r, opt, 2, 4, 1, &sh, "options");
			s |= scalar(r, opt, dw ? 4 : 3, 1, 0, &act, "options");
			s |= scalar(r, opt, dw ? 5 : 4, 4, 1, &dlw, "options");
			s |= scalar(r, opt, dw ? 6 : 5, 4, 1, &dlh, "options");
			if (s)
				return -1;
		}
		if (in->dims != 4 || w->dims != 4 || out->dims != 4 || in->shape[0] != 1 || out->shape[0] != 1)
			return fail(r, "operator %s: only 4-D tensors of batch 1 are supported", op_name(op->code));
		if (sw < 1 || sh < 1 || dlw < 1 || dlh < 1 || sw > 64 || sh > 64 || dlw > 64 || dlh > 64)
			return fail(r, "operator %s: strides %lldx%lld, dilation %lldx%lld", op_name(op->code),
				    (long long)sh, (long long)sw, (long long)dlh, (long long)dlw);
		ih = in->shape[1];
		iw = in->shape[2];
		ic = in->shape[3];
		oh = out->shape[1];
		ow = out->shape[2];
		oc = out->shape[3];
		fh = w->shape[1];
		fw = w->shape[2];
		if (dw ? (w->shape[0] != 1 || w->shape[3] != oc || oc % ic) :
			 (w->shape[0] != oc || w->shape[3] != ic))
			return fail(r, "operator %s: weights [%d,%d,%d,%d] do not fit input channels %d and output channels %d",
				    op_name(op->code), w->shape[0], fh, fw, w->shape[3], ic, oc);
		{
			int eh = (fh - 1) * (int)dlh + 1, ew = (fw - 1) * (int)dlw + 1;
			int wh, ww;

			if (pad == 0) { /* SAME */
				wh = (ih + (int)sh - 1) / (int)sh;
				ww = (iw + (int)sw - 1) / (int)sw;
			} else if (pad == 1) { /* VALID */
				wh = (ih - eh + (int)sh) / (int)sh;
				ww = (iw - ew + (int)sw) / (int)sw;
			} else {
				return fail(r, "operator %s: padding %d is not supported", op_name(op->code), (int)pad);
			}
			if (wh != oh || ww != ow)
				return fail(r, "operator %s: output %dx%d where the input gives %dx%d",
					    op_name(op->code), oh, ow, wh, ww);
			op->p.conv.pad_h = pad ? 0 : (((oh - 1) * (int)sh + eh - ih) > 0 ? ((oh - 1) * (int)sh + eh - ih) / 2 : 0);
			op->p.conv.pad_w = pad ? 0 : (((ow - 1) * (int)sw + ew - iw) > 0 ? ((ow - 1) * (int)sw + ew - iw) / 2 : 0);
		}
	}
	if (b && b->bytes != 4 * oc)
		return fail(r, "operator %s: %d bias values for %d channels", op_name(op->code), (int)b->bytes / 4, oc);
	if (w->nscales != 1 && w->nscales != (uint32_t)oc)
		return fail(r, "operator %s: %u weight scales for %d channels", op_name(op->code), w->nscales, oc);
	if (!in->nscales || !out->nscales || !w->nscales)
		return fail(r, "operator %s: a tensor is not quantised", op_name(op->code));
	if (w->zp)
		return fail(r, "operator %s: weight zero point %d is not supported", op_name(op->code), (int)w->zp);
	if (quantize_activation((int)act, out, &op->p.conv.act_min, &op->p.conv.act_max))
		return fail(r, "operator %s: fused activation %d is not supported", op_name(op->code), (int)act);
	m->macs += (int64_t)oh * ow * oc * fh * fw * (dw ? 1 : ic);
	if (m->macs > WAKE_MAX_MACS)
		return fail(r, "needs more than %d multiply-adds per inference", WAKE_MAX_MACS);
	if (m->nch + oc > WAKE_MAX_CHANNELS)
		return fail(r, "more than %d output channels in all", WAKE_MAX_CHANNELS);
	op->p.conv.ch = m->nch;
	for (int c = 0; c < oc; c++) {
		double ws = f32at(r->b + w->scales + 4 * (w->nscales > 1 ? (uint32_t)c : 0));
		int shift;

		if (!(ws > 0) || !isfinite(ws) ||
		    quantize_multiplier((double)(float)in->scale * ws / (double)(float)out->scale,
					&m->mult[m->nch + c], &shift))
			return fail(r, "operator %s: channel %d's scale cannot be represented", op_name(op->code), c);
		m->shift[m->nch + c] = (int8_t)shift;
	}
	m->nch += oc;
	op->p.conv.stride_h = (int)sh;
	op->p.conv.stride_w = (int)sw;
	op->p.conv.dil_h = (int)dlh;
	op->p.conv.dil_w = (int)dlw;
	op->p.conv.depthwise = dw;
	return 0;
}

static int prep_slice(struct rd *r, struct wake_op *op, const struct tab *opt)
{
	struct wake_model *m = r->m;
	struct wake_tensor *in = T(m, op, 0, 1), *out = T(m, op, 0, 0);
	struct wake_tensor *bg = T(m, op, 1, 1), *en = T(m, op, 2, 1), *st = T(m, op, 3, 1);
	int64_t bm = 0, em = 0, mask = 0, off = 0;

	if (opt && (scalar(r, opt, 0, 4, 0, &bm, "options") || scalar(r, opt, 1, 4, 0, &em, "options")))
		return -1;
	for (int s = 2; opt && s <= 4; s++) {
		if (scalar(r, opt, s, 4, 0, &mask, "options"))
			return -1;
		if (mask)
			return fail(r, "operator STRIDED_SLICE: ellipsis, new-axis and shrink masks are not supported");
	}
	if (opt && scalar(r, opt, 5, 1, 0, &off, "options"))
		return -1;
	if (off)
		return fail(r, "operator STRIDED_SLICE: offset mode is not supported");
	for (int k = 1; k <= 3; k++) {
		struct wake_tensor *p = T(m, op, k, 1);

		if (p->type != T_INT32 || !p->cdata || p->bytes != 4 * in->dims)
			return fail(r, "operator STRIDED_SLICE: begin, end and strides must be constant INT32 of %d values",
				    in->dims);
	}
	if (out->dims != in->dims)
		return fail(r, "operator STRIDED_SLICE: output rank %d for input rank %d", out->dims, in->dims);
	for (int d = 0; d < in->dims; d++) {
		int32_t dim = in->shape[d], s = rd_i32(st->cdata, d), a, z;

		if (s < 1 || s > dim)
			return fail(r, "operator STRIDED_SLICE: stride %d is not supported", (int)s);
		a = (bm >> d) & 1 ? 0 : rd_i32(bg->cdata, d);
		z = (em >> d) & 1 ? dim : rd_i32(en->cdata, d);
		if (a < -dim || a > dim || z < -dim || z > dim)
			return fail(r, "operator STRIDED_SLICE: bounds %d..%d for a dimension of %d", (int)a, (int)z, (int)dim);
		if (a < 0)
			a += dim;
		if (z < 0)
			z += dim;
		if ((z > a ? (z - a + s - 1) / s : 0) != out->shape[d])
			return fail(r, "operator STRIDED_SLICE: output dimension %d is %d, the slice gives %d", d,
				    (int)out->shape[d], (int)(z > a ? (z - a + s - 1) / s : 0));
		op->p.slice.start[d] = a;
		op->p.slice.stride[d] = s;
	}
	if (!same_quant(in, out))
		return fail(r, "operator STRIDED_SLICE: input and output quantisation differ");
	return 0;
}

/* checks that the inputs (or outputs) of a concatenation or split agree */
static int prep_join(struct rd *r, struct wake_op *op, const struct tab *opt)
{
	struct wake_model *m = r->m;
	int split = op->code == OP_SPLIT_V;
	struct wake_tensor *whole = split ? T(m, op, 0, 1) : T(m, op, 0, 0);
	int nparts = split ? op->nout : op->nin;
	int64_t axis = 0, sum = 0;

	if (split) {
		struct wake_tensor *ax = T(m, op, 2, 1), *sz = T(m, op, 1, 1);

		if (op->nin != 3 || ax->type != T_INT32 || !ax->cdata || ax->bytes != 4 ||
		    sz->type != T_INT32 || !sz->cdata || sz->bytes != 4 * nparts)
			return fail(r, "operator SPLIT_V: sizes and axis must be constant INT32");
		axis = rd_i32(ax->cdata, 0);
	} else {
		int64_t act = 0;

		if (opt && (scalar(r, opt, 0, 4, 0, &axis, "options") || scalar(r, opt, 1, 1, 0, &act, "options")))
			return -1;
		if (act)
			return fail(r, "operator CONCATENATION: fused activation %d is not supported", (int)act);
	}
	if (axis < 0)
		axis += whole->dims;
	if (axis < 0 || axis >= whole->dims)
		return fail(r, "operator %s: axis %lld for rank %d", op_name(op->code), (long long)axis, whole->dims);
	for (int k = 0; k < nparts; k++) {
		struct wake_tensor *p = split ? T(m, op, k, 0) : T(m, op, k, 1);

		if (p->dims != whole->dims || !same_quant(p, whole))
			return fail(r, "operator %s: part %d differs in rank or quantisation", op_name(op->code), k);
		for (int d = 0; d < whole->dims; d++)
			if (d != axis && p->shape[d] != whole->shape[d])
				return fail(r, "operator %s: part %d has dimension %d of %d, not %d",
					    op_name(op->code), k, d, (int)p->shape[d], (int)whole->shape[d]);
		if (split) {
			int32_t want = rd_i32(T(m, op, 1, 1)->cdata, k);

			if (want != -1 && want != p->shape[axis])
				return fail(r, "operator SPLIT_V: part %d has %d along the axis, the sizes say %d", k,
					    (int)p->shape[axis], (int)want);
		}
		sum += p->shape[axis];
	}
	if (sum != whole->shape[axis])
		return fail(r, "operator %s: parts sum to %lld along axis %lld, not %d", op_name(op->code),
			    (long long)sum, (long long)axis, (int)whole->shape[axis]);
	op->p.cat.axis = (int)axis;
	return 0;
}

static int prep_op(struct rd *r, struct wake_op *op, const struct tab *opt, int has_opt)
{
	struct wake_model *m = r->m;
	const struct tab *o = has_opt ? opt : NULL;
	int conv = op->code == OP_CONV_2D || op->code == OP_DEPTHWISE_CONV_2D ||
		   op->code == OP_FULLY_CONNECTED;

	/* only a convolution's bias may be left out (-1); computed tensors
	 * live in the arena, so an output may not be a constant, and only
	 * VAR_HANDLE makes a resource */
	for (int k = 0; k < op->nin; k++)
		if (op->in[k] < 0 && !(conv && k == 2))
			return fail(r, "operator %s: input %d is missing", op_name(op->code), k);
	for (int k = 0; k < op->nout; k++) {
		struct wake_tensor *t = T(m, op, k, 0);

		if (t->cdata || (t->type == T_RESOURCE) != (op->code == OP_VAR_HANDLE))
			return fail(r, "operator %s: output %d is a constant or a resource", op_name(op->code), k);
	}
	for (int k = 0; k < op->nin; k++)
		if (op->in[k] >= 0 && T(m, op, k, 1)->type == T_RESOURCE &&
		    op->code != OP_READ_VARIABLE && op->code != OP_ASSIGN_VARIABLE)
			return fail(r, "operator %s: input %d is a resource", op_name(op->code), k);
	if (op->code != OP_CALL_ONCE && op->code != OP_VAR_HANDLE && op->code != OP_ASSIGN_VARIABLE &&
	    (op->nin < 1 || op->nout < 1))
		return fail(r, "operator %s (builtin %d) has %d inputs and %d outputs", op_name(op->code),
			    op->code, op->nin, op->nout);

	switch (op->code) {
	case OP_CONV_2D:
	case OP_DEPTHWISE_CONV_2D:
	case OP_FULLY_CONNECTED:
		if (op->nin < 2 || op->nin > 3 || op->nout != 1)
			break;
		return prep_conv(r, op, o);
	case OP_STRIDED_SLICE:
		if (op->nin != 4 || op->nout != 1)
			break;
		return prep_slice(r, op, o);
	case OP_CONCATENATION:
	case OP_SPLIT_V:
		if (op->nin < 1 || op->nout < 1 || (op->code == OP_CONCATENATION && op->nout != 1))
			break;
		return prep_join(r, op, o);
	case OP_RESHAPE: {
		struct wake_tensor *in = T(m, op, 0, 1), *out = T(m, op, 0, 0);

		if (op->nin < 1 || op->nout != 1)
			break;
		if (in->bytes != out->bytes || !same_quant(in, out) || in->type == T_RESOURCE)
			return fail(r, "operator RESHAPE: %d bytes in, %d out, or the quantisation differs",
				    (int)in->bytes, (int)out->bytes);
		return 0;
	}
	case OP_LOGISTIC: {
		struct wake_tensor *in = T(m, op, 0, 1), *out = T(m, op, 0, 0);
		int shift;
		double q;

		if (op->nin != 1 || op->nout != 1)
			break;
		if (want_type(r, op, in, T_INT8, "input") || want_type(r, op, out, T_INT8, "output"))
			return -1;
		if (out->zp != -128 || out->scale != 1.0 / 256 || in->bytes != out->bytes || !in->nscales)
			return fail(r, "operator LOGISTIC: output must have scale 1/256 and zero point -128");
		/* input scale x 2^27 (Q4.27), as tflite's logistic prepare */
		q = frexp((double)(float)in->scale * (double)(1 << 27), &shift);
		if (round(q * (double)(1LL << 31)) >= (double)(1LL << 31) || shift > 30 || shift < -31)
			return fail(r, "operator LOGISTIC: input scale %g is out of range", in->scale);
		op->p.logistic.mult = (int32_t)round(q * (double)(1LL << 31));
		op->p.logistic.shift = shift;
		op->p.logistic.radius = (int32_t)floor(15.0 * (double)(1LL << 27) / ldexp(1.0, shift));
		return 0;
	}
	case OP_QUANTIZE: {
		struct wake_tensor *in = T(m, op, 0, 1), *out = T(m, op, 0, 0);

		if (op->nin != 1 || op->nout != 1)
			break;
		if (want_type(r, op, in, T_INT8, "input") || want_type(r, op, out, T_UINT8, "output"))
			return -1;
		if (in->bytes != out->bytes || !in->nscales || !out->nscales ||
		    quantize_multiplier((double)(float)in->scale / (double)(float)out->scale,
					&op->p.requant.mult, &op->p.requant.shift))
			return fail(r, "operator QUANTIZE: shapes or scales do not fit");
		return 0;
	}
	case OP_CALL_ONCE: {
		int64_t sg = 0;

		if (op->nin || op->nout)
			return fail(r, "operator CALL_ONCE has tensors");
		if (!o)
			return fail(r, "operator CALL_ONCE has no options");
		if (scalar(r, o, 0, 4, 0, &sg, "options"))
			return -1;
		if (sg != 1 || op->sg != 0 || m->nsg != 2)
			return fail(r, "operator CALL_ONCE: init subgraph %lld is not supported", (long long)sg);
		return 0;
	}
	case OP_VAR_HANDLE: {
		int64_t at;
		char name[48];
		uint32_t n;

		if (op->nin || op->nout != 1 || !o)
			break;
		at = ref(r, o, 1, "VAR_HANDLE options");
		if (at <= 0)
			return at < 0 ? -1 : fail(r, "operator VAR_HANDLE has no shared name");
		n = u32at(r->b + at);
		if (n >= sizeof(name) || !in_file(r, (uint64_t)at + 4, n))
			return fail(r, "operator VAR_HANDLE: shared name of %u bytes", n);
		memcpy(name, r->b + at + 4, n);
		name[n] = 0;
		if (strlen(name) != n)
			return fail(r, "operator VAR_HANDLE: shared name holds a NUL byte");
		op->p.var = var_index(r, name);
		if (op->p.var < 0)
			return -1;
		T(m, op, 0, 0)->var = op->p.var;
		return 0;
	}
	case OP_READ_VARIABLE:
	case OP_ASSIGN_VARIABLE: {
		int rd = op->code == OP_READ_VARIABLE;
		struct wake_tensor *h, *v;

		if (op->nin != (rd ? 1 : 2) || op->nout != (rd ? 1 : 0))
			break;
		h = T(m, op, 0, 1);
		v = rd ? T(m, op, 0, 0) : T(m, op, 1, 1);
		if (h->type != T_RESOURCE || h->var < 0)
			return fail(r, "operator %s: its handle comes from no earlier VAR_HANDLE", op_name(op->code));
		if (v->type == T_RESOURCE)
			return fail(r, "operator %s: a variable cannot hold a resource", op_name(op->code));
		op->p.var = h->var;
		return var_size(r, h->var, v->bytes);
	}
	default:
		return fail(r, "operator %s (builtin %d) is not supported", op_name(op->code), op->code);
	}
	return fail(r, "operator %s: %d inputs and %d outputs are not supported", op_name(op->code), op->nin,
		    op->nout);
}

static int read_subgraph(struct rd *r, const struct tab *sg, int s, const int32_t *codes,
			 uint32_t ncodes, uint32_t nbuf, uint32_t buffers)
{
	struct wake_model *m = r->m;
	uint32_t nt, tfirst, no, ofirst;

	if (vec(r, sg, 0, 4, WAKE_MAX_TENSORS, &nt, &tfirst, "subgraph") < 0 ||
	    vec(r, sg, 3, 4, WAKE_MAX_OPS, &no, &ofirst, "subgraph") < 0)
		return -1;
	if (m->ntensors + (int)nt > WAKE_MAX_TENSORS)
		return fail(r, "more than %d tensors", WAKE_MAX_TENSORS);
	if (m->first_op[s] + (int)no > WAKE_MAX_OPS)
		return fail(r, "more than %d operators", WAKE_MAX_OPS);
	m->first_tensor[s] = m->ntensors;
	for (uint32_t i = 0; i < nt; i++) {
		struct tab tt;

		if (vec_table(r, tfirst, i, &tt, "tensor") < 0 ||
		    read_tensor(r, &tt, m->ntensors + (int)i, nbuf, buffers) < 0)
			return -1;
	}
	m->ntensors += (int)nt;
	for (uint32_t i = 0; i < no; i++) {
		struct wake_op *op = &m->op[m->first_op[s] + (int)i];
		struct tab ot, opt;
		uint32_t n[2], first[2];
		int64_t idx, at;

		memset(op, 0, sizeof(*op));
		op->sg = (uint8_t)s;
		if (vec_table(r, ofirst, i, &ot, "operator") < 0 || scalar(r, &ot, 0, 4, 0, &idx, "operator"))
			return -1;
		if ((uint64_t)(uint32_t)idx >= ncodes)
			return fail(r, "operator %u names operator code %u of %u", i, (uint32_t)idx, ncodes);
		if (codes[(uint32_t)idx] < 0)
			return fail(r, "custom operator %s is not supported", "(see the file's operator codes)");
		if (codes[(uint32_t)idx] > 255)
			return fail(r, "operator %s (builtin %d) is not supported", op_name(codes[(uint32_t)idx]),
				    (int)codes[(uint32_t)idx]);
		op->code = (uint8_t)codes[(uint32_t)idx];
		for (int k = 0; k < 2; k++) {
			if (vec(r, &ot, 1 + k, 4, 64, &n[k], &first[k], "operator") < 0)
				return -1;
			if (n[k] > WAKE_MAX_INPUTS)
				return fail(r, "operator %s (builtin %d) has %u %s; at most %d are supported",
					    op_name(op->code), op->code, n[k], k ? "outputs" : "inputs", WAKE_MAX_INPUTS);
			for (uint32_t j = 0; j < n[k]; j++) {
				int32_t t = (int32_t)u32at(r->b + first[k] + 4 * j);

				if (t < -1 || t >= (int32_t)nt || (t == -1 && (k || j < 2)))
					return fail(r, "operator %u names tensor %d of %u", i, (int)t, nt);
				(k ? op->out : op->in)[j] = (int16_t)t;
			}
		}
		op->nin = (int8_t)n[0];
		op->nout = (int8_t)n[1];
		at = ref(r, &ot, 4, "operator");
		if (at < 0 || (at && table_at(r, (uint32_t)at, &opt, "operator options") < 0))
			return -1;
		if (field(r, &ot, 5, 4, "operator") != 0)
			return fail(r, "operator %s has custom options, which are not supported", op_name(op->code));
		if (prep_op(r, op, &opt, at != 0) < 0)
			return -1;
	}
	m->first_op[s + 1] = m->first_op[s] + (int)no;
	if (s == 0) {
		uint32_t ni, nout, fi, fo;
		struct wake_tensor *in, *out;

		if (vec(r, sg, 1, 4, 64, &ni, &fi, "subgraph") < 0 ||
		    vec(r, sg, 2, 4, 64, &nout, &fo, "subgraph") < 0)
			return -1;
		if (ni != 1 || nout != 1)
			return fail(r, "the model has %u inputs and %u outputs, not one each", ni, nout);
		m->input = (int)u32at(r->b + fi);
		m->output = (int)u32at(r->b + fo);
		if (m->input < 0 || m->input >= (int)nt || m->output < 0 || m->output >= (int)nt)
			return fail(r, "the model's input or output names no tensor");
		in = &m->t[m->input];
		out = &m->t[m->output];
		if (in->cdata || out->cdata)
			return fail(r, "the model's input or output is a constant");
		if (in->type != T_INT8 || in->dims != 3 || in->shape[0] != 1 || in->shape[2] != WAKE_FEATURES ||
		    in->shape[1] > WAKE_MAX_STRIDE)
			return fail(r, "the input is %s of rank %d, not INT8 [1, 1..%d frames, %d]",
				    type_name(in->type), in->dims, WAKE_MAX_STRIDE, WAKE_FEATURES);
		if (out->type != T_UINT8 || out->bytes != 1)
			return fail(r, "the output is %s of %d bytes, not one UINT8", type_name(out->type),
				    (int)out->bytes);
		m->stride = in->shape[1];
	}
	return 0;
}

/* arena slices for every computed tensor, then the variables */
static int place(struct rd *r)
{
	struct wake_model *m = r->m;
	int32_t at = 0;

	for (int i = 0; i < m->ntensors; i++) {
		struct wake_tensor *t = &m->t[i];

		if (t->cdata || t->type == T_RESOURCE)
			continue;
		t->at = at;
		at += (t->bytes + 15) & ~15;
		if (at > WAKE_ARENA_BYTES)
			break;
	}
	for (int v = 0; v < m->nvars && at <= WAKE_ARENA_BYTES; v++) {
		if (m->var_bytes[v] < 0)
			return fail(r, "variable %s is never read or assigned", m->var_name[v]);
		m->var_at[v] = at;
		at += (m->var_bytes[v] + 15) & ~15;
	}
	if (at > WAKE_ARENA_BYTES)
		return fail(r, "needs more than the %d bytes of tensor arena built in", WAKE_ARENA_BYTES);
	m->arena_used = at;
	return 0;
}

int wake_model_load(struct wake_model *m, const char *name, const void *buf, size_t size,
		    char *err, size_t errlen)
{
	struct rd r = { m->file, size, m, err, errlen };
	struct tab root, t;
	uint32_t nc, cfirst, nbuf, bfirst, nsg, sfirst;
	int32_t codes[256];
	int64_t v;
	const char *base = strrchr(name, '/');

	memset(m->name, 0, sizeof(m->name));
	memset(&m->size, 0, offsetof(struct wake_model, arena) - offsetof(struct wake_model, size));
	snprintf(m->name, sizeof(m->name), "%s", base ? base + 1 : name);
	if (size < 8 || size > WAKE_MODEL_MAX_BYTES)
		return fail(&r, "%zu bytes, a model must have 8 to %d", size, WAKE_MODEL_MAX_BYTES);
	memcpy(m->file, buf, size);
	m->size = size;
	if (memcmp(m->file + 4, "TFL3", 4))
		return fail(&r, "not a TensorFlow Lite model (no TFL3 identifier)");
	if (table_at(&r, u32at(m->file), &root, "model") < 0 || scalar(&r, &root, 0, 4, 0, &v, "model"))
		return -1;
	if (v != 3)
		return fail(&r, "schema version %lld, only 3 is supported", (long long)v);
	if (vec(&r, &root, 1, 4, 256, &nc, &cfirst, "model") < 0 ||
	    vec(&r, &root, 4, 4, 4096, &nbuf, &bfirst, "model") < 0 ||
	    vec(&r, &root, 2, 4, 2, &nsg, &sfirst, "model") < 0)
		return -1;
	for (uint32_t i = 0; i < nc; i++) {
		int64_t dep, code;

		if (vec_table(&r, cfirst, i, &t, "operator code") < 0 ||
		    scalar(&r, &t, 0, 1, 0, &dep, "operator code") ||
		    scalar(&r, &t, 3, 4, 0, &code, "operator code"))
			return -1;
		if (ref(&r, &t, 1, "operator code") != 0) {
			int64_t at = ref(&r, &t, 1, "operator code");
			uint32_t n = at > 0 ? u32at(m->file + at) : 0;

			if (at < 0)
				return -1;
			if (!in_file(&r, (uint64_t)at + 4, n) || n > 40)
				n = 0;
			return fail(&r, "custom operator %.*s is not supported", (int)n,
				    (const char *)m->file + at + 4);
		}
		codes[i] = (int32_t)(code > dep ? code : dep);
		if (codes[i] < 0)
			return fail(&r, "operator code %d is not valid", (int)codes[i]);
	}
	if (nsg < 1)
		return fail(&r, "no subgraph");
	m->nsg = (int)nsg;
	for (uint32_t s = 0; s < nsg; s++)
		if (vec_table(&r, sfirst, s, &t, "subgraph") < 0 ||
		    read_subgraph(&r, &t, (int)s, codes, nc, nbuf, bfirst) < 0)
			return -1;
	if (m->first_op[1] == 0)
		return fail(&r, "the main subgraph has no operators");
	if (place(&r) < 0)
		return -1;
	wake_model_reset(m);
	return 0;
}

int wake_read_file(const char *path, void *buf, size_t max, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*n = fread(buf, 1, max, f);
	if (*n == max && fgetc(f) != EOF) {
		fclose(f);
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		return -1;
	}
	fclose(f);
	return 0;
}

int wake_model_open(struct wake_model *m, const char *path, char *err, size_t errlen)
{
	static uint8_t buf[WAKE_MODEL_MAX_BYTES];
	size_t n;

	if (wake_read_file(path, buf, sizeof(buf), &n, err, errlen))
		return -1;
	return wake_model_load(m, path, buf, n, err, errlen);
}

void wake_model_reset(struct wake_model *m)
{
	memset(m->arena, 0, sizeof(m->arena));
	m->initialised = 0;
}

static uint8_t *data(struct wake_model *m, struct wake_tensor *t)
{
	return m->arena + t->at;
}

static const uint8_t *cdata(struct wake_model *m, struct wake_tensor *t)
{
	return t->cdata ? t->cdata : m->arena + t->at;
}

static void run_join(struct wake_model *m, struct wake_op *op)
{
	int split = op->code == OP_SPLIT_V;
	struct wake_tensor *whole = split ? T(m, op, 0, 1) : T(m, op, 0, 0);
	int n = split ? op->nout : op->nin, outer = 1, inner = 1, at = 0;

	for (int d = 0; d < op->p.cat.axis; d++)
		outer *= whole->shape[d];
	for (int d = op->p.cat.axis + 1; d < whole->dims; d++)
		inner *= whole->shape[d];
	for (int o = 0; o < outer; o++)
		for (int k = 0; k < n; k++) {
			struct wake_tensor *p = split ? T(m, op, k, 0) : T(m, op, k, 1);
			int len = p->shape[op->p.cat.axis] * inner;

			if (split)
				memcpy(data(m, p) + o * len, cdata(m, whole) + at, (size_t)len);
			else
				memcpy(data(m, whole) + at, cdata(m, p) + o * len, (size_t)len);
			at += len;
		}
}

static void run_slice(struct wake_model *m, struct wake_op *op)
{
	struct wake_tensor *in = T(m, op, 0, 1), *out = T(m, op, 0, 0);
	int32_t is[WAKE_MAX_DIMS] = { 1, 1, 1, 1 }, os[WAKE_MAX_DIMS] = { 1, 1, 1, 1 };
	int32_t st[WAKE_MAX_DIMS] = { 0, 0, 0, 0 }, sd[WAKE_MAX_DIMS] = { 1, 1, 1, 1 };
	const uint8_t *src = cdata(m, in);
	uint8_t *dst = data(m, out);
	int off = WAKE_MAX_DIMS - in->dims, k = 0;

	for (int d = 0; d < in->dims; d++) {
		is[off + d] = in->shape[d];
		os[off + d] = out->shape[d];
		st[off + d] = op->p.slice.start[d];
		sd[off + d] = op->p.slice.stride[d];
	}
	for (int a = 0; a < os[0]; a++)
		for (int b = 0; b < os[1]; b++)
			for (int c = 0; c < os[2]; c++)
				for (int d = 0; d < os[3]; d++) {
					int ia = st[0] + a * sd[0], ib = st[1] + b * sd[1];
					int ic = st[2] + c * sd[2], id = st[3] + d * sd[3];

					dst[k++] = src[((ia * is[1] + ib) * is[2] + ic) * is[3] + id];
				}
}

static void run_conv(struct wake_model *m, struct wake_op *op)
{
	struct wake_tensor *in = T(m, op, 0, 1), *w = T(m, op, 1, 1), *out = T(m, op, 0, 0);
	struct wake_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(m, op, 2, 1) : NULL;
	int fc = op->code == OP_FULLY_CONNECTED;
	struct wake_conv c = {
		.in = (const int8_t *)cdata(m, in),
		.in_h = fc ? 1 : in->shape[1], .in_w = fc ? 1 : in->shape[2],
		.in_c = fc ? w->shape[1] : in->shape[3],
		.out = (int8_t *)data(m, out),
		.out_h = fc ? 1 : out->shape[1], .out_w = fc ? 1 : out->shape[2],
		.out_c = fc ? w->shape[0] : out->shape[3],
		.filter = (const int8_t *)w->cdata,
		.f_h = fc ? 1 : w->shape[1], .f_w = fc ? 1 : w->shape[2],
		.bias = b ? b->cdata : NULL,
		.stride_h = fc ? 1 : op->p.conv.stride_h, .stride_w = fc ? 1 : op->p.conv.stride_w,
		.pad_h = fc ? 0 : op->p.conv.pad_h, .pad_w = fc ? 0 : op->p.conv.pad_w,
		.dil_h = fc ? 1 : op->p.conv.dil_h, .dil_w = fc ? 1 : op->p.conv.dil_w,
		.depth_mult = op->p.conv.depthwise ? out->shape[3] / in->shape[3] : 0,
		.in_zp = in->zp, .out_zp = out->zp,
		.mult = m->mult + op->p.conv.ch, .shift = m->shift + op->p.conv.ch,
		.act_min = op->p.conv.act_min, .act_max = op->p.conv.act_max,
	};
	wake_conv_s8(&c);
}

static void run_subgraph(struct wake_model *m, int s)
{
	for (int i = m->first_op[s]; i < m->first_op[s + 1]; i++) {
		struct wake_op *op = &m->op[i];

		switch (op->code) {
		case OP_CONV_2D:
		case OP_DEPTHWISE_CONV_2D:
		case OP_FULLY_CONNECTED:
			run_conv(m, op);
			break;
		case OP_STRIDED_SLICE:
			run_slice(m, op);
			break;
		case OP_CONCATENATION:
		case OP_SPLIT_V:
			run_join(m, op);
			break;
		case OP_RESHAPE:
			memcpy(data(m, T(m, op, 0, 0)), cdata(m, T(m, op, 0, 1)),
			       (size_t)T(m, op, 0, 1)->bytes);
			break;
		case OP_LOGISTIC:
			wake_logistic_s8((const int8_t *)cdata(m, T(m, op, 0, 1)),
					 (int8_t *)data(m, T(m, op, 0, 0)), T(m, op, 0, 1)->bytes,
					 T(m, op, 0, 1)->zp, op->p.logistic.radius, op->p.logistic.mult,
					 op->p.logistic.shift);
			break;
		case OP_QUANTIZE:
			wake_requant_s8_u8((const int8_t *)cdata(m, T(m, op, 0, 1)),
					   data(m, T(m, op, 0, 0)), T(m, op, 0, 1)->bytes,
					   T(m, op, 0, 1)->zp, T(m, op, 0, 0)->zp, op->p.requant.mult,
					   op->p.requant.shift);
			break;
		case OP_CALL_ONCE:
			if (!m->initialised) {
				m->initialised = 1;
				run_subgraph(m, 1);
			}
			break;
		case OP_READ_VARIABLE:
			memcpy(data(m, T(m, op, 0, 0)), m->arena + m->var_at[op->p.var],
			       (size_t)m->var_bytes[op->p.var]);
			break;
		case OP_ASSIGN_VARIABLE:
			memcpy(m->arena + m->var_at[op->p.var], cdata(m, T(m, op, 1, 1)),
			       (size_t)m->var_bytes[op->p.var]);
			break;
		default: /* VAR_HANDLE: bound at load time */
			break;
		}
	}
}

int wake_model_invoke(struct wake_model *m, const int8_t *features)
{
	memcpy(data(m, &m->t[m->input]), features, (size_t)m->t[m->input].bytes);
	run_subgraph(m, 0);
	return data(m, &m->t[m->output])[0];
}
