#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Golden vectors for dsp/wake_frontend.c from an independent model.

The model restates TensorFlow Lite Micro's audio frontend as microWakeWord
uses it (tensorflow/lite/experimental/microfrontend/lib: window.c, fft.cc
with kissfft's 16-bit kiss_fft.c / kiss_fftr.c, filterbank.c,
noise_reduction.c, pcan_gain_control.c, log_scale.c, and their *_util.c for
the tables; settings from esphome/components/micro_wake_word/
preprocessor_settings.h; the int8 input from ESPHome's micro_wake_word.cpp)
in Python integers, wrapping to 16/32/64 bits where the reference's C types
do.  It builds its own tables (single-precision steps rounded through
struct's float32) and never reads dsp/wake_tables.h.

Writes tests/unit/golden_wakefe.h:

    python3 tests/golden/wakefe_model.py [SHARED_DIR] > tests/unit/golden_wakefe.h

 - the features of one second of a fixed synthetic signal (every frame);
 - for each real recording found (SHARED_DIR/testdata/wakeword/*.wav, and
   build/testdata/goforward.raw if fetched), its frame count and a 64-bit
   FNV-1a hash of the uint16 features and of the int8 inputs.
test_golden.py regenerates the header and requires it unchanged.
"""
import math
import os
import struct
import sys
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def f(x):
    """round to IEEE single precision"""
    return struct.unpack("f", struct.pack("f", x))[0]


def wrap(v, bits):
    m = 1 << bits
    v %= m
    return v - m if v >= m >> 1 else v


def i16(v):
    return wrap(v, 16)


def u32(v):
    return v & 0xFFFFFFFF


# ---- tables, from the *_util.c descriptions ------------------------------

def hann480():
    step = f(f(f(math.pi) * f(2.0)) / f(480.0))
    res = []
    for n in range(480):
        w = f(f(0.5) - f(f(0.5) * f(math.cos(f(step * f(n + 0.5))))))
        res.append(math.floor(f(f(w * 4096.0) + f(0.5))))
    return res


def kiss_twiddle(phase):
    return (math.floor(.5 + 32767 * math.cos(phase)),
            math.floor(.5 + 32767 * math.sin(phase)))


TW = [kiss_twiddle(-2 * math.pi * i / 256) for i in range(256)]
SUPER = [kiss_twiddle(-math.pi * ((i + 1) / 256 + .5)) for i in range(128)]


def to_mel(hz):
    return f(f(1127.0) * f(math.log1p(f(hz / f(700.0)))))


def mel_bank():
    """list of 41 (first_bin, [(weight, unweight), ...])"""
    lo, hi = to_mel(125.0), to_mel(7500.0)
    gap = f(f(hi - lo) / f(41.0))
    centres = [f(lo + f(gap * f(float(c + 1)))) for c in range(41)]
    per_bin = f(f(8000.0) / f(256.0))
    b = int(f(f(1.5) + f(f(125.0) / per_bin)))
    bank = []
    for c, centre in enumerate(centres):
        lower = centres[c - 1] if c else lo
        ws = []
        k = b
        while to_mel(f(k * per_bin)) <= centre:
            w = f(f(centre - to_mel(f(k * per_bin))) / f(centre - lower))
            ws.append((math.floor(f(f(w * 4096.0) + f(0.5))),
                       math.floor(f(f(f(1.0 - w) * 4096.0) + f(0.5)))))
            k += 1
        bank.append((b, ws))
        b = k
    return bank


def gain_at(x):
    """PCAN gain of noise estimate x, whose Q7 scale follows from smoothing
    bits 10 minus the correction bits 3"""
    g = f(f(2.0 ** 21) * f(f(f(float(x)) / f(128.0) + f(80.0)) ** f(-0.95)))
    if g > 32767:
        return 32767
    return int(f(g + f(0.5)))


def pcan_table():
    t = {0: gain_at(0), 1: gain_at(1)}
    for octave in range(2, 33):
        lo = 1 << (octave - 1)
        mid = lo + lo // 2
        top = 2 * lo if octave < 32 else 2 * lo - 1
        y0, y1, y2 = gain_at(lo), gain_at(mid), gain_at(top)
        a1 = 4 * (y1 - y0) - (y2 - y0)
        t[octave] = (y0, i16(a1), i16(y2 - y0 - a1))
    return t


LOG_CORR = [math.floor(65536 * (math.log2(1 + s / 128) - s / 128) + 0.5)
            for s in range(129)]
HANN = hann480()
BANK = mel_bank()
PCAN = pcan_table()
EVEN, ODD, FLOOR = (int(f(f(v) * 16384.0)) for v in (0.025, 0.06, 0.05))


# ---- the per-frame arithmetic ---------------------------------------------

def sround(p):
    return i16((p + 16384) >> 15)


def cmul(a, w):
    return (sround(a[0] * w[0] - a[1] * w[1]), sround(a[0] * w[1] + a[1] * w[0]))


def fixdiv(a, k):
    q = 32767 // k
    return (sround(a[0] * q), sround(a[1] * q))


def kiss256(x):
    """kissfft's kf_work for 256 = 4 x 4 x 4 x 4, forward, on a list of
    (re, im); returns a new list"""
    def work(src, stride, n):
        m = n // 4
        if m == 1:
            out = [src[j * stride] for j in range(4)]
        else:
            out = []
            for j in range(4):
                out += work(src[j * stride:], stride * 4, m)
        for k in range(m):
            a, b, c, d = (fixdiv(out[k + q * m], 4) for q in range(4))
            s0 = cmul(b, TW[k * stride])
            s1 = cmul(c, TW[2 * k * stride])
            s2 = cmul(d, TW[3 * k * stride])
            s5 = (i16(a[0] - s1[0]), i16(a[1] - s1[1]))
            a = (i16(a[0] + s1[0]), i16(a[1] + s1[1]))
            s3 = (i16(s0[0] + s2[0]), i16(s0[1] + s2[1]))
            s4 = (i16(s0[0] - s2[0]), i16(s0[1] - s2[1]))
            out[k + 2 * m] = (i16(a[0] - s3[0]), i16(a[1] - s3[1]))
            out[k] = (i16(a[0] + s3[0]), i16(a[1] + s3[1]))
            out[k + m] = (i16(s5[0] + s4[1]), i16(s5[1] - s4[0]))
            out[k + 3 * m] = (i16(s5[0] - s4[1]), i16(s5[1] + s4[0]))
        return out
    return work(x, 1, 256)


def real512(samples):
    z = kiss256([(samples[2 * n], samples[2 * n + 1]) for n in range(256)])
    out = [None] * 257
    dc = fixdiv(z[0], 2)
    out[0] = (i16(dc[0] + dc[1]), 0)
    out[256] = (i16(dc[0] - dc[1]), 0)
    for k in range(1, 129):
        p = fixdiv(z[k], 2)
        q = fixdiv((z[256 - k][0], i16(-z[256 - k][1])), 2)
        s = (i16(p[0] + q[0]), i16(p[1] + q[1]))
        d = (i16(p[0] - q[0]), i16(p[1] - q[1]))
        t = cmul(d, SUPER[k - 1])
        out[k] = (i16((s[0] + t[0]) >> 1), i16((s[1] + t[1]) >> 1))
        out[256 - k] = (i16((s[0] - t[0]) >> 1), i16((t[1] - s[1]) >> 1))
    return out


def nearest_sqrt(v):
    r = math.isqrt(v)
    cap = 0xFFFF if v < 1 << 32 else 0xFFFFFFFF
    return r + 1 if v - r * r > r and r != cap else r


def wide_gain(x):
    if x <= 2:
        return PCAN[x][0] if x == 2 else PCAN[x]
    octave = x.bit_length()
    y0, a1, a2 = PCAN[octave]
    fr = (x << (11 - octave) if octave < 11 else x >> (octave - 11)) & 0x3FF
    g = wrap((a2 * fr) >> 5, 32)
    g = wrap(g + wrap(u32(a1 << 5), 32), 32)
    g = wrap(g * fr, 32)
    return i16(((g + 16384) >> 15) + y0)


def natural_log(x):
    e = x.bit_length() - 1
    fr = x - (1 << e)
    fr = fr << (16 - e) if e < 16 else fr >> (e - 16)
    seg = fr >> 9
    c0, c1 = LOG_CORR[seg], LOG_CORR[seg + 1]
    l2 = u32((e << 16) + fr + c0 + (((c1 - c0) * (fr - seg * 512)) >> 16))
    le = u32((45426 * l2 + 32768) >> 16)
    return u32(((le << 6) + 32768) >> 16)


class Frontend:
    def __init__(self):
        self.buf = []
        self.noise = [0] * 40

    def frame(self, chunk):
        """160 new samples; the 40 features or None"""
        self.buf += chunk
        if len(self.buf) < 480:
            return None
        win = [i16((s * c) >> 12) for s, c in zip(self.buf, HANN)]
        self.buf = self.buf[160:]
        peak = max([abs(v) for v in win if v != -32768] + [0])
        shift = 15 - peak.bit_length()
        x = [i16((v & 0xFFFF) << shift) for v in win] + [0] * 32
        spec = real512(x)
        first, last = BANK[0][0], BANK[-1][0] + len(BANK[-1][1])
        energy = {k: wrap(spec[k][0] ** 2 + spec[k][1] ** 2, 32) for k in range(first, last)}
        sums, prev_down = [], 0
        for start, ws in BANK:
            up = prev_down + sum(w * (energy[start + j] % (1 << 64)) for j, (w, _) in enumerate(ws))
            prev_down = sum(u * (energy[start + j] % (1 << 64)) for j, (_, u) in enumerate(ws))
            sums.append(up % (1 << 64))
        ch = [nearest_sqrt(v) >> shift for v in sums[1:]]
        out = []
        for i, s in enumerate(ch):
            sm = ODD if i & 1 else EVEN
            up = u32(s << 10)
            est = u32((up * sm + self.noise[i] * (16384 - sm)) >> 14)
            self.noise[i] = est
            left = (up - min(est, up)) >> 10
            s = max(left, u32((s * FLOOR) >> 14))
            g = wide_gain(self.noise[i]) & 0xFFFFFFFF
            snr = u32((s * g) >> 6)
            shrunk = (snr * snr) >> 20 if snr < 8192 else u32((snr >> 6) - 64)
            v = u32(shrunk << 3)
            v = natural_log(v) if v > 1 else 0
            out.append(min(v, 0xFFFF))
        return out


def to_int8(v):
    return max(-128, min(127, (v * 256 + 333) // 666 - 128))


def features(samples):
    fe, rows = Frontend(), []
    for i in range(0, len(samples) - 159, 160):
        r = fe.frame(samples[i:i + 160])
        if r is not None:
            rows.append(r)
    return rows


def synthetic():
    """1 s: LCG noise at -40 dBFS, then a chirp 200..4000 Hz at -6 dBFS with
    the noise under it, then a full-scale square burst; the same generator
    is in test_wakefe.c"""
    x, out = 12345, []
    for n in range(16000):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        v = (((x >> 16) - 32768) * 328) >> 15
        if 4000 <= n < 12000:
            # a chirp from a phase accumulator and a cubic sine, integers only
            t = n - 4000
            ph = (200 * t + (3800 * t * t) // 16000) * 65536 // 16000 & 0xFFFF
            s = ph - 32768 if ph < 32768 else 98304 - ph  # triangle -32768..32767
            v += s >> 1
        elif n >= 12000:
            v = 32767 if (n // 40) & 1 else -32768
        out.append(max(-32768, min(32767, v)))
    return out


def fnv(vals, bits):
    h = 0xCBF29CE484222325
    for v in vals:
        for byte in (v & ((1 << bits) - 1)).to_bytes(bits // 8, "little"):
            h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def read_wav(path):
    with wave.open(path) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000
        data = w.readframes(w.getnframes())
    return list(struct.unpack(f"<{len(data) // 2}h", data))


def read_raw(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return list(struct.unpack(f"<{len(data) // 2}h", data[:len(data) // 2 * 2]))


def rows_c(vals, per=16):
    return "\n".join("\t" + ", ".join(str(v) for v in vals[i:i + per]) + ","
                     for i in range(0, len(vals), per))


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
    syn = features(synthetic())
    flat = [v for r in syn for v in r]
    print("/* SPDX-License-Identifier: MIT */")
    print("/* Generated by tests/golden/wakefe_model.py: do not edit. */")
    print("#ifndef PARLEY_GOLDEN_WAKEFE_H\n#define PARLEY_GOLDEN_WAKEFE_H\n")
    print("#include <stdint.h>\n")
    print(f"#define GOLDEN_WAKEFE_FRAMES {len(syn)}\n")
    print("/* features of synthetic(), frame by frame */")
    print(f"static const uint16_t golden_wakefe_synth[{len(flat)}] = {{\n{rows_c(flat)}\n}};\n")
    print("/* recordings: path under the shared data directory or the build\n"
          " * directory, frames, FNV-1a 64 of the uint16 features and of the int8\n"
          " * model inputs */")
    print("static const struct golden_wakefe_file {\n\tconst char *path;\n\tint frames;\n"
          "\tuint64_t hash16, hash8;\n} golden_wakefe_files[] = {")
    files = [("shared", "testdata/wakeword/alexa_test.wav"),
             ("shared", "testdata/wakeword/hey_mycroft_test.wav"),
             ("build", "testdata/goforward.raw")]
    for base, rel in files:
        path = os.path.join(shared if base == "shared" else os.path.join(ROOT, "build"), rel)
        if not os.path.exists(path):
            print(f"\t/* {base}:{rel} was missing when this was generated */")
            continue
        samples = read_wav(path) if path.endswith(".wav") else read_raw(path)
        rows = features(samples)
        fl = [v for r in rows for v in r]
        print(f'\t{{ "{base}:{rel}", {len(rows)}, 0x{fnv(fl, 16):016x}ull, '
              f'0x{fnv([to_int8(v) for v in fl], 8):016x}ull }},')
    print("};\n\n#endif")


if __name__ == "__main__":
    main()
