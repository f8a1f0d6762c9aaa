#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Golden vectors for dsp/, from independent integer models.

Each model below restates a dsp/ stage from its documented arithmetic (the
filter equation, the rounding, the table built from sin()), in Python's
unbounded integers, and computes its output for fixed inputs.  The output
is written as tests/unit/golden_dsp.h; tests/unit/test_golden.c runs the C
code on the same inputs and must match every sample.  The integration test
test_golden.py regenerates the header and requires it unchanged, so the
committed numbers are this model's, never a copy of the C output.

    python3 tests/golden/gen_vectors.py > tests/unit/golden_dsp.h
"""
import math
import sys

N = 1600  # 100 ms at 16 kHz


def lcg_noise(seed, n, amp):
    """The test input: a 32-bit LCG (Numerical Recipes constants), top 16
    bits, scaled by amp/32768; test_golden.c generates the same."""
    out, x = [], seed
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        v = (x >> 16) - 32768
        out.append((v * amp) >> 15)
    return out


def sat16(v):
    return max(-32768, min(32767, v))


def pshr(v, s):
    return (v + (1 << (s - 1))) >> s


def hpf(x):
    """y[n] = (x[n] - x[n-1]) + a*y[n-1], a = 0.985 (32276/32768), kept
    with 8 extra fraction bits; output rounded and saturated."""
    a, x1, y1, out = 32276, 0, 0, []
    for v in x:
        y = ((v - x1) << 8) + ((a * y1) >> 15)
        x1, y1 = v, y
        out.append(sat16(pshr(y, 8)))
    return out


def log2_q8(v):
    """log2 in Q8: exponent, then a 16-segment table of log2(1 + i/16)
    rounded to Q8, linearly interpolated over the 8 bits below."""
    if v == 0:
        return -256
    tab = [round(256 * math.log2(1 + i / 16)) for i in range(17)]
    k = v.bit_length() - 1
    m = (v >> (k - 12)) & 0xFFF if k >= 12 else (v << (12 - k)) & 0xFFF
    idx, frac = m >> 8, m & 0xFF
    return k * 256 + tab[idx] + (((tab[idx + 1] - tab[idx]) * frac + 128) >> 8)


def dbfs_q8(frame):
    """Mean square in dB relative to full scale (2^30), Q8, floor -100 dB;
    10*log10(2) is taken as 771/256."""
    acc = sum(v * v for v in frame) // len(frame)
    if acc == 0:
        return -100 * 256
    db = pshr((log2_q8(acc) - 30 * 256) * 771, 8)
    return max(db, -100 * 256)


QUARTER = [round(32767 * math.sin(math.pi / 2 * i / 64)) for i in range(65)]


def sin_q15(phase):
    """Quarter-wave table of round(32767 sin), linear interpolation on the
    16 bits below a 22-bit position within the quadrant."""
    q, x = phase >> 30, (phase >> 8) & 0x3FFFFF
    if q & 1:
        x = 0x400000 - x
    idx, frac = x >> 16, x & 0xFFFF
    a, b = QUARTER[idx], QUARTER[min(idx + 1, 64)]
    v = a + (((b - a) * frac) >> 16)
    return -v if q & 2 else v


def tone(hz, rate, ms, amp):
    """DDS: a Q32 phase through sin_q15; 5 ms linear ramps at both ends."""
    step = (hz << 32) // rate
    total = rate * ms // 1000
    ramp = min(rate // 200, total // 2)
    out, phase = [], 0
    for n in range(total):
        g, left = amp, total - 1 - n
        if n < ramp:
            g = g * n // ramp
        elif left < ramp:
            g = g * left // ramp
        out.append((g * sin_q15(phase)) >> 15)
        phase = (phase + step) & 0xFFFFFFFF
    return out


def tdiv(a, b):
    """C's integer division: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def gain_from_percent(p):
    """0.5 dB a percent below 100 %: r^(100 - p) in Q30 with
    r = 10^(-0.5/20) = 1013677647 / 2^30, each product rounded half up,
    then rounded to Q15; 0 % is silence."""
    if p <= 0:
        return 0
    g = 1 << 30
    for _ in range(min(p, 100), 100):
        g = pshr(g * 1013677647, 30)
    return pshr(g, 15)


def gain_ramp(x, g0, g1):
    """Sample i gets g0 + (g1 - g0)(i + 1)/n (truncated), so the last one
    has g1; each product rounded half up to Q15; unity leaves a sample."""
    n, out = len(x), []
    for i, v in enumerate(x):
        g = g1 if g0 == g1 else g0 + tdiv((g1 - g0) * (i + 1), n)
        out.append(v if g >= 32768 else pshr(v * g, 15))
    return out


def mix_mean(x, channels):
    """The mean of the channels, rounded half away from zero."""
    out = []
    for i in range(0, len(x), channels):
        s = sum(x[i:i + channels])
        h = channels // 2
        out.append((s + h) // channels if s >= 0 else -((-s + h) // channels))
    return out


# (Hz, ms, peak Q15) of each earcon's notes, as dsp/earcon.h describes
# them: a rising fourth E5 -> A5 at -10 dBFS, the falling one, and two low
# notes A4 -> F4 at -9 dBFS with a 40 ms rest between
EARCONS = {
    "start": [(659, 70, 10362), (880, 110, 10362)],
    "stop": [(880, 70, 10362), (659, 110, 10362)],
    "error": [(440, 130, 11627), (0, 40, 0), (349, 220, 11627)],
}


def earcon(notes, rate, under):
    """Each note: a sine (Q32 phase from 0, step hz 2^32 / rate, none at or
    above Nyquist) under a linear 4 ms attack and a linear decay to zero at
    the note's end, rounded half up, added to `under` with saturation."""
    out, i = list(under), 0
    for hz, ms, amp in notes:
        total = rate * ms // 1000
        attack = rate // 250
        if attack * 2 > total:
            attack = total // 2
        step = (hz << 32) // rate if hz * 2 < rate else 0
        phase = 0
        for n in range(total):
            if i >= len(out):
                return out
            g = amp * n // attack if n < attack else amp * (total - n) // (total - attack)
            v = pshr(g * sin_q15(phase), 15) if step else 0
            out[i] = sat16(out[i] + v)
            phase = (phase + step) & 0xFFFFFFFF
            i += 1
    return out


def endpoint(frames, cfg):
    """frames: (raw, speech, onset, back) per 10 ms.  Speech starts at the
    first speech frame, moved back by the VAD's onset_back when the VAD
    says the onset is here; the last raw speech frame ends it after
    silence frames; max and no-speech limits; the span adds the pre-roll
    and the tail (not past the frames seen).  Returns the event of every
    frame fed (1 silence, 2 max, 3 no speech; feeding stops at the first)
    and the span."""
    silence, maxf, nospeech, preroll, tail = cfg
    started, first, last, events = False, 0, -1, []
    for i, (raw, speech, onset, back) in enumerate(frames):
        n = i + 1
        if speech and not started:
            started, first = True, i
            if onset:
                first -= back
        if raw and speech and started:
            last = i
        if n >= maxf:
            ev = 2 if started else 3
        elif not started:
            ev = 3 if n >= nospeech else 0
        else:
            ev = 1 if n - 1 - last >= silence else 0
        events.append(ev)
        if ev:
            break
    span = [first - preroll, min(last + 1 + tail, len(events))] if started else [0, 0]
    return events, span


def vad_script(seed, n):
    """A fixed VAD decision sequence: 40 frames of quiet with stray raw
    frames, 120 of speech with short gaps, then quiet again; the smoothed
    decision has a 3-frame onset and an 8-frame hangover, and an onset is
    dated back over its raw run and a lead-in of up to 12 frames (frames
    of the script's noise over -30000 in a row)."""
    out, speech, run, hang, lead = [], 0, 0, 0, 0
    for i, v in enumerate(lcg_noise(seed, n, 32767)):
        talking = 40 <= i < 160
        raw = 1 if (talking and v > -24000) or (not talking and v > 26000) else 0
        onset = back = 0
        run = run + 1 if raw else 0
        lead = lead + 1 if v > -30000 else 0
        if raw and speech:
            hang = 8
        elif raw and run >= 3:
            speech, hang, onset = 1, 8, 1
            back = max(run - 1, min(lead - 1, 12))
        elif speech and not raw:
            if hang == 0:
                speech = 0
            else:
                hang -= 1
        out.append((raw, speech, onset, back))
    return out


def drift_loop(n, period, warmup, jitter):
    """The drift loop against a card that drains one frame every 7 periods
    (about 300 ppm at 480 frames): the delay each period is 480 less the
    frames drained plus the frames the loop inserted (dropped ones less),
    plus jitter.  The loop low-passes the delay (Q16, 1/32 a period, the
    first value taken as is), takes its value after warmup periods as the
    target, and runs a PI controller on e = target - filtered: integral +=
    e >> 7 and correction = 2e + integral, both clamped to 1000 ppm of a
    period (Q24 frames); the owed correction pays out one frame (+1
    inserted, -1 dropped) whenever it reaches a whole frame.  Returns each
    period's decision and the ppm (integral over period, truncated) after
    it."""
    one = 1 << 24
    lim = period * one // 1000
    filt = target = integ = acc = owed = 0
    steps, ppms = [], []
    for k in range(n):
        x = (480 - k // 7 + owed + jitter[k]) * 65536
        filt = x if k == 0 else filt + ((x - filt) >> 5)
        r = 0
        if k < warmup:
            if k + 1 == warmup:
                target = filt
        else:
            e = target - filt
            integ = max(-lim, min(lim, integ + (e >> 7)))
            acc += max(-lim, min(lim, e * 2 + integ))
            if acc >= one:
                acc, r = acc - one, 1
            elif acc <= -one:
                acc, r = acc + one, -1
        owed += r
        steps.append(r)
        ppms.append(tdiv(integ * 1000000, period * one))
    return steps, ppms


def stretch(x, k):
    """One frame in or out where the signal changes least: the first i
    (1..n-2) with the smallest |x[i+1] - x[i-1]|; an inserted sample is the
    mean of x[i] and x[i+1], rounded half up, after x[i]; a drop removes
    x[i]."""
    if k == 0 or len(x) < 3:
        return list(x)
    at = min(range(1, len(x) - 1), key=lambda i: (abs(x[i + 1] - x[i - 1]), i))
    if k < 0:
        return x[:at] + x[at + 1:]
    return x[:at + 1] + [pshr(x[at] + x[at + 1], 1)] + x[at + 1:]


def c_array(name, ctype, values):
    lines = [f"static const {ctype} {name}[{len(values)}] = {{"]
    for i in range(0, len(values), 12):
        lines.append("\t" + ", ".join(str(v) for v in values[i:i + 12]) + ",")
    lines.append("};")
    return "\n".join(lines)


def main():
    loud = lcg_noise(12345, N, 30000)
    # a DC offset and a step: what the high-pass is for
    biased = [sat16(v + (8000 if i >= N // 2 else 2000)) for i, v in enumerate(lcg_noise(777, N, 6000))]
    levels = [dbfs_q8(loud[i:i + 160]) for i in range(0, N, 160)]
    quiet = lcg_noise(99, N, 40)
    levels += [dbfs_q8(quiet[i:i + 160]) for i in range(0, N, 160)]
    log2s = [log2_q8(v) for v in (1, 2, 3, 1000, 4095, 4096, 65535, 1 << 30, (1 << 40) + 12345)]
    gnoise = lcg_noise(4242, 480, 32767)
    mnoise = lcg_noise(31, 960, 32767)
    ep_events, ep_span = endpoint(vad_script(2024, 400), (30, 300, 100, 20, 5))
    jitter = lcg_noise(88, 1500, 12)
    dr_step, dr_ppm = drift_loop(1500, 480, 100, jitter)
    snoise = lcg_noise(606, 160, 20000)
    out = [
        "/* SPDX-License-Identifier: MIT */",
        "/* Generated by tests/golden/gen_vectors.py from its integer models; do",
        " * not edit.  test_golden.py checks that regenerating changes nothing. */",
        "#ifndef PARLEY_GOLDEN_DSP_H",
        "#define PARLEY_GOLDEN_DSP_H",
        "#include <stdint.h>",
        f"#define GOLDEN_N {N}",
        "/* inputs: lcg_noise(12345, N, 30000) and lcg_noise(777, N, 6000) plus",
        " * 2000, then 8000 from the middle on, saturated */",
        c_array("golden_hpf_loud", "int16_t", hpf(loud)),
        c_array("golden_hpf_biased", "int16_t", hpf(biased)),
        "/* level of each 160-sample frame of the loud noise, then of",
        " * lcg_noise(99, N, 40) */",
        c_array("golden_level", "int32_t", levels),
        "/* log2 Q8 of 1, 2, 3, 1000, 4095, 4096, 65535, 2^30, 2^40 + 12345 */",
        c_array("golden_log2", "int32_t", log2s),
        "/* tone_init(1000 Hz, 16000, 30 ms, 16384) and (440 Hz, 48000, 20 ms, 32767) */",
        c_array("golden_tone_1k", "int16_t", tone(1000, 16000, 30, 16384)),
        c_array("golden_tone_440", "int16_t", tone(440, 48000, 20, 32767)),
        "/* gain_from_percent(0, 1, 10, 37, 50, 73, 99, 100, 150) */",
        c_array("golden_gain_pct", "int32_t",
                [gain_from_percent(p) for p in (0, 1, 10, 37, 50, 73, 99, 100, 150)]),
        "/* lcg_noise(4242, 480, 32767) through gain ramps: 32768 -> 9000 over",
        " * 160 samples, 9000 -> 20000 over 160, then 20000 held for 160 */",
        c_array("golden_gain_ramp", "int16_t",
                gain_ramp(gnoise[:160], 32768, 9000) + gain_ramp(gnoise[160:320], 9000, 20000)
                + gain_ramp(gnoise[320:], 20000, 20000)),
        "/* lcg_noise(31, 960, 32767) as 2, 3 and 4 interleaved channels, mixed */",
        c_array("golden_mix2", "int16_t", mix_mean(mnoise, 2)),
        c_array("golden_mix3", "int16_t", mix_mean(mnoise[:957], 3)),
        c_array("golden_mix4", "int16_t", mix_mean(mnoise, 4)),
        "/* earcons over lcg_noise(5, n, 30000) (loud, so the mix saturates):",
        " * start at 16 kHz, stop at 48 kHz, error at 16 kHz */",
        c_array("golden_earcon_start", "int16_t", earcon(EARCONS["start"], 16000, lcg_noise(5, 3200, 30000))),
        c_array("golden_earcon_stop", "int16_t", earcon(EARCONS["stop"], 48000, lcg_noise(5, 9600, 30000))),
        c_array("golden_earcon_error", "int16_t", earcon(EARCONS["error"], 16000, lcg_noise(5, 6400, 30000))),
        "/* endpoint over vad_script(2024, 400): silence 30, max 300, no speech",
        " * 100, pre-roll 20, tail 5 frames; onset 3, lead-in up to 12: events,",
        " * then the span */",
        c_array("golden_ep_events", "int8_t", ep_events),
        c_array("golden_ep_span", "int32_t", ep_span),
        "/* drift over 1500 periods of 480 frames, warm-up 100, in a closed loop:",
        " * delay 480 - k / 7 + frames inserted - dropped + lcg_noise(88, n, 12) */",
        c_array("golden_drift_step", "int8_t", dr_step),
        c_array("golden_drift_ppm", "int32_t", dr_ppm),
        "/* drift_stretch of lcg_noise(606, 160, 20000): +1 frame, then -1 */",
        c_array("golden_stretch_in", "int16_t", stretch(snoise, 1)),
        c_array("golden_stretch_out", "int16_t", stretch(snoise, -1)),
        "#endif",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
