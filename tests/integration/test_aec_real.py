# SPDX-License-Identifier: MIT
"""The echo canceller on real speech (tools/fetch-testdata.sh): `dsp-run aec`.

Far-end speech (LibriVox) through jconvolver's measured street impulse
response at -20 dBFS is the echo; ours must take at least 10 dB off it
after 2 s, and keep another talker (the JFK recording) in double talk
within 2 dB of its level.  Bad arguments get a clear error.  The figures
against speexdsp and WebRTC are in tools/aec_bench.py (make bench), not
here, and so is the check that the WebRTC reference (tools/aec-webrtc, a
benchmark instrument make check does not build) cancels real echo.
"""
import math
import os
import subprocess
import sys
import tempfile

from common import BUILD, ROOT, TESTDATA, Skip

sys.path.insert(0, os.path.join(ROOT, "tools"))
import aec_bench  # noqa: E402

RATE = 16000


def signals(tmp):
    for f in ("libri0870.raw", "jfk.raw", "ir_street2.f32"):
        if not os.path.exists(os.path.join(TESTDATA, f)):
            raise Skip(f"{f} missing: run make testdata")
    far = aec_bench.read_s16(os.path.join(TESTDATA, "libri0870.raw"))[:6 * RATE]
    ir = aec_bench.read_f32(os.path.join(TESTDATA, "ir_street2.f32"))
    echo = aec_bench.scale_to(aec_bench.convolve(far, ir, tmp), -20)
    bg = aec_bench.noise(len(far), -65)
    return far, echo, bg


def test_fixed_canceller_removes_real_echo():
    with tempfile.TemporaryDirectory() as tmp:
        far, echo, bg = signals(tmp)
        mic = [e + b for e, b in zip(echo, bg)]
        out = aec_bench.run_aec(BUILD, "fixed", far, mic, tmp)
        assert len(out) == len(mic)
        erle = aec_bench.erle_db(mic, out, 2 * RATE)
        assert erle > 10, erle
        # without the far end's help there is nothing to cancel: the same
        # microphone with a silent reference comes through (0 dB)
        out = aec_bench.run_aec(BUILD, "fixed", [0] * len(far), mic, tmp)
        assert abs(aec_bench.erle_db(mic, out, 2 * RATE)) < 1


def test_fixed_canceller_keeps_the_near_end_talker():
    with tempfile.TemporaryDirectory() as tmp:
        far, echo, bg = signals(tmp)
        near = aec_bench.read_s16(os.path.join(TESTDATA, "jfk.raw"))
        t0 = 2 * RATE
        n = len(far)
        nr = aec_bench.scale_to(near[: n - t0], 20 * math.log10(aec_bench.rms(echo) / 32768))
        ns = [0.0] * t0 + nr
        mic = [e + b + s for e, b, s in zip(echo, bg, ns)]
        out = aec_bench.run_aec(BUILD, "fixed", far, mic, tmp)
        sn = sum(s * s for s in ns[t0:])
        g = sum(o * s for o, s in zip(out[t0:], ns[t0:])) / sn
        assert abs(20 * math.log10(abs(g))) < 2, g


def test_bad_arguments_are_named():
    run = [os.path.join(BUILD, "dsp-run"), "aec"]
    r = subprocess.run(run + ["--impl", "webrtc", "--far", "a", "--mic", "b",
                              "--out", "c"], capture_output=True, text=True)
    assert r.returncode == 2 and "--impl" in r.stderr and "webrtc" in r.stderr
    r = subprocess.run(run + ["--impl", "fixed", "--far", "/nonexistent.raw",
                              "--mic", "/dev/null", "--out", "/dev/null"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "/nonexistent.raw" in r.stderr
    r = subprocess.run(run + ["--impl", "speex", "--far", "/dev/null", "--mic",
                              "/dev/null", "--out", "/dev/null", "--tail-ms", "2000"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--tail-ms" in r.stderr and "2000" in r.stderr
    r = subprocess.run(run + ["--impl", "fixed"], capture_output=True, text=True)
    assert r.returncode == 2 and "required" in r.stderr


def test_stage_times_do_not_change_the_output():
    """--times reads the clock around each stage: a figure per stage and
    their sum, and the cleaned signal bit for bit as without it."""
    for impl in ("fixed", "speex"):
        with tempfile.TemporaryDirectory() as tmp:
            far, echo, bg = signals(tmp)
            fp, mp = os.path.join(tmp, "far.raw"), os.path.join(tmp, "mic.raw")
            aec_bench.write_s16(fp, far[:2 * RATE])
            aec_bench.write_s16(mp, [e + b for e, b in zip(echo, bg)][:2 * RATE])
            outs, lines = [], []
            for extra in ([], ["--times"]):
                op = os.path.join(tmp, "out%d.raw" % len(outs))
                r = subprocess.run([os.path.join(BUILD, "dsp-run"), "aec", "--impl", impl,
                                    "--far", fp, "--mic", mp, "--out", op,
                                    "--ns-db", "15", "--agc"] + extra,
                                   capture_output=True, text=True)
                assert r.returncode == 0, r.stderr
                with open(op, "rb") as f:
                    outs.append(f.read())
                lines.append(r.stdout.split())
            assert outs[0] == outs[1] and len(outs[0]) == 4 * RATE
            assert lines[0] == []
            t = dict(zip(lines[1][0::2], map(int, lines[1][1::2])))
            assert sorted(t) == ["aec", "chain", "hpf", "pre", "vad"], t
            assert all(t[k] > 0 for k in t), t
            # each figure is a per-frame mean rounded down
            assert abs(t["chain"] - (t["hpf"] + t["aec"] + t["pre"] + t["vad"])) <= 4, t
