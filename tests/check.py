#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make check: runs the cmocka unit tests, then the integration tests, and
closes with one line 'check: N passed, N failed' over all of them."""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_unit(binaries):
    passed = failed = 0
    for b in binaries:
        p = subprocess.run([b], capture_output=True, text=True)
        out = p.stdout + p.stderr
        sys.stdout.write(out)
        ok = re.search(r"\[  PASSED  \] (\d+) test", out)
        bad = re.search(r"\[  FAILED  \] (\d+) test", out)
        n_ok = int(ok.group(1)) if ok else 0
        n_bad = int(bad.group(1)) if bad else 0
        if p.returncode and not n_bad:
            n_bad = 1  # crashed before cmocka could report
        passed += n_ok
        failed += n_bad
    print(f"unit: {passed} passed, {failed} failed")
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("unit", nargs="*")
    args = ap.parse_args()
    up, uf = run_unit(args.unit)
    sys.stdout.flush()
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "integration", "run.py"),
                          "--build", args.build], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    out = []
    for line in p.stdout:  # streamed, so a long run shows progress
        out.append(line)
        sys.stdout.write(line)
        sys.stdout.flush()
    p.wait()
    m = re.search(r"integration: (\d+) passed, (\d+) failed", "".join(out))
    ip, ifl = (int(m.group(1)), int(m.group(2))) if m else (0, 1)
    print(f"check: {up + ip} passed, {uf + ifl} failed")
    return 1 if uf + ifl or p.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
