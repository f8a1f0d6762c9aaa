#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench: measures parley and writes build/bench.json (one flat JSON
object) and a table.

- turn.*: whole voice turns through the real parleyd with the fake peers,
  whose service times are fixed: STT answers after --stt-ms, the LLM's
  first token comes after --llm-ms with the whole first sentence at once,
  the remote TTS answers after --tts-ms.  Device overhead is the
  voice-to-voice time (button release at the end of speech to first audio
  written) minus those three service times.  Barge-in is the time from the
  button press to the last answer sample written, read off the playback
  device's file.
- dsp.*: instructions per 10 ms frame of the DSP chain (callgrind, counted,
  not timed) and nanoseconds per frame on this machine.
These are measurements, not tests: nothing here passes or fails.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from rig import FRAME, RATE, Rig, active_span, read_raw  # noqa: E402


def p95(v):
    v = sorted(v)
    return v[max(0, (95 * len(v) + 99) // 100 - 1)]


def turn_bench(build, n, stt_ms, llm_ms, tts_ms):
    speech = os.path.join(build, "testdata", "goforward.raw")
    a, b = active_span(read_raw(speech))
    lead = 1.0
    overhead, first_audio, bargein = [], [], []
    for i in range(n):
        r = Rig(build=build)
        try:
            r.start_stt("--delay-ms", str(stt_ms))
            r.start_ollama("--answer", "Going forward. " + "And on and on. " * 20,
                           "--token-rate", "0", "--first-token-delay-ms", str(llm_ms))
            tts = r.start_peer("fake-tts", "--delay-ms", str(tts_ms))
            r.start([f"silence:{lead}", speech, "silence:30"],
                    tts__backend="openai",
                    tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech",
                    llm__first_clause_chars=0)
            r.wait_frames(int(lead * 100) - 20)
            r.ctl("button", "press")
            # hold until the speech ends: the release is the end of speech
            r.wait_frames(int((lead * RATE + b) / FRAME))
            r.ctl("button", "release")
            r.wait_state("speaking", 20)
            time.sleep(1.0)
            before = r.frames()
            r.ctl("button", "press")
            after = r.frames()
            r.wait_state("listening", 5)
            time.sleep(0.3)
            r.ctl("button", "release")
            r.wait_turns(1, 20)
            r.stop()
            (t,) = r.turns()
            overhead.append(t["first_audio_ms"] - t["stt_sent_ms"] - stt_ms - llm_ms - tts_ms)
            first_audio.append(t["first_audio_ms"] - t["speech_end_ms"])
            pb = r.playback_samples()
            last = max(i for i, v in enumerate(pb) if v != 0)
            # playback sample s was written with capture frame s / FRAME - 1
            press = (before + after) / 2
            bargein.append((last / FRAME - 1 - press) * 10)
        finally:
            r.close()
    return {
        "turn.device_overhead_ms.median": statistics.median(overhead),
        "turn.device_overhead_ms.p95": p95(overhead),
        "turn.first_audio_ms.median": statistics.median(first_audio),
        "turn.bargein_ms.median": statistics.median(bargein),
        "turn.bargein_ms.p95": p95(bargein),
        "turn.runs": n,
    }


def dsp_bench(build):
    out = {}
    raw = os.path.join(build, "testdata", "numbers.raw")
    frames = os.path.getsize(raw) // (FRAME * 2)
    try:
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            os.path.join(build, "dsp-run"), raw],
                           capture_output=True, text=True)
        m = re.search(r"Collected : (\d+)", p.stderr)
        base = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               os.path.join(build, "dsp-run"), "/dev/null"],
                              capture_output=True, text=True)
        m0 = re.search(r"Collected : (\d+)", base.stderr)
        if m and m0:
            out["dsp.chain.instr_per_frame"] = (int(m.group(1)) - int(m0.group(1))) / frames
    except FileNotFoundError:
        print("bench: valgrind is not installed; no instruction counts", file=sys.stderr)
    # wall time: many passes over the file, best of three
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(20):
            subprocess.run([os.path.join(build, "dsp-run"), raw], capture_output=True)
        dt = (time.perf_counter() - t0) / 20
        best = dt if best is None else min(best, dt)
    out["dsp.chain.ns_per_frame_upper_bound"] = best * 1e9 / frames
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--stt-ms", type=int, default=100)
    ap.add_argument("--llm-ms", type=int, default=200)
    ap.add_argument("--tts-ms", type=int, default=50)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    res = {}
    res.update(dsp_bench(build))
    res.update(turn_bench(build, args.turns, args.stt_ms, args.llm_ms, args.tts_ms))
    with open(os.path.join(build, "bench.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print(f"{'measure':<40} {'value':>12}")
    for k in sorted(res):
        v = res[k]
        print(f"{k:<40} {v:>12.1f}" if isinstance(v, float) else f"{k:<40} {v:>12}")
    print(f"written: {os.path.join(build, 'bench.json')}")


if __name__ == "__main__":
    main()
