# SPDX-License-Identifier: MIT
"""The committed golden vectors (tests/unit/golden_dsp.h) are exactly what
the integer models in tests/golden/gen_vectors.py compute; test_golden.c
then holds the C code to them, natively and under qemu-aarch64."""
import os
import subprocess
import sys

from common import ROOT, Skip


def test_golden_header_is_the_models_output():
    gen = os.path.join(ROOT, "tests", "golden", "gen_vectors.py")
    out = subprocess.run([sys.executable, gen], capture_output=True, text=True,
                         check=True).stdout
    with open(os.path.join(ROOT, "tests", "unit", "golden_dsp.h")) as f:
        committed = f.read()
    assert out == committed, "golden_dsp.h differs from gen_vectors.py's output: regenerate it"
    assert out.count("static const") >= 6


def test_wake_frontend_golden_header_is_the_models_output():
    """tests/unit/golden_wakefe.h is wakefe_model.py's output, recordings
    included: the shared wake word clips ($PARLEY_SHARED or ../shared) and
    build/testdata/goforward.raw must be there to regenerate it."""
    shared = os.environ.get("PARLEY_SHARED", os.path.join(ROOT, "..", "shared"))
    clips = [os.path.join(shared, "testdata", "wakeword", f)
             for f in ("alexa_test.wav", "hey_mycroft_test.wav")]
    raw = os.path.join(ROOT, "build", "testdata", "goforward.raw")
    missing = [p for p in clips + [raw] if not os.path.exists(p)]
    if missing:
        raise Skip(f"{missing[0]} missing")
    gen = os.path.join(ROOT, "tests", "golden", "wakefe_model.py")
    out = subprocess.run([sys.executable, gen, shared], capture_output=True, text=True,
                         check=True).stdout
    with open(os.path.join(ROOT, "tests", "unit", "golden_wakefe.h")) as f:
        committed = f.read()
    assert out == committed, "golden_wakefe.h differs from wakefe_model.py's output: regenerate it"
    assert out.count("testdata/") == 3, "the header lacks a recording's hash"


def test_wake_model_golden_header_is_the_models_output():
    """tests/unit/golden_wake.h is wake_int8_model.py's output on the
    shared models and clips."""
    shared = os.environ.get("PARLEY_SHARED", os.path.join(ROOT, "..", "shared"))
    models = os.path.join(shared, "models", "micro-wake-word")
    if not os.path.exists(os.path.join(models, "alexa.tflite")):
        raise Skip(f"{models} missing")
    gen = os.path.join(ROOT, "tests", "golden", "wake_int8_model.py")
    out = subprocess.run([sys.executable, gen, "--header", shared], capture_output=True,
                         text=True, check=True).stdout
    with open(os.path.join(ROOT, "tests", "unit", "golden_wake.h")) as f:
        committed = f.read()
    assert out == committed, "golden_wake.h differs from wake_int8_model.py's output: regenerate it"
    assert out.count('.wav", ') == 10, "a model or clip is missing from the header"
