#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""VAD benchmark: parley's VAD against WebRTC's and Silero's labels.

    python3 tools/vad_bench.py [--build build] [--table]

prints one flat JSON object (or a table).  measure(build) returns the same
dict, for tools/bench.py.  Everything it needs is in the build directory:

    BUILD/dsp-run             (make all)            `dsp-run vad`
    BUILD/vad-webrtc          (make vad-instruments) Debian's WebRTC VAD
    BUILD/silero/.done        (make vad-instruments) Silero under Node
    BUILD/testdata/*.raw      (make testdata)       real speech and noise
    BUILD/testdata/*.align    (make testdata-aligned) word-level labels

Labels: Silero VAD's decision per 10 ms frame (tools/silero-label.mjs,
probability of the 32 ms window over the frame >= 0.5) is the reference for
speech.  The speech set is every fetched speech recording, clean, plus each
of them mixed with real noise at 10 dB SNR (speech power over Silero's
speech frames; 1 s of noise alone first, labelled not speech).  The noise
set is the fetched noise recordings, where any frame called speech is a
false alarm (Silero calls none of them speech).

Ours is scored as the endpointer uses it: an onset dates its speech back
over the lead-in of frames clear of the noise (up to vad.lookback_ms, 300
ms), so `dsp-run vad` prints each frame's decision once no onset can move
it.  vad.causal.* scores the same detector frame by frame as it decides
(`dsp-run vad -c`), with no dating back, as WebRTC's is.

Keys (fractions 0..1 unless named otherwise), for ours (vad.*,
vad.causal.*), WebRTC in modes 2 and 3 (vad.webrtc.*: mode 2,
vad.webrtc3.*: mode 3) and Silero (vad.silero.*, itself the reference on
speech, so only its noise figure means anything):
    .accuracy             frames agreeing with Silero, speech set
    .recall               Silero's speech frames also called speech
    .precision            frames called speech that Silero calls speech
    .accuracy_clean / .accuracy_snr10 / .recall_snr10: the two halves
    .accuracy_heldout     accuracy on the clean speech never used for tuning
    .accuracy_clean_czech the same on the Czech recording alone
    .noise_false_alarm    noise frames called speech
    .accuracy_clean_aligned (_tune, _heldout), .recall_clean_aligned,
    .precision_clean_aligned: clean speech against the word-level labels
                          of a forced alignment of its transcript
                          (tools/align-label.py; vad.silero.* too)
    .pause_speech         frames of the pauses between words (aligned
                          labels) called speech
    .instr_per_frame      callgrind instructions per frame in vad_process
                          (ours) or WebRtcVad_Process, on jfk.raw
"""
import argparse
import array
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Real speech and noise (tests/data/README.md).  The *_TUNE files were used
# to choose the defaults in dsp/vad.c by grid search; the rest is held out,
# except that noise_crowd_b's false alarms were looked at while designing
# the per-lag background periodicity and choosing voiced_frames, and that
# the late onsets behind the lead-in (dsp/vad.c) were found on the whole
# speech set.  The tuning set could not tell revoice_frames 2, 3 and 4
# apart; 2 was picked on the whole set, which raises recall there from
# 0.985 to 0.997.  The other defaults are the tuning set's choice.
# Issue 20's round (the pitch search every other frame, the release under
# the loudest band SNR) chose voiced_frames 4, hangover_frames 12,
# release_db 5 and release_peak_db 16 by grid search on the tuning lists:
# the most accurate setting whose recall there stays above WebRTC's (a
# condition taken from test_vad_real, which checks it on the whole set,
# after the first choice, release_db 6, failed it there).  revoice_frames
# 1 (one search, 20 ms: the old 2 frames) the tuning lists could not tell
# from 2; the whole set's recall was looked at.  The cap of the release at
# threshold_db came from test_vad_real's lead-in check failing on cards.
SPEECH_TUNE = ["goforward", "numbers", "something", "libri0870",
               "libri0880", "cards"]
SPEECH_HELDOUT = ["libri0890", "libri0920", "libri0930", "sa1",
                  "alsa_front", "codec2_16k", "jfk", "czech"]
# not English (Czech; no transcript, and no Czech model for the aligner)
SPEECH_OTHER_LANGUAGE = ["czech"]
SPEECH = SPEECH_TUNE + SPEECH_HELDOUT
# clean speech with word-level labels from a forced alignment of its
# transcript (tools/align-label.py): the same tuning / held-out split
ALIGNED = ["goforward", "libri0870", "libri0880", "cards", "libri0890",
           "libri0920", "libri0930", "sa1"]
ALIGNED_TUNE = [n for n in ALIGNED if n in SPEECH_TUNE]
ALIGNED_HELDOUT = [n for n in ALIGNED if n in SPEECH_HELDOUT]
NOISE_TUNE = ["noise_crowd_a", "noise_fan", "noise_white"]
NOISE_HELDOUT = ["noise_crowd_b", "noise_glider", "noise_motor"]
NOISE = NOISE_TUNE + NOISE_HELDOUT
# speech file -> the noise it is mixed with at 10 dB SNR
MIXES = [("libri0870", "noise_crowd_b"), ("jfk", "noise_crowd_a"),
         ("codec2_16k", "noise_fan"), ("cards", "noise_white"),
         ("numbers", "noise_motor"), ("sa1", "noise_glider"),
         ("libri0920", "noise_crowd_a"), ("something", "noise_crowd_b")]
SNR_DB = 10
LEAD_FRAMES = 100
FRAME = 160


def read_pcm(path):
    a = array.array("h")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


def write_pcm(path, a):
    b = array.array("h", a)
    if sys.byteorder != "little":
        b.byteswap()
    with open(path, "wb") as f:
        f.write(b.tobytes())


def labels_of(out):
    return [int(x) for x in out.split()]


def run_lines(cmd, path):
    with open(path, "rb") as f:
        r = subprocess.run(cmd, stdin=f, capture_output=True, check=True)
    return labels_of(r.stdout.decode())


class Bench:
    def __init__(self, build, data=None):
        self.build = build
        self.data = data or os.path.join(build, "testdata")
        self.work = os.path.join(build, "vad-bench")
        os.makedirs(self.work, exist_ok=True)
        for what in (os.path.join(build, "dsp-run"),
                     os.path.join(build, "vad-webrtc"),
                     os.path.join(build, "silero", ".done")):
            if not os.path.exists(what):
                raise SystemExit(f"vad_bench: {what} is missing; run "
                                 f"make BUILDDIR={build} all vad-instruments")
        for name in SPEECH + NOISE:
            if not os.path.exists(self.raw(name)):
                raise SystemExit(f"vad_bench: {self.raw(name)} is missing; "
                                 f"run make BUILDDIR={build} testdata")
        for name in ALIGNED:
            if not os.path.exists(self.align_path(name)):
                raise SystemExit(f"vad_bench: {self.align_path(name)} is "
                                 f"missing; run make BUILDDIR={build} "
                                 f"testdata-aligned")

    def align_path(self, name):
        return os.path.join(self.data, name + ".align")

    def aligned(self, name):
        """word-level labels of a clean file (tools/align-label.py)"""
        with open(self.align_path(name)) as f:
            return labels_of(f.read())

    def raw(self, name):
        p = os.path.join(self.data, name + ".raw")
        return p if os.path.exists(p) else os.path.join(self.work,
                                                        name + ".raw")

    def silero(self, name):
        """Silero labels of a file, cached beside the mixes."""
        src = self.raw(name)
        cache = os.path.join(self.work, name + ".silero")
        if (os.path.exists(cache) and
                os.path.getmtime(cache) >= os.path.getmtime(src)):
            with open(cache) as f:
                return labels_of(f.read())
        lab = run_lines(["node", os.path.join(ROOT, "tools",
                                              "silero-label.mjs"),
                         "--modules", os.path.join(self.build, "silero")],
                        src)
        with open(cache, "w") as f:
            f.write("\n".join(map(str, lab)) + "\n")
        return lab

    def mix(self, speech, noise):
        """speech + noise at SNR_DB after LEAD_FRAMES of noise; labels are
        Silero's on the clean speech, shifted by the lead."""
        name = f"mix_{speech}_{noise}"
        out = os.path.join(self.work, name + ".raw")
        lab = [0] * LEAD_FRAMES + self.silero(speech)
        if os.path.exists(out):
            return name, lab
        s = read_pcm(self.raw(speech))
        n = read_pcm(self.raw(noise))
        ps = sum(s[i] * s[i] for f, on in enumerate(self.silero(speech))
                 if on for i in range(f * FRAME, f * FRAME + FRAME))
        ps /= max(1, FRAME * sum(self.silero(speech)))
        total = LEAD_FRAMES * FRAME + len(s)
        noise_loop = [n[i % len(n)] for i in range(total)]
        pn = sum(x * x for x in noise_loop) / total
        g = (ps / (pn * 10 ** (SNR_DB / 10))) ** 0.5 if pn > 0 else 0
        lead = LEAD_FRAMES * FRAME
        mixed = []
        for i in range(total):
            v = g * noise_loop[i] + (s[i - lead] if i >= lead else 0)
            mixed.append(max(-32768, min(32767, int(round(v)))))
        write_pcm(out, mixed)
        return name, lab

    def detectors(self, ours_args=()):
        return {
            "vad": [os.path.join(self.build, "dsp-run"), "vad",
                    *ours_args],
            "vad.causal": [os.path.join(self.build, "dsp-run"), "vad", "-c",
                           *ours_args],
            "vad.webrtc": [os.path.join(self.build, "vad-webrtc"),
                           "--mode", "2"],
            "vad.webrtc3": [os.path.join(self.build, "vad-webrtc"),
                            "--mode", "3"],
        }

    def sets(self):
        clean = [(n, self.silero(n)) for n in SPEECH]
        mixed = [self.mix(s, n) for s, n in MIXES]
        aligned = [(n, self.aligned(n)) for n in ALIGNED]
        return clean, mixed, aligned


def pauses(lab):
    """frames labelled 0 between the first and the last word"""
    on = [i for i, x in enumerate(lab) if x]
    if not on:
        return []
    return [i for i in range(on[0], on[-1]) if not lab[i]]


def pause_speech(pairs, decide):
    """pairs: [(name, word labels)]: the pause frames between words called
    speech"""
    called = total = 0
    for name, lab in pairs:
        got = decide(name)
        p = [i for i in pauses(lab) if i < len(got)]
        called += sum(got[i] for i in p)
        total += len(p)
    return called / max(1, total)


def score(pairs, decide):
    """pairs: [(name, labels)]; decide(name) -> decisions."""
    tp = fp = fn = tn = 0
    for name, lab in pairs:
        got = decide(name)
        for g, l in zip(got, lab):
            if l and g:
                tp += 1
            elif l:
                fn += 1
            elif g:
                fp += 1
            else:
                tn += 1
    n = max(1, tp + fp + fn + tn)
    return {"accuracy": (tp + tn) / n, "recall": tp / max(1, tp + fn),
            "precision": tp / max(1, tp + fp)}


def false_alarm(names, decide):
    flagged = total = 0
    for name in names:
        got = decide(name)
        flagged += sum(got)
        total += len(got)
    return flagged / max(1, total)


def aligned_quality(aligned, decide):
    """scores against the alignment's word labels, clean speech only"""
    tune = [p for p in aligned if p[0] in ALIGNED_TUNE]
    held = [p for p in aligned if p[0] in ALIGNED_HELDOUT]
    s = score(aligned, decide)
    return {"accuracy_clean_aligned": s["accuracy"],
            "recall_clean_aligned": s["recall"],
            "precision_clean_aligned": s["precision"],
            "accuracy_clean_aligned_tune": score(tune, decide)["accuracy"],
            "accuracy_clean_aligned_heldout": score(held, decide)["accuracy"],
            "pause_speech": pause_speech(aligned, decide),
            "pause_speech_heldout": pause_speech(held, decide)}


def quality(b, cmd, clean, mixed, aligned):
    cache = {}

    def decide(name):
        if name not in cache:
            cache[name] = run_lines(cmd, b.raw(name))
        return cache[name]

    out = aligned_quality(aligned, decide)
    allp = clean + mixed
    s = score(allp, decide)
    out.update(s)
    out["accuracy_clean"] = score(clean, decide)["accuracy"]
    sm = score(mixed, decide)
    out["accuracy_snr10"] = sm["accuracy"]
    out["recall_snr10"] = sm["recall"]
    held = [p for p in clean if p[0] in SPEECH_HELDOUT]
    out["accuracy_heldout"] = score(held, decide)["accuracy"]
    other = [p for p in clean if p[0] in SPEECH_OTHER_LANGUAGE]
    out["accuracy_clean_czech"] = score(other, decide)["accuracy"]
    out["noise_false_alarm"] = false_alarm(NOISE, decide)
    out["noise_false_alarm_heldout"] = false_alarm(NOISE_HELDOUT, decide)
    for n in NOISE:
        out["noise_false_alarm." + n[len("noise_"):]] = false_alarm([n],
                                                                    decide)
    return out


def instructions(work, cmd, fn, path):
    """callgrind instructions inside fn, per 10 ms frame of path."""
    outf = os.path.join(work, f"callgrind.{os.getpid()}")
    with open(path, "rb") as f:
        subprocess.run(["valgrind", "--tool=callgrind",
                        f"--toggle-collect={fn}",
                        f"--callgrind-out-file={outf}", *cmd],
                       stdin=f, capture_output=True, check=True)
    total = None
    with open(outf) as f:
        for line in f:
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m:
                total = int(m.group(2))
    os.unlink(outf)
    frames = os.path.getsize(path) // (2 * FRAME)
    return total / frames


def measure(build, data=None, cost=True):
    b = Bench(build, data)
    clean, mixed, aligned = b.sets()
    res = {}
    for key, cmd in b.detectors().items():
        for k, v in quality(b, cmd, clean, mixed, aligned).items():
            res[f"{key}.{k}"] = round(v, 4)
    sil = {}

    def silero_decide(name):
        if name not in sil:
            sil[name] = b.silero(name)
        return sil[name]
    for k, v in aligned_quality(aligned, silero_decide).items():
        res[f"vad.silero.{k}"] = round(v, 4)
    res["vad.silero.noise_false_alarm"] = round(
        false_alarm(NOISE, silero_decide), 4)
    res["vad.speech_frames"] = sum(sum(lab) for _, lab in clean + mixed)
    res["vad.frames"] = sum(len(lab) for _, lab in clean + mixed)
    res["vad.aligned_frames"] = sum(len(lab) for _, lab in aligned)
    res["vad.aligned_pause_frames"] = sum(len(pauses(lab))
                                          for _, lab in aligned)
    if cost:
        jfk = b.raw("jfk")
        det = b.detectors()
        res["vad.instr_per_frame"] = round(
            instructions(b.work, det["vad"], "vad_process", jfk))
        res["vad.webrtc.instr_per_frame"] = round(
            instructions(b.work, det["vad.webrtc"],
                         "WebRtcVad_Process", jfk))
    return res


def table(res):
    rows = [("ours", "vad"), ("ours, frame by frame", "vad.causal"),
            ("WebRTC mode 2", "vad.webrtc"),
            ("WebRTC mode 3", "vad.webrtc3"), ("Silero", "vad.silero")]
    cols = ["accuracy_clean", "accuracy_heldout", "accuracy_clean_czech",
            "accuracy_clean_aligned", "accuracy_clean_aligned_heldout",
            "pause_speech", "accuracy_snr10", "recall",
            "noise_false_alarm"]
    out = ["| VAD | " + " | ".join(cols) + " |",
           "|---|" + "---|" * len(cols)]
    for label, k in rows:
        # Silero is the reference of the columns it has no key for
        out.append(f"| {label} | " + " | ".join(
            f"{res[k + '.' + c]:.3f}" if k + "." + c in res else "1"
            for c in cols) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--table", action="store_true",
                    help="print a Markdown table after the JSON")
    ap.add_argument("--no-cost", action="store_true",
                    help="skip the callgrind instruction counts")
    a = ap.parse_args()
    res = measure(a.build, cost=not a.no_cost)
    print(json.dumps(res, indent=1, sort_keys=True))
    if a.table:
        print(table(res))


if __name__ == "__main__":
    main()
