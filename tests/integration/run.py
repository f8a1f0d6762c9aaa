#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the integration tests: every test_* function in test_*.py here.

Each test gets a fresh Rig (real parleyd, file-backed ALSA PCMs, fake LAN
peers) and must close it.  Prints one line per test and a closing
'integration: N passed, N failed' line; exits non-zero on any failure.
"""
import argparse
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def build_dir(argv):
    """--build's value, read before any test module (and common.py, which
    fixes BUILD at import) is imported."""
    for i, a in enumerate(argv):
        if a == "--build" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--build="):
            return a.split("=", 1)[1]
    return os.environ.get("PARLEY_BUILD", "build")


os.environ["PARLEY_BUILD"] = os.path.abspath(build_dir(sys.argv[1:]))
from common import Skip  # noqa: E402


def discover(only):
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for attr in sorted(dir(mod)):
            if attr.startswith("test_") and callable(getattr(mod, attr)):
                full = f"{name[:-3]}.{attr}"
                if not only or any(o in full for o in only):
                    tests.append((full, getattr(mod, attr)))
    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("only", nargs="*", help="run tests whose name contains one of these")
    args = ap.parse_args()
    os.environ["PARLEY_BUILD"] = os.path.abspath(args.build)
    passed = failed = skipped = 0
    for name, fn in discover(args.only):
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print(f"skip {name}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - t0:.1f} s)")
            print("".join("    " + l for l in traceback.format_exc().splitlines(True)))
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - t0:.1f} s)")
        sys.stdout.flush()
    print(f"integration: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
