#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speculative end of turn, measured (make bench, keys turn.*):

    python3 tools/spec_bench.py [--build build] [--runs N]

Real utterances with a pause of 300 to 500 ms at the gap between two of
their words (the recordings with word labels: make testdata-aligned), each
turn tapped and ended by the VAD, with the fake peers' service times (STT
100 ms, the LLM's first sentence 200 ms, remote TTS 50 ms), once with
endpoint.speculate_ms at its default and once with it off.

- eos_to_first_audio_ms: from the true end of speech in the input (the
  end of the last word, by forced alignment) to the first answer sample
  out, read off the playback file (lock-step with the capture).
- services_ms: STT plus first sentence plus first TTS audio, from the
  turns' records (stt_sent to stt_done, llm_request to first_sentence,
  first_sentence to first_audio) in the runs without speculation, where
  nothing overlaps; with speculation a held sentence waits for the commit,
  so its record cannot tell the TTS time apart.
- cut_off_rate: turns whose last speech-to-text request stopped short of
  the words after the pause (committed in the pause).  The fake STT
  (--full-ms) writes down, for such a request, only the words it got and
  no question mark, as a recogniser does.
- speculative_cancel_rate: speculations dropped over those started
  (status's speculation line), with speculation on.
The question transcript ("... ?") lets a turn commit before the full
silence; the statement waits for it.
"""
import argparse
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from rig import FRAME, RATE, Rig, read_raw  # noqa: E402

LEAD_S = 1.0
STT_MS, LLM_MS, TTS_MS = 100, 200, 50
# (recording, the pause in ms, transcript the fake STT gives).  The
# recordings are those with word labels (tools/align-label.py, make
# testdata-aligned): the pause goes into the gap between two words nearest
# the middle, grown to the length given, and the end of the last word is
# the true end of speech.
UTTERANCES = [("goforward", 400, "go forward ten meters"),
              ("libri0880", 300, "what did she say to him then?"),
              ("libri0890", 500, "tell me about the family"),
              ("libri0870", 400, "was the estate left to her son?")]


def words(build, name):
    """[(first frame, end frame)] of each word in NAME.align."""
    with open(os.path.join(build, "testdata", name + ".align")) as f:
        lab = [int(x) for x in f.read().split()]
    out, start = [], None
    for i, v in enumerate(lab + [0]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def paused(build, name, pause_ms, tmp):
    """The recording with its middle gap grown to pause_ms: (path, samples
    an STT request must hold to have the words after the pause, half of
    them at least, counted from the first word; capture sample of the end
    of speech)."""
    s = read_raw(os.path.join(build, "testdata", name + ".raw"))
    w = words(build, name)
    mid = (w[0][0] + w[-1][1]) / 2
    if len(w) > 1:
        k = min(range(1, len(w)), key=lambda i: abs(w[i][0] - mid))
        gap_end = w[k][0] * FRAME
        have = (w[k][0] - w[k - 1][1]) * FRAME
    else:
        # the aligner put no silence between its words: the quietest
        # frame in the middle half is the gap ("go forward | ten meters")
        lo, hi = int(w[0][0] + (mid - w[0][0]) / 2), int(mid + (w[0][1] - mid) / 2)
        gap_end = FRAME * min(range(lo, hi), key=lambda i: sum(
            v * v for v in s[i * FRAME:(i + 1) * FRAME]))
        have = 0
    add = max(0, pause_ms * RATE // 1000 - have)
    out = s[:gap_end] + type(s)("h", [0] * add) + s[gap_end:]
    path = os.path.join(tmp, f"{name}_p{pause_ms}.raw")
    with open(path, "wb") as f:
        f.write(out.tobytes())
    first = w[0][0] * FRAME
    second = gap_end + add
    last = w[-1][1] * FRAME + add
    whole = second + (last - second) // 2 - first
    return path, whole, int(LEAD_S * RATE) + last


def one_turn(build, path, whole, eos, transcript, speculate):
    r = Rig(build=build)
    try:
        saved = os.path.join(r.dir, "stt")
        os.mkdir(saved)
        # the fake recogniser writes down only the words it got
        r.start_stt("--transcript", transcript, "--delay-ms", str(STT_MS), "--save-dir", saved,
                    "--full-ms", str(whole * 1000 // RATE))
        r.start_ollama("--answer", "All right.", "--token-rate", "0",
                       "--first-token-delay-ms", str(LLM_MS))
        tts = r.start_peer("fake-tts", "--delay-ms", str(TTS_MS))
        cfg = {"tts__backend": "openai",
               "tts__url": f"http://127.0.0.1:{tts.port}/v1/audio/speech",
               "llm__first_clause_chars": 0}
        if not speculate:
            cfg["endpoint__speculate_ms"] = 0
        r.start([f"silence:{LEAD_S}", path, "silence:30"], **cfg)
        r.wait_frames(50)
        r.tap()
        r.wait_turns(1, 30)
        spec = r.status()["speculation"].split()
        r.stop()
        t = r.turns()[0]
        assert t["outcome"] == "ok", t
        pb = r.playback_samples()
        first = next(i for i, v in enumerate(pb) if v) - FRAME
        wavs = sorted(os.listdir(saved))
        with open(os.path.join(saved, wavs[-1]), "rb") as f:
            sent = (len(f.read()) - 44) // 2
        return {"eos_ms": (first - eos) * 1000 / RATE,
                "services_ms": (t["stt_done_ms"] - t["stt_sent_ms"]) +
                               (t["first_sentence_ms"] - t["llm_request_ms"]) +
                               (t["first_audio_ms"] - t["first_sentence_ms"]),
                "cut": sent < whole,
                "started": int(spec[0]), "dropped": int(spec[2])}
    finally:
        r.close()


def measure(build, runs=1):
    import tempfile
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(paused(build, n, p, tmp), text) for n, p, text in UTTERANCES]
        for speculate, key in ((True, "turn"), (False, "turn.no_speculation")):
            got = []
            for _ in range(runs):
                for (path, n, eos), text in cases:
                    g = one_turn(build, path, n, eos, text, speculate)
                    print("%s speculate=%d: first audio %.0f ms after the end of "
                          "speech, services %.0f ms%s" % (
                              os.path.basename(path), speculate, g["eos_ms"],
                              g["services_ms"], ", cut off" if g["cut"] else ""),
                          file=sys.stderr)
                    got.append(g)
            res[key + ".eos_to_first_audio_ms.median"] = round(
                statistics.median(g["eos_ms"] for g in got), 1)
            if not speculate:
                # the services' own time: measured where nothing overlaps
                # (with speculation the first sentence waits for the commit)
                res["turn.services_ms.median"] = round(
                    statistics.median(g["services_ms"] for g in got), 1)
            res[key + ".cut_off_rate"] = sum(g["cut"] for g in got) / len(got)
            if speculate:
                started = sum(g["started"] for g in got)
                res[key + ".speculative_cancel_rate"] = round(
                    sum(g["dropped"] for g in got) / max(started, 1), 3)
            res[key + ".eos_runs"] = len(got)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    print(json.dumps(measure(os.path.abspath(a.build), a.runs), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
