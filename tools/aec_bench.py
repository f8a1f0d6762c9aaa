#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Echo canceller benchmark: ours (fixed point) against speexdsp's at its best
setting (256 ms filter + residual suppression) and, where tools/aec-webrtc
is built (make vad-instruments), WebRTC's AEC with its extended filter at
high suppression (aec.webrtc.*) and at its default, moderate
(aec.webrtc_default.*), on real speech.

    tools/aec_bench.py --build build/aec [--quick]

Prints one flat JSON object (keys aec.*, dsp.*).  measure(build) returns it
as a dict for tools/bench.py, which requires the WebRTC reference
(measure(build, need_webrtc=True)).

Before WebRTC's canceller is measured against, check_webrtc() shows that
the instrument works: it names a bad option, its lag is found, and it takes
more than 10 dB of real echo out (6 s of LibriVox through street2 at
-20 dBFS, noise at -65 dBFS, ERLE after 2 s).  If not, the bench stops
with the reason rather than print figures against a broken reference.

Signals (16 kHz mono): the far end is LibriVox speech (one female reader);
its echo is the far end convolved with (a) the measured street2-L impulse
response (jconvolver) or (b) a synthetic 300 ms room (deterministic decaying
noise, 60 dB decay over 300 ms, 2 ms direct delay), scaled to -20 dBFS RMS,
plus white noise at -65 dBFS.  The near end in double talk is another
talker (the JFK recording) at the echo's level.  Convolution is sox's fir.

Figures:
  erle_db           10 log10(mic energy / output energy) after 2 s, far end only
  t10_ms            first time a 0.25 s window reaches 10 dB ERLE
  dt_near_snr_db    double talk: near-end speech vs everything else in the
                    output, after a least-squares gain fit of the clean near end
  dt_near_level_db  that gain in dB (0 = the near-end voice kept its level)
  linear.*          the same without residual echo suppression
  reconverge_ms     after the echo path changes mid-file, time until a 0.5 s
                    window reaches 10 dB again
  instr_per_frame   callgrind instructions per 10 ms frame of aec_process
                    (ours) or speex_echo_cancellation + speex_preprocess_run
                    or WebRTC's ProcessStream + ProcessReverseStream;
                    dsp.*chain.*: chain_process with NS (15 dB) and AGC on
                    (inclusive, callgrind_annotate), and dsp.*chain.STAGE.*:
                    each stage's share of that same run
                    (hpf, aec, pre = speexdsp's preprocessor, vad)
"""
import argparse
import array
import json
import math
import os
import re
import subprocess
import sys
import tempfile

RATE = 16000
FRAME = 160


def read_s16(path):
    a = array.array("h")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return list(a)


def write_s16(path, x):
    a = array.array("h", [max(-32768, min(32767, int(round(v)))) for v in x])
    with open(path, "wb") as f:
        f.write(a.tobytes())


def write_f32(path, x):
    with open(path, "wb") as f:
        f.write(array.array("f", x).tobytes())


def read_f32(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return list(a)


def synthetic_room(ms=300, seed=1):
    """Decaying white noise: 60 dB over `ms`, 2 ms pre-delay."""
    n = ms * RATE // 1000
    s = seed
    h = [0.0] * (32 + n)
    for i in range(n):
        acc = 0.0
        for _ in range(4):  # sum of uniforms: roughly gaussian
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            acc += s / 2147483648.0 - 0.5
        h[32 + i] = acc * 10 ** (-3.0 * i / n)
    return h


def convolve(x, h, tmp):
    """x (list of numbers) * h via sox fir, as floats."""
    xi, xo, hc = (os.path.join(tmp, n) for n in ("cx.f32", "cy.f32", "h.txt"))
    # sox clips floats to [-1, 1]: scale so that nothing can clip
    gx = 32768.0
    gh = sum(abs(v) for v in h) or 1.0
    write_f32(xi, [v / gx for v in x])
    h = [v / gh for v in h]
    # sox's fir centres the filter (a linear-phase delay of (len-1)/2):
    # len-1 leading zeros make it plain causal convolution again
    with open(hc, "w") as f:
        f.write("\n".join("%.9g" % v for v in [0.0] * (len(h) - 1) + list(h)) + "\n")
    fmt = ["-t", "raw", "-r", str(RATE), "-c", "1", "-e", "floating-point", "-b", "32"]
    subprocess.run(["sox", "-V1"] + fmt + [xi] + fmt + [xo, "fir", hc], check=True)
    y = [v * gx * gh for v in read_f32(xo)]
    return (y + [0.0] * len(x))[: len(x)]


def rms(x):
    return math.sqrt(sum(v * v for v in x) / max(1, len(x)))


def scale_to(x, dbfs):
    g = 32768 * 10 ** (dbfs / 20) / max(rms(x), 1e-9)
    return [v * g for v in x]


def noise(n, dbfs, seed=7):
    s = seed
    out = []
    amp = 32768 * 10 ** (dbfs / 20) * math.sqrt(3)
    for _ in range(n):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((s / 1073741824.0 - 1) * amp)
    return out


def energy(x, a, b):
    return sum(v * v for v in x[a:b])


def erle_db(mic, out, start):
    return 10 * math.log10(energy(mic, start, len(mic)) /
                           max(energy(out, start, len(out)), 1.0))


def time_to(mic, out, since, db=10, win=RATE // 4):
    """ms from `since` until a window of `win` samples first reaches `db`."""
    hop = FRAME * 2
    for end in range(since + win, len(mic) + 1, hop):
        em = energy(mic, end - win, end)
        if em < win * 30.0 ** 2:  # no echo to speak of
            continue
        if 10 * math.log10(em / max(energy(out, end - win, end), 1.0)) >= db:
            return (end - since) * 1000 // RATE
    return None


# WebRTC's canceller through tools/aec-webrtc (make vad-instruments), at
# the suppression level that takes out the most echo and at the library's
# default; its output lags by the library's algorithmic delay, measured
# once with a silent far end (webrtc_lag) and taken out
WEBRTC = {"webrtc": "high", "webrtc_default": "moderate"}


def webrtc_lag(build, near, tmp):
    """Samples by which aec-webrtc's output lags its microphone input: the
    lag of the best correlation with a talker and a silent far end."""
    x = near[RATE:3 * RATE]
    fp, mp, op = (os.path.join(tmp, n) for n in ("lf.raw", "lm.raw", "lo.raw"))
    write_s16(fp, [0] * len(x))
    write_s16(mp, x)
    subprocess.run([os.path.join(build, "aec-webrtc"), fp, mp, op], check=True)
    y = read_s16(op)
    span = range(RATE // 4, len(x) - 2 * FRAME * 2)
    return max(range(0, 2 * FRAME * 2),
               key=lambda d: sum(y[i + d] * x[i] for i in span[::4]))


def check_webrtc(build, testdata, near, tmp):
    """tools/aec-webrtc is a working canceller; returns its lag (webrtc_lag)
    or ends the bench with SystemExit naming what is wrong."""
    tool = os.path.join(build, "aec-webrtc")
    what = "aec_bench: the WebRTC reference %s" % tool
    r = subprocess.run([tool, "--level", "loud", "a", "b", "c"],
                       capture_output=True, text=True)
    if r.returncode != 2 or "loud" not in r.stderr:
        raise SystemExit("%s does not reject --level loud (exit %d, %r)"
                         % (what, r.returncode, r.stderr.strip()))
    try:
        lag = webrtc_lag(build, near, tmp)
        if not 0 < lag < 2 * 2 * FRAME:
            raise SystemExit("%s: no plausible lag (%d samples, want 1..%d)"
                             % (what, lag, 2 * 2 * FRAME - 1))
        far = read_s16(os.path.join(testdata, "libri0870.raw"))[:6 * RATE]
        ir = read_f32(os.path.join(testdata, "ir_street2.f32"))
        echo = scale_to(convolve(far, ir, tmp), -20)
        mic = [e + b for e, b in zip(echo, noise(len(far), -65))]
        out = run_aec(build, "webrtc", far, mic, tmp, lag=lag)
    except subprocess.CalledProcessError as e:
        raise SystemExit("%s failed: %s" % (what, e))
    if len(out) != len(mic):
        raise SystemExit("%s wrote %d samples for %d" % (what, len(out), len(mic)))
    erle = erle_db(mic, out, 2 * RATE)
    if not erle > 10:
        raise SystemExit("%s does not cancel real echo: ERLE %.1f dB after 2 s "
                         "(libri0870 through ir_street2), want more than 10 dB"
                         % (what, erle))
    return lag


def run_aec(build, impl, far, mic, tmp, tail=256, residual=True, lag=0):
    fp, mp, op = (os.path.join(tmp, n) for n in ("far.raw", "mic.raw", "out.raw"))
    write_s16(fp, far)
    write_s16(mp, mic)
    if impl in WEBRTC:
        subprocess.run([os.path.join(build, "aec-webrtc"), "--level", WEBRTC[impl],
                        fp, mp, op], check=True)
        out = read_s16(op)
        return out[lag:] + [0] * lag
    cmd = [os.path.join(build, "dsp-run"), "aec", "--impl", impl, "--far", fp,
           "--mic", mp, "--out", op, "--tail-ms", str(tail)]
    if not residual:
        cmd.append("--no-residual")
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return read_s16(op)


def run_callgrind(cmd, out, fns=()):
    """cmd under callgrind into out, collecting only inside fns if given;
    returns valgrind's stderr."""
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
    vg += ["--toggle-collect=" + f for f in fns]
    r = subprocess.run(vg + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError("callgrind failed: " + r.stderr[-500:])
    return r.stderr


def callgrind(build, args, fns, frames, tmp, prog="dsp-run"):
    out = os.path.join(tmp, "cg.out")
    err = run_callgrind([os.path.join(build, prog)] + args, out, fns)
    m = re.search(r"Collected\s*:\s*(\d+)", err)
    if not m:
        with open(out) as f:
            m = re.search(r"^summary:\s*(\d+)", f.read(), re.M)
    return int(m.group(1)) / frames


STAGES = {"hpf": ["hpf_process"], "aec": ["aec_process", "speex_echo_cancellation"],
          "pre": ["speex_preprocess_run"], "vad": ["vad_process"],
          "chain": ["chain_process"]}


def stage_instr(build, args, frames, tmp):
    """Instructions per frame of each stage of one whole-chain run, and of
    the chain: the inclusive cost of each one's function
    (callgrind_annotate)."""
    out = os.path.join(tmp, "cg.stages")
    run_callgrind([os.path.join(build, "dsp-run")] + args, out)
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                         capture_output=True, text=True, check=True).stdout
    cost = {}
    for m in re.finditer(r"^\s*([\d,]+) \([ \d.]+%\)\s+\S+:(\w+) \[", ann, re.M):
        cost.setdefault(m.group(2), int(m.group(1).replace(",", "")))
    return {st: round(sum(cost.get(f, 0) for f in fns) / frames)
            for st, fns in STAGES.items()}


def signals(testdata, tmp, quick):
    far = []
    for f in ("libri0870", "libri0890", "libri0920"):
        far += read_s16(os.path.join(testdata, f + ".raw"))
    far = far[: (8 if quick else 14) * RATE]
    near = read_s16(os.path.join(testdata, "jfk.raw"))
    street = read_f32(os.path.join(testdata, "ir_street2.f32"))
    rooms = {"street": street, "room300": synthetic_room()}
    echoes = {k: scale_to(convolve(far, h, tmp), -20) for k, h in rooms.items()}
    return far, near, echoes


# Double talk on material the canceller was not tuned on: near-end
# talkers in other voices and languages, speech and music as the far end,
# three echo-to-near ratios, both rooms.  The talkers marked "tuned" were
# looked at while tuning (the covariance leak in dsp/aec.c was chosen on
# them); the rest are held out.
DT_TALKERS = {"jfk": "en, male (tuned)", "sa1": "en, female",
              "codec2_16k": "en, two talkers (tuned)", "talker_fr": "fr, female",
              "talker_it": "it, male", "talker_ru": "ru, female"}
DT_FARS = ("speech", "music")
DT_RATIOS = (6, 0, -6)  # echo over near end, dB
DT_IMPLS = ("fixed", "speex")


def near_talk(build, impl, far, echo, near, ratio, bg, tmp, t0=3 * RATE):
    """One double-talk condition: near from t0 at ratio dB below the echo
    (over the near end's span); (near-end level kept, near-end SNR) in dB."""
    n = len(far)
    nr = near[: min(len(near), n - t0, 8 * RATE)]
    seg = echo[t0:t0 + len(nr)]
    nr = scale_to(nr, 20 * math.log10(max(rms(seg), 1e-9) / 32768) - ratio)
    nearsig = [0.0] * t0 + nr + [0.0] * (n - t0 - len(nr))
    mic = [e + b + v for e, b, v in zip(echo, bg, nearsig)]
    a, b = t0, t0 + len(nr)
    sn = sum(v * v for v in nearsig[a:b])
    out = run_aec(build, impl, far, mic, tmp)
    g = sum(o * v for o, v in zip(out[a:b], nearsig[a:b])) / sn
    err = sum((o - g * v) ** 2 for o, v in zip(out[a:b], nearsig[a:b]))
    return (20 * math.log10(max(abs(g), 1e-6)),
            10 * math.log10(g * g * sn / max(err, 1.0)))


def double_talk(build, testdata, quick=False):
    """aec.dt.*: every condition for ours and speexdsp's, and for each
    the worst case: the largest loss of near-end level, and the smallest
    margin of our near-end SNR over speexdsp's in the same condition;
    ERLE of each far end through each room, far end only."""
    res = {}
    far_speech, near0, echoes0 = None, None, None
    with tempfile.TemporaryDirectory() as tmp:
        far_speech, _, _ = signals(testdata, tmp, quick)
        n = len(far_speech)
        music = read_s16(os.path.join(testdata, "music_fb.raw"))[:n]
        fars = {"speech": far_speech, "music": music + [0] * (n - len(music))}
        rooms = {"street": read_f32(os.path.join(testdata, "ir_street2.f32")),
                 "room300": synthetic_room()}
        bg = noise(n, -65)
        talkers = {t: read_s16(os.path.join(testdata, t + ".raw")) for t in DT_TALKERS}
        if quick:
            talkers = {t: talkers[t] for t in ("jfk", "talker_it")}
        worst = {}
        for fname, far in fars.items():
            for room, h in rooms.items():
                echo = scale_to(convolve(far, h, tmp), -20)
                mic = [e + b for e, b in zip(echo, bg)]
                for impl in DT_IMPLS:
                    out = run_aec(build, impl, far, mic, tmp)
                    res["aec.dt.%s.erle_db.%s.%s" % (impl, fname, room)] = round(
                        erle_db(mic, out, 2 * RATE), 2)
                for talker, near in talkers.items():
                    for ratio in DT_RATIOS:
                        cond = "%s.%s.%s.enr%+d" % (talker, fname, room, ratio)
                        got = {}
                        for impl in DT_IMPLS:
                            lvl, snr = near_talk(build, impl, far, echo, near, ratio, bg, tmp)
                            got[impl] = (lvl, snr)
                            res["aec.dt.%s.%s.level_db" % (impl, cond)] = round(lvl, 2)
                            res["aec.dt.%s.%s.snr_db" % (impl, cond)] = round(snr, 2)
                        margin = got["fixed"][1] - got["speex"][1]
                        held = "" if "tuned" in DT_TALKERS[talker] else "heldout."
                        for scope in ("", held):
                            w = worst.setdefault(scope, {})
                            if got["fixed"][0] < w.get("level", (99,))[0]:
                                w["level"] = (got["fixed"][0], cond)
                            if got["speex"][0] < w.get("speex_level", (99,))[0]:
                                w["speex_level"] = (got["speex"][0], cond)
                            if margin < w.get("margin", (99,))[0]:
                                w["margin"] = (margin, cond)
        for scope, w in worst.items():
            res["aec.dt.%sworst.fixed_level_db" % scope] = round(w["level"][0], 2)
            res["aec.dt.%sworst.speex_level_db" % scope] = round(w["speex_level"][0], 2)
            res["aec.dt.%sworst.snr_margin_vs_speex_db" % scope] = round(w["margin"][0], 2)
            print("double talk%s: worst level %.2f dB (%s), worst SNR margin over speexdsp "
                  "%.2f dB (%s)" % (" (held out)" if scope else "", w["level"][0],
                                    w["level"][1], w["margin"][0], w["margin"][1]),
                  file=sys.stderr)
        for impl in DT_IMPLS:
            e = [v for k, v in res.items() if k.startswith("aec.dt.%s.erle_db." % impl)]
            res["aec.dt.%s.erle_db.min" % impl] = min(e)
    return res


def measure(build, quick=False, need_webrtc=False):
    testdata = os.path.join(build, "testdata")
    res = {}
    have_webrtc = os.path.exists(os.path.join(build, "aec-webrtc"))
    if need_webrtc and not have_webrtc:
        raise SystemExit(f"aec_bench: {os.path.join(build, 'aec-webrtc')} is "
                         f"missing; run make BUILDDIR={build} vad-instruments")
    with tempfile.TemporaryDirectory() as tmp:
        impls = ["fixed", "speex"]
        lag = 0
        if have_webrtc:
            near = read_s16(os.path.join(testdata, "jfk.raw"))
            lag = check_webrtc(build, testdata, near, tmp)
            impls += list(WEBRTC)
            res["aec.webrtc.lag_samples"] = lag
        far, near, echoes = signals(testdata, tmp, quick)
        n = len(far)
        bg = noise(n, -65)
        for impl in impls:
            key = "aec.%s." % impl
            erles, t10s = [], []
            for room, echo in echoes.items():
                mic = [e + b for e, b in zip(echo, bg)]
                out = run_aec(build, impl, far, mic, tmp, lag=lag)
                e = erle_db(mic, out, 2 * RATE)
                t = time_to(mic, out, 0)
                res[key + room + ".erle_db"] = round(e, 2)
                res[key + room + ".t10_ms"] = t
                erles.append(e)
                t10s.append(t if t is not None else n * 1000 // RATE)
            res[key + "erle_db"] = round(min(erles), 2)
            res[key + "t10_ms"] = max(t10s)
            # double talk: near end from 3 s on, at the echo's level
            echo = echoes["street"]
            t0 = 3 * RATE
            nr = near[: n - t0]
            nr = scale_to(nr, 20 * math.log10(rms(echo) / 32768))
            nearsig = [0.0] * t0 + nr + [0.0] * (n - t0 - len(nr))
            mic = [e + b + s for e, b, s in zip(echo, bg, nearsig)]
            a, b = t0, t0 + len(nr)
            sn = sum(s * s for s in nearsig[a:b])
            for res_on, sub in ((True, ""), (False, "linear.")):
                if impl in WEBRTC and not res_on:
                    continue  # its suppressor cannot be turned off
                out = run_aec(build, impl, far, mic, tmp, residual=res_on, lag=lag)
                g = sum(o * s for o, s in zip(out[a:b], nearsig[a:b])) / sn
                err = sum((o - g * s) ** 2 for o, s in zip(out[a:b], nearsig[a:b]))
                res[key + sub + "dt_near_snr_db"] = round(
                    10 * math.log10(g * g * sn / max(err, 1.0)), 2)
                res[key + sub + "dt_near_level_db"] = round(
                    20 * math.log10(max(abs(g), 1e-6)), 2)
            # echo path change half way: street -> synthetic room
            half = n // 2
            h2 = echoes["room300"]
            mic = [(echo[i] if i < half else h2[i]) + bg[i] for i in range(n)]
            out = run_aec(build, impl, far, mic, tmp, lag=lag)
            t = time_to(mic, out, half)
            res[key + "reconverge_ms"] = t if t is not None else (n - half) * 1000 // RATE
        # instructions per frame, on 5 s of the far-end-only street signal
        m = 5 * RATE
        mic = [e + b for e, b in zip(echoes["street"][:m], bg[:m])]
        fp, mp, op = (os.path.join(tmp, x) for x in ("ifar.raw", "imic.raw", "iout.raw"))
        write_s16(fp, far[:m])
        write_s16(mp, mic)
        frames = m // FRAME
        base = ["aec", "--far", fp, "--mic", mp, "--out", op, "--tail-ms", "256"]
        res["aec.fixed.instr_per_frame"] = round(callgrind(
            build, base + ["--impl", "fixed"], ["aec_process"], frames, tmp))
        res["aec.speex.instr_per_frame"] = round(callgrind(
            build, base + ["--impl", "speex"],
            ["speex_echo_cancellation", "speex_preprocess_run"], frames, tmp))
        full = ["--ns-db", "15", "--agc"]
        if "webrtc" in impls:
            res["aec.webrtc.instr_per_frame"] = round(callgrind(
                build, ["--level", "high", fp, mp, op],
                ["webrtc::AudioProcessingImpl::ProcessStream(webrtc::AudioFrame*)",
                 "webrtc::AudioProcessingImpl::ProcessReverseStream(webrtc::AudioFrame*)"],
                frames, tmp, prog="aec-webrtc"))
        for impl, key in (("fixed", "dsp.chain"), ("speex", "dsp.speex_chain")):
            for st, v in stage_instr(build, base + ["--impl", impl] + full,
                                     frames, tmp).items():
                res["%s%s.instr_per_frame" % (key, "" if st == "chain" else "." + st)] = v
    return res


def dt_table(res):
    """The double-talk conditions of a bench.json as a Markdown table: a
    row per near-end talker, a column per far end, room and echo-to-near
    ratio; each cell our near-end level kept and our near-end SNR over
    speexdsp's (dB), starred when both goals are met (level within 1.5 dB,
    SNR at least speexdsp's)."""
    cols = [(f, r, e) for f in DT_FARS for r in ("street", "room300") for e in DT_RATIOS]
    lines = ["| near end | " + " | ".join("%s, %s, %+d" % c for c in cols) + " |",
             "|---" * (len(cols) + 1) + "|"]
    met = 0
    for t, what in DT_TALKERS.items():
        cells = []
        for f, r, e in cols:
            cond = "%s.%s.%s.enr%+d" % (t, f, r, e)
            lvl = res["aec.dt.fixed.%s.level_db" % cond]
            margin = res["aec.dt.fixed.%s.snr_db" % cond] - res["aec.dt.speex.%s.snr_db" % cond]
            ok = lvl >= -1.5 and margin >= 0
            met += ok
            cells.append("%.1f / %+.1f%s" % (lvl, margin, " *" if ok else ""))
        lines.append("| %s (%s) | " % (t, what) + " | ".join(cells) + " |")
    lines.append("")
    lines.append("both goals met in %d of %d" % (met, len(cols) * len(DT_TALKERS)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true", help="8 s signals")
    ap.add_argument("--dt", action="store_true",
                    help="only the double-talk conditions (aec.dt.*)")
    ap.add_argument("--table", metavar="BENCH_JSON",
                    help="print the double-talk conditions of a bench.json as a table")
    a = ap.parse_args()
    if a.table:
        with open(a.table) as f:
            print(dt_table(json.load(f)))
        return 0
    if a.dt:
        res = double_talk(a.build, os.path.join(a.build, "testdata"), a.quick)
    else:
        res = measure(a.build, a.quick)
    print(json.dumps(res, indent=1, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
