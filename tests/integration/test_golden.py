# SPDX-License-Identifier: MIT
"""The committed golden vectors (tests/unit/golden_dsp.h) are exactly what
the integer models in tests/golden/gen_vectors.py compute; test_golden.c
then holds the C code to them, natively and under qemu-aarch64."""
import os
import subprocess
import sys

from common import ROOT


def test_golden_header_is_the_models_output():
    gen = os.path.join(ROOT, "tests", "golden", "gen_vectors.py")
    out = subprocess.run([sys.executable, gen], capture_output=True, text=True,
                         check=True).stdout
    with open(os.path.join(ROOT, "tests", "unit", "golden_dsp.h")) as f:
        committed = f.read()
    assert out == committed, "golden_dsp.h differs from gen_vectors.py's output: regenerate it"
    assert out.count("static const") >= 6
