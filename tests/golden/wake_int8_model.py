#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent model of int8 TensorFlow Lite inference, for the wake
word models: it runs a .tflite file (read by tflite_read.py) on the
features of wakefe_model.py and prints every model output.

The arithmetic restates TensorFlow Lite's reference kernels in Python
integers: tensorflow/lite/kernels/internal/common.cc and gemmlowp's
fixedpoint/fixedpoint.h (MultiplyByQuantizedMultiplier with double
rounding: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT),
quantization_util.cc (QuantizeMultiplier: frexp, round half away from
zero), kernel_util.cc (per-channel multipliers input x filter / output
scale, activation ranges), reference/integer_ops/conv.h,
depthwise_conv.h, fully_connected.h, logistic.h (gemmlowp::logistic on
Q4.27), reference/requantize.h, strided_slice_logic.h, and the resource
variable kernels (var_handle, read_variable, assign_variable, call_once).

    python3 tests/golden/wake_int8_model.py MODEL.tflite IN.raw
    python3 tests/golden/wake_int8_model.py --header [SHARED_DIR] > tests/unit/golden_wake.h

prints "FRAME OUTPUT" per inference: the number of 10 ms audio frames read
when the output was made (as dsp-run wake counts them) and the uint8
output.  The padding of the clips and the frontend are wakefe_model.py's.
"""
import math
import operator
import struct
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_read  # noqa: E402
import wakefe_model  # noqa: E402

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


def w32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def tdiv(a, b):
    """C's truncating division"""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def srdhm(a, b):
    if a == b == I32_MIN:
        return I32_MAX
    p = a * b
    return tdiv(p + ((1 << 30) if p >= 0 else 1 - (1 << 30)), 1 << 31)


def rdpot(x, e):
    mask = (1 << e) - 1
    thr = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if (x & mask) > thr else 0)


def mbqm(x, m, s):
    return rdpot(srdhm(w32(x << max(s, 0)), m), max(-s, 0))


def quantize_multiplier(real):
    if real == 0:
        return 0, 0
    q, e = math.frexp(real)
    fixed = math.floor(q * (1 << 31) + 0.5)
    if fixed == 1 << 31:
        fixed //= 2
        e += 1
    if e < -31:
        return 0, 0
    return fixed, e


# ---- gemmlowp's logistic, fixed point with n integer bits ----------------

def shl_sat(x, e):
    lim = (1 << (31 - e)) - 1
    return I32_MAX if x > lim else I32_MIN if x < -lim else x << e


def exp_on_interval(a):
    """exp(a) for a in [-1/4, 0), Q0"""
    c = 1895147668
    x = w32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    t = rdpot(w32(srdhm(w32(rdpot(x4, 2) + x3), 715827883) + x2), 1)
    return w32(c + srdhm(c, w32(x + t)))


def exp_on_negative(a):
    """a in Q4 (27 fraction bits), a <= 0; result Q0"""
    quarter = 1 << 25
    low = w32((a & (quarter - 1)) - quarter)
    res = exp_on_interval(shl_sat(low, 4))
    rem = w32(low - a)
    for bit, mult in ((25, 1672461947), (26, 1302514674), (27, 790015084),
                      (28, 290630308), (29, 39332535), (30, 720401)):
        if rem & (1 << bit):
            res = srdhm(res, mult)
    return I32_MAX if a == 0 else res


def one_over_one_plus(a):
    s = a + I32_MAX
    half = tdiv(s + (1 if s >= 0 else -1), 2)
    x = w32(1515870810 + srdhm(half, -1010580540))
    for _ in range(3):
        x = w32(x + shl_sat(srdhm(x, w32((1 << 29) - srdhm(half, x))), 2))
    return shl_sat(x, 1)


def logistic_q4(a):
    if a == 0:
        return 1 << 30
    pos = one_over_one_plus(exp_on_negative(w32(-a) if a > 0 else a))
    return pos if a > 0 else w32(I32_MAX - pos)


# ---- the graph -------------------------------------------------------------

class Runner:
    def __init__(self, path):
        self.m = tflite_read.Model(path)
        self.vars = {}
        self.values = {}
        self.done_init = False

    def const(self, sg, t):
        tt = self.m.subgraphs[sg]["tensors"][t]
        raw = self.m.buffers[tt["buffer"]]
        if not raw:
            return None
        fmt = {9: "b", 3: "B", 2: "i"}[tt["type"]]
        return list(struct.unpack(f"<{len(raw) // struct.calcsize(fmt)}{fmt}", raw))

    def get(self, sg, t):
        c = self.const(sg, t)
        return c if c is not None else self.values[(sg, t)]

    def run(self, sg):
        g = self.m.subgraphs[sg]
        T = g["tensors"]
        handles = {}
        for op in g["operators"]:
            code, ins, outs, opt = op["code"], op["inputs"], op["outputs"], op["options"]
            if code == 129:
                if not self.done_init:
                    self.done_init = True
                    self.run(opt.scalar(0, "i"))
            elif code == 142:
                handles[outs[0]] = opt.bytes(1).decode()
            elif code == 143:
                self.values[(sg, outs[0])] = list(self.vars.get(handles[ins[0]],
                                                                [0] * self.size(T[outs[0]])))
            elif code == 144:
                self.vars[handles[ins[0]]] = list(self.get(sg, ins[1]))
            elif code == 22:
                self.values[(sg, outs[0])] = list(self.get(sg, ins[0]))
            elif code in (2, 102):
                self.join(sg, op)
            elif code == 45:
                self.slice(sg, op)
            elif code in (3, 4, 9):
                self.conv(sg, op)
            elif code == 14:
                self.logistic(sg, op)
            elif code == 114:
                self.requant(sg, op)
            else:
                raise ValueError(f"operator {code}")

    @staticmethod
    def size(t):
        n = 1
        for d in t["shape"]:
            n *= d
        return n

    def join(self, sg, op):
        T = self.m.subgraphs[sg]["tensors"]
        split = op["code"] == 102
        whole = T[op["inputs"][0]] if split else T[op["outputs"][0]]
        if split:
            axis = self.const(sg, op["inputs"][2])[0]
            parts = op["outputs"]
        else:
            axis = op["options"].scalar(0, "i")
            parts = op["inputs"]
        axis %= len(whole["shape"])
        outer = 1
        for d in whole["shape"][:axis]:
            outer *= d
        inner = 1
        for d in whole["shape"][axis + 1:]:
            inner *= d
        if split:
            src, at = self.get(sg, op["inputs"][0]), 0
            res = {p: [] for p in parts}
            for o in range(outer):
                for p in parts:
                    n = T[p]["shape"][axis] * inner
                    res[p] += src[at:at + n]
                    at += n
            for p in parts:
                self.values[(sg, p)] = res[p]
        else:
            out = []
            for o in range(outer):
                for p in parts:
                    n = T[p]["shape"][axis] * inner
                    out += self.get(sg, p)[o * n:(o + 1) * n]
            self.values[(sg, op["outputs"][0])] = out

    def slice(self, sg, op):
        T = self.m.subgraphs[sg]["tensors"]
        ins = op["inputs"]
        shape = T[ins[0]]["shape"]
        b, e, s = (self.const(sg, t) for t in ins[1:4])
        bm, em = op["options"].scalar(0, "i"), op["options"].scalar(1, "i")
        ranges = []
        for d, dim in enumerate(shape):
            lo = 0 if bm >> d & 1 else b[d]
            hi = dim if em >> d & 1 else e[d]
            lo, hi = (lo + dim if lo < 0 else lo), (hi + dim if hi < 0 else hi)
            ranges.append(range(max(0, min(lo, dim)), max(0, min(hi, dim)), s[d]))
        src = self.get(sg, ins[0])
        strides = [1] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * shape[d + 1]
        out = []

        def walk(d, base):
            if d == len(shape):
                out.append(src[base])
                return
            for i in ranges[d]:
                walk(d + 1, base + i * strides[d])
        walk(0, 0)
        self.values[(sg, op["outputs"][0])] = out

    def conv(self, sg, op):
        T = self.m.subgraphs[sg]["tensors"]
        code, ins, opt = op["code"], op["inputs"], op["options"]
        it, wt, ot = T[ins[0]], T[ins[1]], T[op["outputs"][0]]
        x, w = self.get(sg, ins[0]), self.const(sg, ins[1])
        bias = self.const(sg, ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
        if code == 9:
            act = opt.scalar(0, "b")
            oc, ic = wt["shape"]
            ih = iw = fh = fw = oh = ow = sh = sw = dh = dw = 1
            pad = 1
        else:
            dwise = code == 4
            pad, sw, sh = opt.scalar(0, "b"), opt.scalar(1, "i"), opt.scalar(2, "i")
            act = opt.scalar(4 if dwise else 3, "b")
            dw, dh = opt.scalar(5 if dwise else 4, "i", 1), opt.scalar(6 if dwise else 5, "i", 1)
            _, ih, iw, ic = it["shape"]
            _, oh, ow, oc = ot["shape"]
            fh, fw = wt["shape"][1], wt["shape"][2]
        # padding.h: SAME pads half the overhang (rounded down) at the start
        ph = 0 if pad else max(0, ((oh - 1) * sh + (fh - 1) * dh + 1 - ih) // 2)
        pw = 0 if pad else max(0, ((ow - 1) * sw + (fw - 1) * dw + 1 - iw) // 2)
        zi, zo = it["zero_point"][0], ot["zero_point"][0]
        lo, hi = -128, 127
        if act == 1:
            lo = max(lo, zo)
        elif act != 0:
            raise ValueError(f"activation {act}")
        mults = []
        for c in range(oc):
            ws = wt["scale"][c if len(wt["scale"]) > 1 else 0]
            mults.append(quantize_multiplier(it["scale"][0] * ws / ot["scale"][0]))
        xs = [v - zi for v in x]
        rows = [w[c * fh * fw * ic:(c + 1) * fh * fw * ic] for c in range(oc)] if code != 4 else None
        out = [0] * (oh * ow * oc)
        for y in range(oh):
            for xo in range(ow):
                for c in range(oc):
                    acc = 0
                    for fy in range(fh):
                        iy = y * sh - ph + fy * dh
                        if not 0 <= iy < ih:
                            continue
                        for fx in range(fw):
                            ix = xo * sw - pw + fx * dw
                            if not 0 <= ix < iw:
                                continue
                            base = (iy * iw + ix) * ic
                            if code == 4:
                                m = oc // ic
                                acc += xs[base + c // m] * w[(fy * fw + fx) * oc + c]
                            else:
                                wb = (fy * fw + fx) * ic
                                acc += sum(map(operator.mul, xs[base:base + ic], rows[c][wb:wb + ic]))
                    if bias:
                        acc += bias[c]
                    v = mbqm(acc, *mults[c]) + zo
                    out[(y * ow + xo) * oc + c] = min(hi, max(lo, v))
        self.values[(sg, op["outputs"][0])] = out

    def logistic(self, sg, op):
        T = self.m.subgraphs[sg]["tensors"]
        it = T[op["inputs"][0]]
        q, shift = math.frexp(it["scale"][0] * (1 << 27))
        mult = math.floor(q * (1 << 31) + 0.5)
        radius = math.floor(15 * (1 << 27) / 2.0 ** shift)
        out = []
        for v in self.get(sg, op["inputs"][0]):
            d = v - it["zero_point"][0]
            if d <= -radius:
                out.append(-128)
            elif d >= radius:
                out.append(127)
            else:
                r = rdpot(logistic_q4(mbqm(d, mult, shift)), 23)
                out.append(min(127, max(-128, r - 128)))
        self.values[(sg, op["outputs"][0])] = out

    def requant(self, sg, op):
        T = self.m.subgraphs[sg]["tensors"]
        it, ot = T[op["inputs"][0]], T[op["outputs"][0]]
        m, s = quantize_multiplier(it["scale"][0] / ot["scale"][0])
        self.values[(sg, op["outputs"][0])] = [
            min(255, max(0, mbqm(v - it["zero_point"][0], m, s) + ot["zero_point"][0]))
            for v in self.get(sg, op["inputs"][0])]

    def invoke(self, features):
        g = self.m.subgraphs[0]
        self.values[(0, g["inputs"][0])] = features
        self.run(0)
        return self.values[(0, g["outputs"][0])][0]


def frames_int8(samples):
    """[(frames read, 40 int8 inputs)] of the frontend, as dsp-run feeds them"""
    fe, res = wakefe_model.Frontend(), []
    for i in range(0, len(samples) - 159, 160):
        f = fe.frame(samples[i:i + 160])
        if f is not None:
            res.append((i // 160 + 1, [wakefe_model.to_int8(v) for v in f]))
    return res


def outputs(model_path, samples, frames=None):
    """[(frames read, uint8 output)] for the samples, as dsp-run wake --probs;
    frames: frames_int8(samples) if already computed"""
    r = Runner(model_path)
    stride = r.m.subgraphs[0]["tensors"][r.m.subgraphs[0]["inputs"][0]]["shape"][1]
    pending, res = [], []
    for frame, f in frames if frames is not None else frames_int8(samples):
        pending += f
        if len(pending) == 40 * stride:
            res.append((frame, r.invoke(pending)))
            pending = []
    return res


MODELS = ("alexa", "hey_mycroft", "hey_jarvis", "okay_nabu", "vad")
CLIPS = ("alexa_test.wav", "hey_mycroft_test.wav")


def padded(path):
    """0.5 s of silence, the clip, 1 s of silence (test_wake.c does the same)"""
    return [0] * 8000 + wakefe_model.read_wav(path) + [0] * 16000


def header(shared):
    """tests/unit/golden_wake.h: every output of each shipped model on each
    padded clip"""
    print("/* SPDX-License-Identifier: MIT */")
    print("/* Generated by tests/golden/wake_int8_model.py --header: do not edit. */")
    print("#ifndef PARLEY_GOLDEN_WAKE_H\n#define PARLEY_GOLDEN_WAKE_H\n")
    print("#include <stdint.h>\n")
    print("static const struct golden_wake {\n\tconst char *model, *clip;\n\tint n;"
          "\n\tconst uint8_t out[128];\n} golden_wake[] = {")
    for c in CLIPS:
        samples = padded(os.path.join(shared, "testdata", "wakeword", c))
        frames = frames_int8(samples)
        for name in MODELS:
            outs = [p for _, p in outputs(os.path.join(shared, "models", "micro-wake-word",
                                                        name + ".tflite"), samples, frames)]
            assert len(outs) <= 128
            body = ", ".join(str(v) for v in outs)
            print(f'\t{{ "{name}", "{c}", {len(outs)}, {{ {body} }} }},')
    print("};\n\n#endif")


def main():
    if sys.argv[1] == "--header":
        header(sys.argv[2] if len(sys.argv) > 2 else os.path.join(wakefe_model.ROOT, "..", "shared"))
        return
    samples = wakefe_model.read_raw(sys.argv[2])
    for frame, p in outputs(sys.argv[1], samples):
        print(frame, p)


if __name__ == "__main__":
    main()
