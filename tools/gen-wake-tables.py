#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes dsp/wake_tables.h: the constant tables of the wake word frontend
(dsp/wake_frontend.c), the audio frontend of TensorFlow Lite Micro
(tensorflow/lite/experimental/microfrontend/lib) as microWakeWord configures
it: 16 kHz, 30 ms Hann window every 10 ms, 512-point FFT, 40 mel channels
from 125 to 7500 Hz, noise reduction, PCAN gain control, log scale.

    tools/gen-wake-tables.py > dsp/wake_tables.h

TFLite Micro builds these tables at start-up in single precision (cosf,
log1pf, powf: window_util.c, filterbank_util.c, pcan_gain_control_util.c)
and the FFT's twiddles in double precision (kissfft's kiss_fft_alloc and
kiss_fftr_alloc).  This script repeats each single-precision step with
every intermediate rounded to float32 (struct's 'f'), so the integers it
writes are the ones their init code computes; the C code then never needs
a float.  tests/golden/wakefe_model.py derives the same tables on its own
and holds the frontend's output to it."""
import math
import struct

RATE = 16000
WIN = 480           # 30 ms
FFT = 512
CHANNELS = 40
LOW_HZ, HIGH_HZ = 125.0, 7500.0
WINDOW_BITS = 12    # window.h: kFrontendWindowBits
FB_BITS = 12        # filterbank.h: kFilterbankBits
NR_BITS = 14        # noise_reduction.h: kNoiseReductionBits
LOG_SEG = 128       # log_lut.h: 128 segments of log2(1 + x) - x, Q16
PCAN_STRENGTH, PCAN_OFFSET, PCAN_GAIN_BITS = 0.95, 80.0, 21
SMOOTHING_BITS = 10
PCAN_FN_BITS = 32   # pcan_gain_control_util.h: kWideDynamicFunctionBits


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def window():
    """0.5 - 0.5 cos(2 pi (i + 0.5) / 480), Q12, rounded half up."""
    arg = f32(f32(f32(math.pi) * 2.0) / f32(WIN))
    out = []
    for i in range(WIN):
        c = f32(math.cos(f32(arg * f32(i + 0.5))))
        v = f32(0.5 - f32(0.5 * c))
        out.append(math.floor(f32(f32(v * (1 << WINDOW_BITS)) + 0.5)))
    return out


def kiss_cexp(phase):
    """kissfft's fixed-point twiddle: floor(0.5 + 32767 cos), same for sin."""
    return (math.floor(0.5 + 32767 * math.cos(phase)),
            math.floor(0.5 + 32767 * math.sin(phase)))


def twiddles():
    n = FFT // 2
    return [kiss_cexp(-2 * math.pi * i / n) for i in range(n)]


def super_twiddles():
    n = FFT // 2
    return [kiss_cexp(-math.pi * ((i + 1) / n + 0.5)) for i in range(n // 2)]


def mel(f):
    return f32(1127.0 * f32(math.log1p(f32(f / 700.0))))


def filterbank():
    """Per channel (41: the channels' edges): first FFT bin, bin count, and
    the Q12 weight and 1 - weight of each bin."""
    n = CHANNELS + 1
    lo, hi = mel(f32(LOW_HZ)), mel(f32(HIGH_HZ))
    spacing = f32(f32(hi - lo) / f32(n))
    centre = [f32(lo + f32(spacing * f32(i + 1))) for i in range(n)]
    hz_per_bin = f32(f32(0.5 * RATE) / f32(f32(FFT // 2 + 1) - 1))
    first = int(f32(1.5 + f32(LOW_HZ / hz_per_bin)))
    starts, widths, w, u = [], [], [], []
    b = first
    for ch in range(n):
        e = b
        while mel(f32(e * hz_per_bin)) <= centre[ch]:
            e += 1
        starts.append(b)
        widths.append(e - b)
        below = lo if ch == 0 else centre[ch - 1]
        for k in range(b, e):
            wt = f32(f32(centre[ch] - mel(f32(k * hz_per_bin))) / f32(centre[ch] - below))
            w.append(math.floor(f32(f32(wt * (1 << FB_BITS)) + 0.5)))
            u.append(math.floor(f32(f32(f32(1.0 - wt) * (1 << FB_BITS)) + 0.5)))
        b = e
    return starts, widths, w, u


def log_lut():
    """log2(1 + i/128) - i/128 in Q16, rounded half up, i = 0..128."""
    return [math.floor((math.log2(1 + i / LOG_SEG) - i / LOG_SEG) * 65536 + 0.5)
            for i in range(LOG_SEG + 1)]


def pcan_gain(x, input_bits):
    xf = f32(f32(float(x)) / f32(1 << input_bits))
    g = f32(f32(1 << PCAN_GAIN_BITS) * f32(f32(xf + f32(PCAN_OFFSET)) ** -f32(PCAN_STRENGTH)))
    return 32767 if g > 32767 else int(f32(g + 0.5))


def s16(v):
    return (v + 32768) % 65536 - 32768


def pcan_lut():
    """The gain 2^21 (x + 80)^-0.95 of the noise estimate x (Q7): its value
    at 0 and 1, then per octave 2..32 a quadratic through its start, middle
    and end: y0, a1 = 4 (y1 - y0) - (y2 - y0), a2 = (y2 - y0) - a1, at
    index 4 * octave - 6."""
    fft_bits = FFT.bit_length() - 1
    input_bits = SMOOTHING_BITS - (fft_bits - FB_BITS // 2)
    lut = [0] * (4 * PCAN_FN_BITS - 3)
    lut[0], lut[1] = pcan_gain(0, input_bits), pcan_gain(1, input_bits)
    for octave in range(2, PCAN_FN_BITS + 1):
        x0 = 1 << (octave - 1)
        x1 = x0 + (x0 >> 1)
        x2 = x0 + (x0 - 1) if octave == PCAN_FN_BITS else 2 * x0
        y0, y1, y2 = (pcan_gain(x, input_bits) for x in (x0, x1, x2))
        a1 = 4 * (y1 - y0) - (y2 - y0)
        base = 4 * octave - 6
        lut[base], lut[base + 1], lut[base + 2] = y0, s16(a1), s16((y2 - y0) - a1)
    return lut


def q14(v):
    """A float config value times 2^14, truncated as C's float -> uint16."""
    return int(f32(f32(v) * (1 << NR_BITS)))


def rows(vals, per=12):
    return "\n".join("\t" + ", ".join(str(v) for v in vals[i:i + per]) + ","
                     for i in range(0, len(vals), per))


def table(ctype, name, vals, note):
    return f"/* {note} */\nstatic const {ctype} {name}[{len(vals)}] = {{\n{rows(vals)}\n}};\n"


def main():
    starts, widths, w, u = filterbank()
    tw = twiddles()
    st = super_twiddles()
    print("/* SPDX-License-Identifier: MIT */")
    print("/* Generated by tools/gen-wake-tables.py: do not edit. */")
    print("#ifndef PARLEY_DSP_WAKE_TABLES_H\n#define PARLEY_DSP_WAKE_TABLES_H\n")
    print("#include <stdint.h>\n")
    print(f"#define WAKE_FB_FIRST_BIN {starts[0]}")
    print(f"#define WAKE_FB_END_BIN {starts[-1] + widths[-1]}")
    print(f"#define WAKE_FB_WEIGHTS {len(w)}")
    print(f"#define WAKE_NR_EVEN {q14(0.025)} /* 0.025 x 2^14 */")
    print(f"#define WAKE_NR_ODD {q14(0.06)} /* 0.06 x 2^14 */")
    print(f"#define WAKE_NR_MIN_REMAINING {q14(0.05)} /* 0.05 x 2^14 */\n")
    print(table("int16_t", "wake_window", window(), "Hann window, Q12"))
    print(table("int16_t", "wake_tw_re", [c for c, _ in tw], "cos(-2 pi k / 256), x 32767"))
    print(table("int16_t", "wake_tw_im", [s for _, s in tw], "sin(-2 pi k / 256), x 32767"))
    print(table("int16_t", "wake_stw_re", [c for c, _ in st],
                "cos(-pi ((k + 1) / 256 + 1/2)), x 32767"))
    print(table("int16_t", "wake_stw_im", [s for _, s in st],
                "sin(-pi ((k + 1) / 256 + 1/2)), x 32767"))
    print(table("int16_t", "wake_fb_start", starts, "first FFT bin of each channel edge"))
    print(table("int16_t", "wake_fb_width", widths, "FFT bins of each channel edge"))
    print(table("int16_t", "wake_fb_weight", w, "weights of the bins, Q12"))
    print(table("int16_t", "wake_fb_unweight", u, "1 - weight, Q12"))
    print(table("uint16_t", "wake_log_lut", log_lut(), "log2(1 + i/128) - i/128, Q16"))
    print(table("int16_t", "wake_pcan_lut", pcan_lut(), "PCAN gain, piecewise quadratic"))
    print("#endif")


if __name__ == "__main__":
    main()
