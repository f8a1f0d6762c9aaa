#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wake word benchmark (issue 17): parley's engine beside openWakeWord's.

    python3 tools/wake_bench.py [--build build] [--table] [--cutoff WORD=P ...]

prints one flat JSON object (or a table); measure(build) returns the same
dict, for tools/bench.py (`--only wake` runs this part alone).  Needs:

    BUILD/dsp-run              (make all)       `dsp-run wake`, ours
    BUILD/oww/.done            (make BUILD/oww/.done) openWakeWord's ONNX
                               models on onnxruntime-node (tools/oww-run.mjs)
    BUILD/testdata/            (make testdata; tools/fetch-benchdata.sh)
                               speech and noise, wakeneg/, ir_street2*.f32
    $PARLEY_SHARED (../shared beside the repository): the microWakeWord
                               models and the two real wake word clips
    espeak-ng, sox, node, valgrind

The sets, made once into BUILD/wake-bench/ (deterministic: espeak-ng, and
Python's random seeded by name; made again when GEN_VERSION changes):

- positives, per word ("alexa", "hey jarvis", "hey mycroft", "okay nabu"):
  the word said by 16 espeak-ng voices (voice, variant, speed and pitch;
  VOICES_TUNE and VOICES_HELDOUT), each in 8 conditions drawn from the
  grid below, and, for alexa and hey mycroft, the real recording
  (shared/testdata/wakeword) in every condition of the grid.  The grid:
  the word's level (active speech RMS -20, -30 or -40 dBFS), the room
  (none, or the measured street response, left or right channel), real
  noise (tests/data: crowd, fan, glider, motor, white; a seeded excerpt)
  at 50 ("quiet"), 20, 10 or 5 dB SNR, and before the word 1.6 s of
  silence (the noise alone) or of real English speech at the word's level
  (a seeded 1.2 s excerpt of the test set's speech, through the same
  room).  Each trial is a 4.5 s slot of one stream per word, the word at
  1.6 s; a trial is a hit when the engine detects from the word's start
  to 1.5 s after its end (its reverberant tail included).
- near misses: NEAR_MISSES ("hey jane", "hey travis", "okay nabucco",
  "alexander" ...) said by the same 16 voices, each in one condition drawn
  from the grid, in slots of the same kind; any detection of any word
  there is a false accept.
- real negatives: BUILD/testdata/wakeneg (3.3 h of speech in five
  languages and music; tests/data/README.md) and the test set's noise
  recordings; any detection is a false accept.

Detection: ours is `dsp-run wake` with each model's manifest rule (mean
over sliding_window_size outputs above a probability cutoff, 2 s
refractory) at the cutoff CUTOFFS gives the word (dsp-run wake --cutoff;
--cutoff WORD=P here): parley's own, as parleyd uses them; wake.manifest.*
is ours again at the manifests' own cutoffs.
openWakeWord's is its default threshold, a score of 0.5 or more in an
80 ms chunk (tools/oww-run.mjs), with the same 2 s refractory after each
detection.  Both run on the same streams; recall and false accepts per
hour compare the words both have (alexa, hey jarvis, hey mycroft); okay
nabu, ours only, has its own keys.

Keys (recall 0..1; false accepts per hour of audio per word, the words'
mean; the same under wake.oww.* for openWakeWord):
    wake.recall                  all positives of the three common words
    wake.recall.heldout          the held-out espeak-ng voices only
    wake.recall.real             the two real recordings only
    wake.recall.snr50/20/10/5    by SNR; wake.recall.room_none/_street
    wake.false_accepts_per_hour  real negatives and near misses together
        .real, .near_miss        each set alone; .speech, .music, .noise
    wake.false_accepts.real / .near_miss   counts (summed over the words)
    wake.false_accepts.positive_streams    detections in the positive
                                 streams outside every word's window (on
                                 the lead-in speech or the noise), a count
    wake.WORD.recall, wake.WORD.false_accepts_per_hour.real,
    wake.WORD.false_accepts.near_miss    per word (wake.okay_nabu.*: ours)
    wake.tune.recall             the tuning voices only (what a cutoff is
                                 chosen on); wake.tune.WORD.cutoff, ours:
                                 the cutoff in effect, floor(P x 255) / 255
    wake.hours.real, wake.hours.near_miss, wake.trials.positive,
    wake.trials.near_miss        the sizes of the sets
    wake.instr_per_frame         ours: the frontend plus one model, per
                                 10 ms frame (callgrind's count of the
                                 whole dsp-run over 20 s minus over 5 s of
                                 speech, so start-up cancels), the largest
                                 over the models; .WORD for each
    wake.arena_bytes             tensor arena bytes the largest model uses
                                 (dsp-run's report); .WORD each, .static the
                                 arena each model has (WAKE_ARENA_BYTES)

What is tuned: only our cutoffs (CUTOFFS, the same as parleyd's for the
published models), chosen on the tuning voices (wake.tune.recall) and
the real negative set alone; openWakeWord runs at its defaults.
VOICES_HELDOUT and the real recordings are kept out of any tuning of
ours, so that wake.recall.heldout and wake.recall.real stay honest; the
real negative set set the limit, so its false accepts are not an
independent estimate.
"""
import argparse
import array
import concurrent.futures
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import aec_bench  # noqa: E402  (sox fir convolution, f32 files)
from vad_bench import read_pcm as read_raw, write_pcm as write_raw  # noqa: E402

SHARED = os.environ.get("PARLEY_SHARED", os.path.join(ROOT, "..", "shared"))
MWW = os.path.join(SHARED, "models", "micro-wake-word")
CLIPS = os.path.join(SHARED, "testdata", "wakeword")
RATE = 16000
FRAME = 160
GEN_VERSION = 1

# word -> (text for espeak-ng, openWakeWord's model or None, real clip)
WORDS = {
    "alexa": ("Alexa", "alexa", "alexa_test.wav"),
    "hey_jarvis": ("Hey Jarvis", "hey_jarvis", None),
    # espeak-ng reads "Mycroft" as "mick-roft"
    "hey_mycroft": ("Hey My-croft", "hey_mycroft", "hey_mycroft_test.wav"),
    "okay_nabu": ("Okay Nabu", None, None),
}
COMMON = [w for w, v in WORDS.items() if v[1]]
# word -> our probability cutoff (0 < P < 1, dsp-run wake --cutoff: a
# window's mean output over floor(P x 255)); None: the manifest's own
# The defaults are parley's own for these published models (app/wake.c,
# tuned[]), chosen on the tuning voices alone: the most tuning-voice
# detections with at most one false accept per word in the real set
# (2026-12-03); wake.manifest.* measures ours at the manifests' cutoffs.
def tuned_cutoffs():
    """parleyd's cutoffs, read from app/wake.c's tuned[] table."""
    with open(os.path.join(ROOT, "app", "wake.c")) as f:
        src = f.read()
    table = src[src.index("} tuned[] = {"):]
    table = table[:table.index("};")]
    return {w: float(p) for w, p in re.findall(r'\{ "(\w+)", ([0-9.]+) \}', table)}


CUTOFFS = tuned_cutoffs()
# espeak-ng voice+variant, words per minute, pitch (0-99)
VOICES_TUNE = [
    ("en-us+m1", 150, 50), ("en-us+f2", 160, 60), ("en+m3", 140, 40),
    ("en+f1", 155, 55), ("en-gb-scotland+m2", 150, 45),
    ("en-gb-x-rp+f3", 165, 65), ("en-029+m4", 145, 50),
    ("en-us+klatt", 150, 50), ("en-gb-x-gbclan+f4", 150, 60),
    ("en-gb-x-gbcwmd+m5", 135, 35),
]
VOICES_HELDOUT = [
    ("en-us+m6", 155, 45), ("en+f5", 145, 70), ("en-gb-x-rp+m7", 150, 30),
    ("en-029+f2", 170, 55), ("en-us+klatt4", 140, 50),
    ("en-gb-scotland+f1", 160, 60),
]
NEAR_MISSES = ["hey jane", "hey travis", "okay nabucco", "alexander",
               "alexandra", "a lexus", "hey marvin", "hey microphone",
               "hey my crew", "okay, navy", "hey jarred", "electra"]
LEVELS = [-20, -30, -40]
ROOMS = ["none", "street2", "street2r"]
SNRS = [50, 20, 10, 5]
LEADS = ["silence", "speech"]
GRID = [(lv, rm, snr, ld) for lv in LEVELS for rm in ROOMS for snr in SNRS
        for ld in LEADS]
DRAWS = 8
NOISES = ["noise_crowd_a", "noise_crowd_b", "noise_fan", "noise_glider",
          "noise_motor", "noise_white"]
LEAD_SPEECH = ["goforward", "numbers", "something", "libri0870",
               "libri0880", "libri0890", "libri0920", "libri0930", "cards",
               "sa1", "jfk", "codec2_16k"]
SLOT = int(4.5 * RATE)
WORD_AT = int(1.6 * RATE)
LEAD_AT, LEAD_LEN = int(0.2 * RATE), int(1.2 * RATE)
AFTER = 1.5             # seconds after the word's end a detection counts
REFRACTORY = 2.0        # seconds, openWakeWord's detections (ours: 2 s too)
OWW_THRESHOLD = 0.5
# the real negative set: file -> subset
NEGATIVES = {"wakeneg/speech_en": "speech", "wakeneg/speech_es": "speech",
             "wakeneg/speech_fr": "speech", "wakeneg/speech_it": "speech",
             "wakeneg/speech_ru": "speech", "wakeneg/music_moh": "music",
             "wakeneg/music_wesnoth": "music"}
NEGATIVES.update({n: "noise" for n in NOISES})
COST_SECONDS = (5, 20)


def read_wav(path):
    with wave.open(path, "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise SystemExit(f"wake_bench: {path}: want 16 kHz mono 16-bit")
        a = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder != "little":
        a.byteswap()
    return a


def active_rms(x):
    """RMS over the 10 ms frames within 40 dB of the loudest one."""
    e = [sum(v * v for v in x[i:i + FRAME]) for i in range(0, len(x) - FRAME + 1, FRAME)]
    if not e or max(e) == 0:
        return 0.0
    top = max(e) * 1e-4
    loud = [v for v in e if v >= top]
    return math.sqrt(sum(loud) / (len(loud) * FRAME))


def trim(x):
    """x without its leading and trailing frames 50 dB under the loudest."""
    e = [sum(v * v for v in x[i:i + FRAME]) for i in range(0, len(x), FRAME)]
    top = max(e) * 1e-5
    on = [i for i, v in enumerate(e) if v >= top]
    return list(x[on[0] * FRAME:(on[-1] + 1) * FRAME])


def espeak(text, voice, tmp):
    """text said by an espeak-ng voice (name+variant, speed, pitch), 16 kHz."""
    name, speed, pitch = voice
    wav, raw = os.path.join(tmp, "say.wav"), os.path.join(tmp, "say.raw")
    subprocess.run(["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch),
                    "-w", wav, text], check=True, capture_output=True)
    subprocess.run(["sox", "-V1", "-R", wav, "-t", "raw", "-r", str(RATE), "-c", "1",
                    "-b", "16", "-e", "signed-integer", raw], check=True)
    return trim(read_raw(raw))


class Sets:
    """The positive and near-miss streams, made once into BUILD/wake-bench."""

    def __init__(self, build):
        self.build = build
        self.data = os.path.join(build, "testdata")
        self.dir = os.path.join(build, "wake-bench")
        self.stamp = os.path.join(self.dir, "sets.json")

    def load(self):
        try:
            with open(self.stamp) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            return None
        if meta.get("version") != GEN_VERSION:
            return None
        return meta

    def make(self):
        meta = self.load()
        if meta:
            return meta
        os.makedirs(self.dir, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="wake-bench.")
        try:
            meta = self._make(tmp)
        finally:
            shutil.rmtree(tmp)
        with open(self.stamp, "w") as f:
            json.dump(meta, f, indent=1)
        return meta

    def _make(self, tmp):
        rooms = {"street2": aec_bench.read_f32(os.path.join(self.data, "ir_street2.f32")),
                 "street2r": aec_bench.read_f32(os.path.join(self.data, "ir_street2r.f32"))}
        noises = {n: read_raw(os.path.join(self.data, n + ".raw")) for n in NOISES}
        speech = {n: read_raw(os.path.join(self.data, n + ".raw")) for n in LEAD_SPEECH}
        voices = [(v, False) for v in VOICES_TUNE] + [(v, True) for v in VOICES_HELDOUT]
        # every source clip: (key, samples); trials name them by key
        clips = {}
        trials = {w: [] for w in WORDS}
        trials["near_miss"] = []
        for w, (text, _, real) in WORDS.items():
            for v, held in voices:
                key = f"{w}/{v[0]}"
                clips[key] = espeak(text, v, tmp)
                rng = random.Random(key)
                for cond in rng.sample(GRID, DRAWS):
                    trials[w].append({"clip": key, "group": "heldout" if held else "tune",
                                      "cond": cond})
            if real:
                key = f"{w}/real"
                clips[key] = list(read_wav(os.path.join(CLIPS, real)))
                for cond in GRID:
                    trials[w].append({"clip": key, "group": "real", "cond": cond})
        for p in NEAR_MISSES:
            for v, held in voices:
                key = f"near/{p}/{v[0]}"
                clips[key] = espeak(p, v, tmp)
                cond = random.Random(key).choice(GRID)
                trials["near_miss"].append({"clip": key, "group": "near_miss",
                                            "cond": cond, "phrase": p})
        # lead-in speech: a seeded excerpt per trial, chosen in order
        for name, ts in trials.items():
            rng = random.Random("lead/" + name)
            for t in ts:
                src = rng.choice(LEAD_SPEECH)
                t["lead"] = (src, rng.randrange(0, max(1, len(speech[src]) - LEAD_LEN)))
                nz = rng.choice(NOISES)
                t["noise"] = (nz, rng.randrange(0, len(noises[nz])))
        for n in LEAD_SPEECH:
            clips["lead/" + n] = list(speech[n])
        # every clip through each room: all of them joined with gaps longer
        # than the responses, convolved once per room, cut apart again
        gap = max(len(h) for h in rooms.values()) + RATE // 10
        keys = sorted(clips)
        joined, at = [], {}
        for k in keys:
            at[k] = len(joined)
            joined.extend(clips[k])
            joined.extend([0] * gap)
        wet = {"none": {k: [float(v) for v in clips[k]] for k in keys}}
        for room, h in rooms.items():
            y = aec_bench.convolve(joined, h, tmp)
            wet[room] = {k: y[at[k]:at[k] + len(clips[k]) + len(h)] for k in keys}
        del joined
        level = {r: {k: active_rms(c) for k, c in wet[r].items()
                     if not k.startswith("lead/")} for r in wet}
        meta = {"version": GEN_VERSION, "sets": {}}
        for name, ts in trials.items():
            out = array.array("h")
            for i, t in enumerate(ts):
                lv, room, snr, lead = t["cond"]
                amp = 32768 * 10 ** (lv / 20)
                word = wet[room][t["clip"]]
                g = amp / max(level[room][t["clip"]], 1e-9)
                nz, off = t["noise"]
                src = noises[nz]
                seg = [src[(off + j) % len(src)] for j in range(SLOT)]
                gn = amp * 10 ** (-snr / 20) / max(aec_bench.rms(seg), 1e-9)
                x = [v * gn for v in seg]
                if lead == "speech":
                    src, off = t["lead"]
                    ls = wet[room]["lead/" + src][off:off + LEAD_LEN]
                    gl = amp / max(active_rms(ls), 1e-9)
                    n = min(len(ls), WORD_AT - LEAD_AT)
                    x[LEAD_AT:LEAD_AT + n] = [a + b * gl for a, b in
                                              zip(x[LEAD_AT:LEAD_AT + n], ls[:n])]
                n = min(len(word), SLOT - WORD_AT)
                x[WORD_AT:WORD_AT + n] = [a + b * g for a, b in
                                          zip(x[WORD_AT:WORD_AT + n], word[:n])]
                out.extend(max(-32768, min(32767, int(round(v)))) for v in x)
                base = i * SLOT / RATE
                t["start"] = base + WORD_AT / RATE
                t["end"] = base + (WORD_AT + len(clips[t["clip"]])) / RATE + \
                    (len(rooms[room]) / RATE if room != "none" else 0.0)
            path = os.path.join(self.dir, name + ".raw")
            write_raw(path, out)
            meta["sets"][name] = {"path": path, "trials": ts,
                                  "seconds": len(out) / RATE}
        return meta


def ours_detect(build, word, path, cutoff=None):
    """Detection times of our engine with word's model over path (at
    probability cutoff, or the manifest's if None), and what dsp-run says
    of the model on stderr."""
    extra = ["--cutoff", repr(cutoff)] if cutoff is not None else []
    with open(path, "rb") as f:
        r = subprocess.run([os.path.join(build, "dsp-run"), "wake", "--model",
                            os.path.join(MWW, word + ".tflite")] + extra,
                           stdin=f, capture_output=True, text=True, check=True)
    return [float(line.split()[0]) for line in r.stdout.splitlines()], r.stderr


def oww_detect(build, words, path):
    """Detection times of openWakeWord for each of words over path: a
    chunk scoring OWW_THRESHOLD or more, then REFRACTORY seconds off."""
    r = subprocess.run(["node", os.path.join(ROOT, "tools", "oww-run.mjs"),
                        "--modules", os.path.join(build, "oww")] +
                       [a for w in words for a in ("--word", WORDS[w][1])] + [path],
                       capture_output=True, text=True, check=True)
    hits = {w: [] for w in words}
    for line in r.stdout.splitlines():
        f = line.split()
        t = float(f[0])
        for w, p in zip(words, f[1:]):
            h = hits[w]
            if float(p) >= OWW_THRESHOLD and (not h or t - h[-1] >= REFRACTORY):
                h.append(t)
    return hits


def callgrind_total(cmd, path, seconds, tmp):
    """callgrind's instruction count of the whole cmd over the first
    `seconds` of path on its stdin."""
    part = os.path.join(tmp, f"cost{seconds}.raw")
    with open(path, "rb") as f, open(part, "wb") as g:
        g.write(f.read(seconds * RATE * 2))
    out = os.path.join(tmp, f"callgrind.{seconds}")
    with open(part, "rb") as f:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        *cmd], stdin=f, capture_output=True, check=True)
    with open(out) as f:
        for line in f:
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(2))
    raise SystemExit(f"wake_bench: no total in {out}")


def instr_per_frame(build, word, speech, tmp):
    cmd = [os.path.join(build, "dsp-run"), "wake", "--model",
           os.path.join(MWW, word + ".tflite")]
    a, b = (callgrind_total(cmd, speech, s, tmp) for s in COST_SECONDS)
    return (b - a) / ((COST_SECONDS[1] - COST_SECONDS[0]) * RATE / FRAME)


def check(build):
    need = [(os.path.join(build, "dsp-run"), f"make BUILDDIR={build} all"),
            (os.path.join(build, "oww", ".done"), f"make {build}/oww/.done"),
            (os.path.join(build, "testdata", "ir_street2r.f32"),
             f"tools/fetch-benchdata.sh {build}/testdata"),
            (os.path.join(build, "testdata", "noise_white.raw"),
             f"make BUILDDIR={build} testdata")]
    need += [(os.path.join(build, "testdata", n + ".raw"),
              f"tools/fetch-benchdata.sh {build}/testdata") for n in NEGATIVES]
    need += [(os.path.join(MWW, w + ".tflite"), "the shared models ($PARLEY_SHARED)")
             for w in WORDS]
    for path, how in need:
        if not os.path.exists(path):
            raise SystemExit(f"wake_bench: {path} is missing; run {how}")
    for tool in ("espeak-ng", "sox", "node", "valgrind"):
        if not shutil.which(tool):
            raise SystemExit(f"wake_bench: {tool} is missing; run "
                             "sudo tools/install-deps.sh bench")


def hit(trial, times):
    return any(trial["start"] <= t <= trial["end"] + AFTER for t in times)


def recall(trials):
    return sum(t["hit"] for t in trials) / len(trials) if trials else 0.0


def measure(build, jobs=None, cutoffs=None):
    """The keys above; cutoffs (word -> P or None) default to CUTOFFS."""
    cutoffs = dict(CUTOFFS, **(cutoffs or {}))
    for w, c in cutoffs.items():
        if w not in WORDS or (c is not None and not 0 < c < 1):
            raise SystemExit(f"wake_bench: cutoff {w}={c}: want a word of "
                             f"{', '.join(WORDS)} and 0 < P < 1")
    build = os.path.abspath(build)
    check(build)
    meta = Sets(build).make()
    sets = meta["sets"]
    data = os.path.join(build, "testdata")
    neg = {n: os.path.join(data, n + ".raw") for n in NEGATIVES}
    seconds = {n: os.path.getsize(p) / (2 * RATE) for n, p in neg.items()}
    # every run, the longest first, on every core
    runs = []
    for n, p in list(neg.items()) + [("near_miss", sets["near_miss"]["path"])]:
        runs.append((os.path.getsize(p) * 8, ("oww", tuple(COMMON), n, p)))
        for w in WORDS:
            runs.append((os.path.getsize(p), ("ours", w, n, p)))
            runs.append((os.path.getsize(p), ("manifest", w, n, p)))
    for w in WORDS:
        p = sets[w]["path"]
        runs.append((os.path.getsize(p), ("ours", w, w, p)))
        runs.append((os.path.getsize(p), ("manifest", w, w, p)))
        if w in COMMON:
            runs.append((os.path.getsize(p) * 8, ("oww", (w,), w, p)))
    runs.sort(key=lambda r: -r[0])
    ours, manifest, oww, arena, cut = {}, {}, {}, {}, {}

    def run(job):
        kind, w, n, p = job
        if kind in ("ours", "manifest"):
            times, err = ours_detect(build, w, p, cutoffs[w] if kind == "ours" else None)
            return job, times, err
        return job, oww_detect(build, list(w), p), ""

    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 2) as ex:
        for job, out, err in ex.map(run, [r[1] for r in runs]):
            kind, w, n, _ = job
            if kind == "manifest":
                manifest[(w, n)] = out
            elif kind == "ours":
                ours[(w, n)] = out
                m = re.search(r"arena (\d+) of (\d+) bytes", err)
                if m:
                    arena[w] = (int(m.group(1)), int(m.group(2)))
                m = re.search(r"cutoff (\d+)/255", err)
                if m:
                    cut[w] = int(m.group(1))
            else:
                for ww, times in out.items():
                    oww[(ww, n)] = times
    res = {}
    hours_real = sum(seconds.values()) / 3600
    hours_near = sets["near_miss"]["seconds"] / 3600
    res["wake.hours.real"] = round(hours_real, 3)
    res["wake.hours.near_miss"] = round(hours_near, 3)
    res["wake.trials.near_miss"] = len(sets["near_miss"]["trials"])
    res["wake.trials.positive"] = sum(len(sets[w]["trials"]) for w in COMMON)
    for prefix, det, words in (("wake", ours, list(WORDS)),
                               ("wake.manifest", manifest, list(WORDS)),
                               ("wake.oww", oww, COMMON)):
        # positives
        pos = {}
        for w in words:
            ts = [dict(t) for t in sets[w]["trials"]]
            for t in ts:
                t["hit"] = hit(t, det[(w, w)])
            pos[w] = ts
            res[f"{prefix}.{w}.recall"] = round(recall(ts), 4)
        common = [t for w in words if w in COMMON for t in pos[w]]
        # detections in the positive streams outside every word's window:
        # false accepts on the lead-in speech or the noise
        res[f"{prefix}.false_accepts.positive_streams"] = sum(
            1 for w in COMMON for x in det[(w, w)]
            if not any(t["start"] <= x <= t["end"] + AFTER for t in pos[w]))
        res[f"{prefix}.recall"] = round(recall(common), 4)
        res[f"{prefix}.recall.heldout"] = round(recall(
            [t for t in common if t["group"] == "heldout"]), 4)
        res[f"{prefix}.recall.real"] = round(recall(
            [t for t in common if t["group"] == "real"]), 4)
        res[f"{prefix}.tune.recall"] = round(recall(
            [t for t in common if t["group"] == "tune"]), 4)
        for snr in SNRS:
            res[f"{prefix}.recall.snr{snr}"] = round(recall(
                [t for t in common if t["cond"][2] == snr]), 4)
        res[f"{prefix}.recall.room_none"] = round(recall(
            [t for t in common if t["cond"][1] == "none"]), 4)
        res[f"{prefix}.recall.room_street"] = round(recall(
            [t for t in common if t["cond"][1] != "none"]), 4)
        # false accepts: per word, then the common words' mean
        fa = {w: {s: 0 for s in ("speech", "music", "noise")} for w in words}
        for w in words:
            for n, sub in NEGATIVES.items():
                fa[w][sub] += len(det[(w, n)])
            near = len(det[(w, "near_miss")])
            real = sum(fa[w].values())
            res[f"{prefix}.{w}.false_accepts_per_hour.real"] = round(real / hours_real, 3)
            res[f"{prefix}.{w}.false_accepts.real"] = real
            res[f"{prefix}.{w}.false_accepts.near_miss"] = near
            fa[w]["near_miss"] = near
        nw = len(COMMON)
        tot = {k: sum(fa[w][k] for w in COMMON)
               for k in ("speech", "music", "noise", "near_miss")}
        real = tot["speech"] + tot["music"] + tot["noise"]
        res[f"{prefix}.false_accepts.real"] = real
        res[f"{prefix}.false_accepts.near_miss"] = tot["near_miss"]
        res[f"{prefix}.false_accepts_per_hour"] = round(
            (real + tot["near_miss"]) / (nw * (hours_real + hours_near)), 3)
        res[f"{prefix}.false_accepts_per_hour.real"] = round(real / (nw * hours_real), 3)
        res[f"{prefix}.false_accepts_per_hour.near_miss"] = round(
            tot["near_miss"] / (nw * hours_near), 3)
        for sub in ("speech", "music", "noise"):
            h = sum(seconds[n] for n, s in NEGATIVES.items() if s == sub) / 3600
            res[f"{prefix}.false_accepts_per_hour.{sub}"] = round(tot[sub] / (nw * h), 3)
        # which near misses woke what (for the table's notes)
        woke = {}
        for w in words:
            for t in sets["near_miss"]["trials"]:
                if any(t["start"] <= x <= t["end"] + AFTER for x in det[(w, "near_miss")]):
                    woke.setdefault(f"{t['phrase']} -> {w}", 0)
                    woke[f"{t['phrase']} -> {w}"] += 1
        if woke:
            print(f"{prefix}: near misses that woke a word: " +
                  ", ".join(f"{k} ({v})" for k, v in sorted(woke.items())), file=sys.stderr)
    # cost and memory, ours
    tmp = tempfile.mkdtemp(prefix="wake-cost.")
    try:
        for w in WORDS:
            os.mkdir(os.path.join(tmp, w))
        speech = neg["wakeneg/speech_en"]
        with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 2) as ex:
            cost = dict(zip(WORDS, ex.map(
                lambda w: instr_per_frame(build, w, speech, os.path.join(tmp, w)),
                WORDS)))
    finally:
        shutil.rmtree(tmp)
    for w, v in cost.items():
        res[f"wake.instr_per_frame.{w}"] = round(v)
    res["wake.instr_per_frame"] = round(max(cost.values()))
    for w, (used, size) in arena.items():
        res[f"wake.arena_bytes.{w}"] = used
        res["wake.arena_bytes.static"] = size
    res["wake.arena_bytes"] = max(u for u, _ in arena.values())
    for w, c in cut.items():
        res[f"wake.tune.{w}.cutoff"] = round(c / 255, 4)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--cutoff", action="append", default=[], metavar="WORD=P",
                    help="our probability cutoff for WORD (0 < P < 1) instead of "
                    "CUTOFFS's (default: the manifest's)")
    args = ap.parse_args()
    cutoffs = {}
    for a in args.cutoff:
        w, _, p = a.partition("=")
        try:
            cutoffs[w] = float(p)
        except ValueError:
            raise SystemExit(f"wake_bench: --cutoff {a}: want WORD=P")
    res = measure(args.build, cutoffs=cutoffs)
    if args.table:
        for k in sorted(res):
            print(f"{k:<52} {res[k]:>12}")
    else:
        print(json.dumps(res, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
