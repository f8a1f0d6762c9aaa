#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the interoperability tests: every test_* function in test_*.py
here, against real implementations of the LAN peers built from their own
source (make interop builds them; see the Makefile).

The same runner and rig as the integration tests: tests/integration/run.py
is loaded and pointed at this directory, so the tests here import common
and rig from tests/integration as those tests do.  Same options (--build,
name filters) and the same closing 'integration: N passed, N failed' line.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import run as runner  # noqa: E402  (tests/integration/run.py)

runner.HERE = HERE  # discover() looks for test_*.py in runner.HERE

if __name__ == "__main__":
    sys.exit(runner.main())
