#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent integer model of dsp/fft.c, written from the description in
dsp/fft.h (not from the C code): block-floating normalisation to
[2^22, 2^23), a 128-point radix-2 decimation-in-time complex FFT whose
stages halve their outputs, Q15 twiddles (32767 * cos/sin, rounded half up)
except that the twiddles 1 and -+j are applied exactly,
products rounded half up before the >> 15, and the real split/unsplit.

    tests/golden/fft_model.py > tests/golden/fft_golden.h

It recomputes the twiddle table and checks it against dsp/fft_table.h, then
writes input vectors and the exact outputs the C code must produce, which
tests/unit/test_fft.c compares bit for bit."""
import math
import os
import re
import sys

N = 256
M = 128
TOP = 22


def table():
    c = [math.floor(32767 * math.cos(2 * math.pi * k / N) + 0.5) for k in range(M)]
    s = [math.floor(32767 * math.sin(2 * math.pi * k / N) + 0.5) for k in range(M)]
    return c, s


COS, SIN = table()


def check_header():
    here = os.path.dirname(os.path.abspath(__file__))
    text = open(os.path.join(here, "..", "..", "dsp", "fft_table.h")).read()

    def arr(name):
        body = re.search(name + r"\[128\] = \{([^}]*)\}", text).group(1)
        return [int(v) for v in body.replace("\n", " ").split(",") if v.strip()]

    assert arr("fft_cos") == COS, "dsp/fft_table.h cos differs"
    assert arr("fft_sin") == SIN, "dsp/fft_table.h sin differs"


def q15(x, w):
    """(x * w) in Q15, x and w complex integer pairs; rounded half up."""
    xr, xi = x
    wr, wi = w
    re_ = (xr * wr - xi * wi + (1 << 14)) >> 15
    im_ = (xr * wi + xi * wr + (1 << 14)) >> 15
    return re_, im_


def shift_for(vals):
    mx = max(abs(v) for v in vals)
    if mx == 0:
        return 0
    return TOP - (mx.bit_length() - 1)


def sh(v, s):
    return v << s if s >= 0 else v >> -s


def brev(i):
    return int(format(i, "07b")[::-1], 2)


def cfft(z, sign):
    """z: list of M complex pairs in natural order; returns the halved DFT."""
    a = [None] * M
    for i in range(M):
        a[brev(i)] = z[i]
    size = 2
    while size <= M:
        half = size // 2
        step = N // size
        for start in range(0, M, size):
            for j in range(half):
                u = a[start + j]
                b = a[start + j + half]
                if j * step == 0:               # twiddle 1: exact
                    t = b
                elif j * step == N // 4:        # twiddle -j (fwd) / +j (inv)
                    t = (b[1], -b[0]) if sign < 0 else (-b[1], b[0])
                else:
                    t = q15(b, (COS[j * step], sign * SIN[j * step]))
                a[start + j] = ((u[0] + t[0]) >> 1, (u[1] + t[1]) >> 1)
                a[start + j + half] = ((u[0] - t[0]) >> 1, (u[1] - t[1]) >> 1)
        size *= 2
    return a


def fwd(x):
    s = shift_for(x)
    xs = [sh(v, s) for v in x]
    z = cfft([(xs[2 * n], xs[2 * n + 1]) for n in range(M)], -1)
    out = [0] * (2 * (M + 1))
    out[0] = z[0][0] + z[0][1]
    out[2 * M] = z[0][0] - z[0][1]
    for k in range(1, M):
        p, q = z[k], z[M - k]
        a = (p[0] + q[0], p[1] - q[1])          # Z[k] + conj Z[M-k]
        d = (p[0] - q[0], p[1] + q[1])          # Z[k] - conj Z[M-k]
        b = (d[1], -d[0])                       # -j d
        wb = q15(b, (COS[k], -SIN[k]))          # W^k b, W = e^{-j 2pi/N}
        out[2 * k] = (a[0] + wb[0]) >> 1
        out[2 * k + 1] = (a[1] + wb[1]) >> 1
    return out, 7 - s


def inv(spec):
    x = list(spec)
    x[1] = 0
    x[2 * M + 1] = 0
    s = shift_for(x)
    x = [sh(v, s) for v in x]
    z = [None] * M
    z[0] = ((x[0] + x[2 * M]) >> 1, (x[0] - x[2 * M]) >> 1)
    for k in range(1, M):
        p = (x[2 * k], x[2 * k + 1])
        q = (x[2 * (M - k)], x[2 * (M - k) + 1])
        a = (p[0] + q[0], p[1] - q[1])
        d = (p[0] - q[0], p[1] + q[1])
        o = q15(d, (COS[k], SIN[k]))            # W^-k d
        z[k] = ((a[0] - o[1]) >> 1, (a[1] + o[0]) >> 1)   # (a + j o) / 2
    y = cfft(z, 1)
    out = []
    for n in range(M):
        out += [y[n][0], y[n][1]]
    return out, -s


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def next(self, amp):
        self.s = (self.s * 1103515245 + 12345) & 0x7FFFFFFF
        return self.s % (2 * amp + 1) - amp


def vectors():
    r = Lcg(2026)
    v = []
    v.append(("impulse", [32767] + [0] * (N - 1)))
    v.append(("full_scale_noise", [r.next(32767) for _ in range(N)]))
    v.append(("quiet_noise", [r.next(3) for _ in range(N)]))
    v.append(("sine_and_dc", [int(math.floor(20000 * math.sin(2 * math.pi * 13.3 * n / N)
                                             + 0.5)) + 1000 for n in range(N)]))
    v.append(("wide_int32", [r.next(1 << 28) for _ in range(N)]))
    v.append(("zeros", [0] * N))
    return v


def carr(name, vals):
    rows = []
    for i in range(0, len(vals), 8):
        rows.append("\t" + ", ".join(str(v) for v in vals[i:i + 8]) + ",")
    return "static const int32_t %s[%d] = {\n%s\n};\n" % (name, len(vals), "\n".join(rows))


def main():
    check_header()
    vs = vectors()
    r = Lcg(77)
    spec_in = [r.next(1 << 24) for _ in range(2 * (M + 1))]
    o = sys.stdout
    o.write("/* SPDX-License-Identifier: MIT */\n")
    o.write("/* Generated by tests/golden/fft_model.py: do not edit. */\n")
    o.write("#include <stdint.h>\n\n")
    o.write("#define GOLDEN_FFT_VECTORS %d\n\n" % len(vs))
    for i, (name, x) in enumerate(vs):
        spec, _ = fwd(x)
        back, _ = inv(spec)
        o.write("/* %s */\n" % name)
        o.write(carr("golden_in_%d" % i, x))
        o.write(carr("golden_fwd_%d" % i, spec))
        o.write(carr("golden_inv_%d" % i, back))
        o.write("\n")
    back, e2 = inv(spec_in)
    o.write("/* an arbitrary spectrum through the inverse */\n")
    o.write(carr("golden_spec_in", spec_in))
    o.write(carr("golden_spec_out", back))
    o.write("static const int golden_spec_exp = %d;\n\n" % e2)
    o.write("static const int32_t *const golden_in[] = {%s};\n" %
            ", ".join("golden_in_%d" % i for i in range(len(vs))))
    o.write("static const int32_t *const golden_fwd[] = {%s};\n" %
            ", ".join("golden_fwd_%d" % i for i in range(len(vs))))
    o.write("static const int32_t *const golden_inv[] = {%s};\n" %
            ", ".join("golden_inv_%d" % i for i in range(len(vs))))
    o.write("static const int golden_fwd_exps[] = {%s};\n" %
            ", ".join(str(fwd(x)[1]) for _, x in vs))
    o.write("static const int golden_inv_exps[] = {%s};\n" %
            ", ".join(str(inv(fwd(x)[0])[1]) for _, x in vs))


if __name__ == "__main__":
    main()
