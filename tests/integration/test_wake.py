# SPDX-License-Identifier: MIT
"""The wake word engine over files: `dsp-run wake`.

Needs the shared microWakeWord models and the two real clips
($PARLEY_SHARED, default ../shared beside the repository): skipped
without them.  Each clip is played with 0.5 s of silence before and 1 s
after (the models decide once the word has ended).

 - every model output of dsp-run (frontend and int8 interpreter) equals
   the independent integer model tests/golden/wake_int8_model.py;
 - "alexa" and "hey mycroft" wake their own model, once, and no other;
 - a model with an operator we do not implement, a cut-off file, a
   manifest with a bad key and a --cutoff that is no probability are
   refused with a message naming what is wrong;
 - --cutoff P detects by the manifest's rule with floor(P x 255).

test_tiny_model_equals_the_int8_model needs none of the shared files: it
runs the small model of tests/golden/tflite_write.py (every operator kind
the shipped models use but SPLIT_V, with a stream variable) on the
synthetic second of wakefe_model.py.
"""
import os
import struct
import subprocess
import sys
import tempfile

from common import BUILD, ROOT, Skip

sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
import tflite_read  # noqa: E402
import tflite_write  # noqa: E402
import wake_int8_model  # noqa: E402
import wakefe_model  # noqa: E402

SHARED = os.environ.get("PARLEY_SHARED", os.path.join(ROOT, "..", "shared"))
MODELS = os.path.join(SHARED, "models", "micro-wake-word")
CLIPS = os.path.join(SHARED, "testdata", "wakeword")
WORDS = {"alexa": "alexa_test.wav", "hey_mycroft": "hey_mycroft_test.wav"}
OTHERS = ("hey_jarvis", "okay_nabu")


def need(*paths):
    for p in paths:
        if not os.path.exists(p):
            raise Skip(f"{p} missing")


def clip(name):
    path = os.path.join(CLIPS, name)
    need(path)
    return [0] * 8000 + wakefe_model.read_wav(path) + [0] * 16000


def dsp_run(model, samples, *extra, check=True):
    p = subprocess.run([os.path.join(BUILD, "dsp-run"), "wake", "--model", model, *extra],
                       input=struct.pack(f"<{len(samples)}h", *samples),
                       capture_output=True, timeout=60)
    if check and p.returncode:
        raise AssertionError(p.stderr.decode())
    return p


def test_outputs_equal_the_int8_model():
    samples = clip("alexa_test.wav")
    frames = wake_int8_model.frames_int8(samples)
    for name in ("alexa", "hey_mycroft", "hey_jarvis", "okay_nabu", "vad"):
        model = os.path.join(MODELS, name + ".tflite")
        need(model)
        got = [line.split() for line in dsp_run(model, samples, "--probs").stdout.decode().splitlines()]
        want = wake_int8_model.outputs(model, samples, frames)
        assert len(got) == len(want) > 60, (name, len(got), len(want))
        for (sec, prob), (frame, p) in zip(got, want):
            assert round(float(sec) * 100) == frame, (name, sec, frame)
            assert round(float(prob) * 255) == p, (name, sec, prob, p)
        # the clip moves the model: not a constant stream
        assert len({p for _, p in want}) > 2 or name in OTHERS, name


def test_each_clip_wakes_its_own_word_only():
    for word, wav in WORDS.items():
        samples = clip(wav)
        for name in list(WORDS) + list(OTHERS):
            model = os.path.join(MODELS, name + ".tflite")
            need(model)
            lines = dsp_run(model, samples).stdout.decode().splitlines()
            if name == word:
                assert len(lines) == 1, (word, lines)
                sec, prob = float(lines[0].split()[0]), float(lines[0].split()[-1])
                # manifest names it; during or just after the word
                assert " ".join(lines[0].split()[1:-1]).lower() == word.replace("_", " ")
                assert 0.5 < sec < len(samples) / 16000 and prob > 0.9, lines
            else:
                assert lines == [], (word, name, lines)


def opcode_field(path, code):
    """byte offset of the builtin_code of the operator code whose code is code"""
    m = tflite_read.Model(path)
    root = tflite_read.Table(m.buf, struct.unpack_from("<I", m.buf, 0)[0])
    for oc in root.tables(1):
        if max(oc.scalar(0, "b"), oc.scalar(3, "i")) == code:
            return oc.pos + oc._field(3), oc.pos + oc._field(0)
    raise AssertionError(f"no operator code {code}")


def test_refusals_name_what_is_wrong():
    model = os.path.join(MODELS, "alexa.tflite")
    need(model)
    with open(model, "rb") as f:
        data = bytearray(f.read())
    with tempfile.TemporaryDirectory() as tmp:
        # LOGISTIC (14) turned into SQUARED_DIFFERENCE (99)
        bad = bytearray(data)
        wide, narrow = opcode_field(model, 14)
        struct.pack_into("<i", bad, wide, 99)
        struct.pack_into("<b", bad, narrow, 99)
        path = os.path.join(tmp, "odd.tflite")
        with open(path, "wb") as f:
            f.write(bad)
        p = dsp_run(path, [0] * 1600, check=False)
        assert p.returncode == 1
        assert b"odd.tflite: operator SQUARED_DIFFERENCE (builtin 99) is not supported" in p.stderr, p.stderr
        # the same file cut short at every 997th byte: refused, never a crash
        for n in range(8, len(data), 997):
            with open(path, "wb") as f:
                f.write(data[:n])
            p = dsp_run(path, [0] * 1600, check=False)
            assert p.returncode == 1 and p.stderr.startswith(b"dsp-run wake: odd.tflite: "), (n, p.stderr)
        # a manifest whose cutoff is not a probability
        man = os.path.join(tmp, "m.json")
        with open(man, "w") as f:
            f.write('{"wake_word": "x", "micro": {"probability_cutoff": 1.5, "sliding_window_size": 5}}')
        p = dsp_run(model, [0] * 1600, "--manifest", man, check=False)
        assert p.returncode == 1 and b"m.json: micro.probability_cutoff" in p.stderr, p.stderr
    # a --cutoff that is not a probability
    for bad in ("0", "1", "-0.5", "0.5x", ""):
        p = dsp_run(model, [0] * 1600, "--cutoff", bad, check=False)
        assert p.returncode == 2 and b"--cutoff wants a probability" in p.stderr, (bad, p.stderr)


def test_tiny_model_equals_the_int8_model():
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "tiny.tflite")
        data = tflite_write.tiny()
        with open(model, "wb") as f:
            f.write(data)
        # the fuzzer's seed is this model
        with open(os.path.join(ROOT, "tests", "fuzz", "corpus", "tflite", "tiny.tflite"), "rb") as f:
            assert f.read() == data, "tests/fuzz/corpus/tflite/tiny.tflite: regenerate it"
        samples = wakefe_model.synthetic()
        p = dsp_run(model, samples, "--probs")
        assert b"tiny: 3 frames per inference, 808 multiply-adds" in p.stderr, p.stderr
        got = [line.split() for line in p.stdout.decode().splitlines()]
        want = wake_int8_model.outputs(model, samples)
        assert len(got) == len(want) == 32, (len(got), len(want))
        assert [(round(float(s) * 100), round(float(v) * 255)) for s, v in got] == want
        assert len({v for _, v in want}) > 5, want
        # --cutoff P: the first full window of 5 outputs whose sum exceeds
        # floor(P x 255) x 5 (then 2 s of refractory, longer than the second)
        for cut in sorted({v for _, v in want})[1:-1:3] + [254]:
            P = (cut + 0.5) / 255
            vals = [v for _, v in want]
            first = next((i for i in range(4, len(vals)) if sum(vals[i - 4:i + 1]) > cut * 5), None)
            p = dsp_run(model, samples, "--cutoff", repr(P))
            assert f"cutoff {cut}/255 over 5 outputs".encode() in p.stderr, p.stderr
            got = [line.split() for line in p.stdout.decode().splitlines()]
            assert [round(float(g[0]) * 100) for g in got] == \
                ([] if first is None else [want[first][0]]), (cut, got, first)
