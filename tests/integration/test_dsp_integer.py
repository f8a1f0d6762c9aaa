# SPDX-License-Identifier: MIT
"""dsp/ is integer-only: the built objects hold no floating-point
instruction and reference no floating-point helper or libm symbol.

The objects are disassembled with objdump.  On x86-64 a floating-point
operation is an x87 instruction (f...) or SSE/AVX scalar or packed
single/double arithmetic, a comparison or a conversion (addss, mulpd,
cvtsi2sd, ...); on arm64 it is one
that names an s/d/h register as a float operand (fadd, fmul, scvtf, ...).
Integer SIMD (paddw, pmulhw, movdqa and the like, or arm64's add v0.2s) is
allowed: the compiler may vectorise integer loops.  So is arm64's fmov
between a general register and a vector register (fmov d0, x0): it copies
bits into a NEON lane and computes nothing in floating point.  The checker
is first shown a float function and must flag it, so a checker that sees
nothing cannot pass.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile

from common import BUILD, ROOT

# x86-64 floating-point arithmetic, comparisons and conversions.  Moves and
# bitwise ops (movups, xorps, ...) do not match: compilers use them to copy
# and clear integer structs, and they compute nothing in floating point.
X86_FLOAT = re.compile(
    r"(f(?!s\b|nop)[a-z0-9]+"  # x87: fld, fstp, fmul, ...
    r"|v?(add|sub|mul|div|sqrt|max|min|cmp[a-z]*|rcp|rsqrt|round|hadd"
    r"|fn?m(add|sub)\d*)(ss|sd|ps|pd)"
    r"|v?u?comis[sd]|v?cvt[a-z0-9]*)\b")
ARM_FLOAT = re.compile(r"\b(f[a-z0-9]+|[su]cvtf|fcvt[a-z]*)\s+[sdhv]\d")
# fmov d0, x0 / fmov w1, s0: a bit copy between register files
ARM_BITMOVE = re.compile(r"fmov\s+([sdh]\d+,\s*[xw]\d+|[xw]\d+,\s*[sdh]\d+)\s*$")
# calls into the soft-float runtime or libm
FLOAT_SYMS = re.compile(
    r"\b(__(add|sub|mul|div|fix|float|extend|trunc|cmp|eq|ne|lt|le|gt|ge)"
    r"[a-z]*[sdt]f[0-9]?|sqrtf?|expf?|logf?|powf?|sinf?|cosf?|floorf?"
    r"|ceilf?|roundf?|lrintf?|fabsf?)\b")


def float_ops(obj):
    """Floating-point instructions and symbols in one object file."""
    with open(obj, "rb") as f:
        machine = int.from_bytes(f.read(20)[18:20], "little")  # ELF e_machine
    arch = "arm64" if machine == 183 else "x86-64"
    tool = "aarch64-linux-gnu-objdump" if arch == "arm64" else "objdump"
    dis = subprocess.run([tool, "-d", "--no-show-raw-insn", obj],
                         capture_output=True, text=True, check=True).stdout
    found = []
    for line in dis.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not re.match(r"\s*[0-9a-f]+:", parts[0]):
            continue
        insn = " ".join(parts[1:]).strip()
        pat = ARM_FLOAT if arch == "arm64" else X86_FLOAT
        if pat.match(insn) and not (arch == "arm64" and ARM_BITMOVE.match(insn)):
            found.append(insn)
    syms = subprocess.run(["nm", "-u", obj], capture_output=True, text=True,
                          check=True).stdout
    for line in syms.splitlines():
        name = line.split()[-1]
        if FLOAT_SYMS.fullmatch(name):
            found.append("calls " + name)
    return found


FLOAT_SRC = ("double scale(double x, int k) { return x * k + 0.5; }\n"
             "float mix(float a, float b) { return a / b; }\n"
             "int root(int v) { return (int)__builtin_sqrt((double)v); }\n"
             "double half(void) { return 0.5; }\n")
INT_SRC = ("void add(short *a, const short *b, int n)\n"
           "{ for (int i = 0; i < n; i++) a[i] = (short)((a[i] * b[i]) >> 15); }\n")


def compiled(cc, src, opt):
    """Object file of src built by cc, in a temporary directory."""
    d = tempfile.mkdtemp(prefix="parley-float-")
    c, o = os.path.join(d, "x.c"), os.path.join(d, "x.o")
    with open(c, "w") as f:
        f.write(src)
    subprocess.run([cc, opt, "-c", c, "-o", o], check=True)
    return o


def compilers():
    """The native compiler, and the arm64 cross compiler where installed."""
    yield "cc"
    if shutil.which("aarch64-linux-gnu-gcc") and shutil.which("aarch64-linux-gnu-objdump"):
        yield "aarch64-linux-gnu-gcc"


def test_checker_flags_float_code():
    for cc in compilers():
        o = compiled(cc, FLOAT_SRC, "-O2")
        found = " ".join(float_ops(o))
        shutil.rmtree(os.path.dirname(o))
        assert "mul" in found or "fmadd" in found, (cc, found)
        assert "div" in found, (cc, found)
        assert "cvt" in found, (cc, found)
        if cc.startswith("aarch64"):
            # a float constant moved in is flagged; only bit copies are not
            assert "fmov\td0, #" in found or "fmov d0, #" in found, (cc, found)


def test_checker_passes_integer_simd():
    for cc in compilers():
        o = compiled(cc, INT_SRC, "-O3")
        found = float_ops(o)
        shutil.rmtree(os.path.dirname(o))
        assert found == [], (cc, found)


def test_dsp_objects_are_integer_only():
    srcs = sorted(glob.glob(os.path.join(ROOT, "dsp", "*.c")))
    # the native objects, and the arm64 ones when make cross-check built them
    for objdir in [os.path.join(BUILD, "obj", "dsp"),
                   os.path.join(BUILD, "arm64", "obj", "dsp")]:
        if objdir != os.path.join(BUILD, "obj", "dsp") and not os.path.isdir(objdir):
            continue
        objs = sorted(glob.glob(os.path.join(objdir, "*.o")))
        assert len(objs) >= len(srcs) > 0, (objs, srcs)
        bad = {os.path.basename(o): float_ops(o)[:5] for o in objs}
        bad = {k: v for k, v in bad.items() if v}
        assert not bad, f"floating point in {objdir}: {bad}"
    # and in the sources: no float or double types at all
    for s in srcs + glob.glob(os.path.join(ROOT, "dsp", "*.h")):
        with open(s) as f:
            code = re.sub(r"/\*.*?\*/|//[^\n]*", "", f.read(), flags=re.S)
        assert not re.search(r"\b(float|double)\b", code), f"{s} names a float type"
