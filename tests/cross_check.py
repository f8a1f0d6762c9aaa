#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make cross-check, once both builds exist: the arm64 build against this
x86-64 machine, then a short summary of what was compared.

 1. the arm64 cmocka unit tests (golden vectors included) under qemu-user;
 2. test_dsp_integer: the arm64 dsp/ objects hold no floating-point code;
 3. tools/dsp-compare.sh: dsp-run's output on the test audio, both machines;
 4. integration tests with the arm64 parleyd under qemu (tools/qemu-parleyd
    through the rig's PARLEY_PARLEYD): whole turns, the echo canceller in
    the running daemon, audio device faults, and its playback against this
    machine's parleyd.

The qemu command is $PARLEY_QEMU_ARM64 (default "qemu-aarch64-static -L /").
Exits non-zero if any step fails; every step runs.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
INTEGRATION = ["test_turn", "test_echo", "test_audio_faults", "test_cross_arch"]
UNIT_TIMEOUT = 300  # s for one program; all of them take about 30 s
GOLDEN = ("test_golden", "test_fft", "test_vad", "test_aec", "test_wakefe", "test_wake")  # hold golden vectors


def mmss(s):
    return f"{int(s)} s" if s < 60 else f"{int(s) // 60}m{int(s) % 60:02d}s"


def stream(cmd, env=None):
    """Runs cmd, echoing its output as it comes; returns (rc, output)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=env)
    out = []
    for line in p.stdout:
        out.append(line)
        sys.stdout.write(line)
        sys.stdout.flush()
    return p.wait(), "".join(out)


def unit(qemu, binaries):
    """Each arm64 unit test under qemu; its output only when it fails."""
    passed = failed = skipped = 0
    for b in binaries:
        try:
            p = subprocess.run(qemu + [b], capture_output=True, text=True,
                               timeout=UNIT_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            print(f"FAIL {os.path.basename(b)}: still running after {UNIT_TIMEOUT} s "
                  f"under qemu, killed\n" + (e.stdout or b"").decode(errors="replace"))
            failed += 1
            continue
        out = p.stdout + p.stderr
        ok = re.search(r"\[  PASSED  \] (\d+) test", out)
        bad = re.search(r"\[  FAILED  \] (\d+) test", out)
        sk = re.search(r"\[  SKIPPED \] (\d+) test", out)
        n_bad = int(bad.group(1)) if bad else (1 if p.returncode else 0)
        passed += int(ok.group(1)) if ok else 0
        failed += n_bad
        skipped += int(sk.group(1)) if sk else 0
        if n_bad:
            sys.stdout.write(out)
            print(f"FAIL {os.path.basename(b)} under qemu")
    return passed, failed, skipped


def counts(out):
    m = re.search(r"integration: (\d+) passed, (\d+) failed, (\d+) skipped", out)
    return tuple(int(v) for v in m.groups()) if m else (0, 1, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--arm64", default="build/arm64")
    ap.add_argument("unit", nargs="*", help="the arm64 unit test binaries")
    a = ap.parse_args()
    qemu_cmd = os.environ.get("PARLEY_QEMU_ARM64", "qemu-aarch64-static -L /")
    qemu = shlex.split(qemu_cmd)
    run_py = [sys.executable, os.path.join(HERE, "integration", "run.py"),
              "--build", a.build]
    t_all = time.monotonic()
    lines, bad = [], 0

    print(f"cross-check: {len(a.unit)} arm64 unit test programs under {qemu_cmd}")
    t0 = time.monotonic()
    up, uf, us = unit(qemu, a.unit)
    golden = [os.path.basename(b) for b in a.unit if os.path.basename(b) in GOLDEN]
    lines.append(("unit tests", f"{len(a.unit)} cmocka programs under qemu, {up + uf + us} "
                  f"tests" + (f" (golden vectors: {', '.join(golden)})" if golden else "")
                  + f": {up} passed, {uf} failed"
                  + (f", {us} skipped" if us else "") + f" ({mmss(time.monotonic() - t0)})"))
    print(lines[-1][1])
    bad += uf

    print("cross-check: dsp/ objects, x86-64 and arm64, integer-only")
    rc, out = stream(run_py + ["test_dsp_integer"])
    p, f, _ = counts(out)
    lines.append(("integer-only", f"test_dsp_integer, objdump of dsp/ on both machines: "
                  f"{p} passed, {f} failed"))
    bad += f or rc

    print("cross-check: the DSP harness, dsp-run, on both machines")
    t0 = time.monotonic()
    env = dict(os.environ, PARLEY_QEMU_ARM64=qemu_cmd)
    rc, out = stream([os.path.join(ROOT, "tools", "dsp-compare.sh"),
                      os.path.join(a.build, "dsp-run"), os.path.join(a.arm64, "dsp-run"),
                      os.path.join(a.build, "testdata")], env=env)
    bad += rc
    m = re.search(r"dsp-compare: (\d+) integer runs bit-exact", out)
    rec = re.search(r"high-pass, VAD, endpointer: (\d+) recordings", out)
    secs = re.search(r"must be bit-exact; (\d+) s of audio", out)
    fl = re.findall(r"^  (.*?)\s{2,}(\d+) of (\d+) samples, <= (\d+) LSB, from [\d.]+ s, "
                    r"(-?\d+) dB; VAD (.*)$", out, re.M)
    if m and rec and secs:
        lines.append(("DSP harness", f"dsp-run, x86-64 and arm64 on the same input: "
                      f"{rec.group(1)} recordings ({secs.group(1)} s) through high-pass, VAD "
                      f"and endpointer, and the VAD frame by frame; the fixed canceller "
                      f"on echo and double talk: {m.group(1)} runs, all bit-exact "
                      f"({mmss(time.monotonic() - t0)})"))
    else:
        lines.append(("DSP harness", "FAILED (above)"))
    ns = [r for r in fl if "NS" in r[0]]
    sx = [r for r in fl if "speexdsp canceller" in r[0]]
    parts = []
    for what, rows in (("Its noise suppressor", ns), ("its canceller", sx)):
        if rows:
            pct = max(100.0 * int(r[1]) / int(r[2]) for r in rows)
            lsb = max(int(r[3]) for r in rows)
            lvl = max(int(r[4]) for r in rows)
            parts.append(f"{what} ({len(rows)} runs): <= {pct:.2g}% of the samples, by "
                         f"<= {lsb} LSB, >= {-lvl} dB below the output")
    if fl:
        same = all(r[5] == "same" for r in fl)
        lines.append(("speexdsp", "floating point, not bit-exact by design: Debian's arm64 "
                      "build fuses multiplies and adds (fmadd, one rounding), x86-64's "
                      "rounds twice. " + "; ".join(parts) + "; the VAD's decisions after "
                      "them " + ("the same in every run" if same else "DIFFER (above)")))

    print(f"cross-check: integration tests with the arm64 parleyd under {qemu_cmd}")
    t0 = time.monotonic()
    env = dict(os.environ,
               PARLEY_PARLEYD=os.path.join(ROOT, "tools", "qemu-parleyd"),
               PARLEY_ARM64=os.path.abspath(a.arm64),
               PARLEY_PARLEYD_LIBS=os.path.abspath(os.path.join(a.arm64, "tests")),
               PARLEY_QEMU_ARM64=qemu_cmd)
    rc, out = stream(run_py + INTEGRATION, env=env)
    p, f, s = counts(out)
    bad += f or rc
    summary = (f"{p + f + s} integration tests under qemu (whole turns, the echo "
               f"canceller in the daemon, audio device faults, playback against this "
               f"machine's parleyd): {p} passed, {f} failed" + (f", {s} skipped" if s else "")
               + f" ({mmss(time.monotonic() - t0)})")
    pb = re.search(r"playback at (\d+) Hz: (\d+) of (\d+) samples differ from this "
                   r"machine's, by at most (\d+) LSB", out)
    if pb:
        summary += (f"; its playback at {int(pb.group(1)) // 1000} kHz: {pb.group(2)} of "
                    f"{pb.group(3)} samples differ, by <= {pb.group(4)} LSB (speexdsp's "
                    f"resampler)")
    lines.append(("arm64 parleyd", summary))

    lines.append(("result", ("FAILED" if bad else "passed: parley's DSP is bit-exact on arm64, "
                             "speexdsp within its bound") + f" ({mmss(time.monotonic() - t_all)})"))
    print()
    print(f"cross-check summary: {a.arm64} (arm64, {qemu_cmd}) against x86-64")
    for k, v in lines:
        print(textwrap.fill(v, 90, initial_indent=f"  {k:<14} ", subsequent_indent=" " * 17))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
