# SPDX-License-Identifier: MIT
"""Audio device faults: an xrun is recovered and counted; a device that
vanishes (-ENODEV) is closed, reopened with backoff once it is back, logged
once, and counted.  The PCMs are the real file-backed test devices; an
alsa-lib shim makes their calls fail on request."""
import os
import time

from common import BUILD, Skip, rig


def counters(r):
    st = r.status()
    x = st["xruns"].split()
    return int(x[0]), int(x[2]), int(st["frames"])


def test_xrun_and_vanished_device_are_recovered():
    if os.environ.get("PARLEY_SANITIZED"):
        raise Skip("the alsa-lib shim cannot be preloaded ahead of AddressSanitizer")
    with rig() as r:
        faults = os.path.join(r.dir, "faults")
        os.mkdir(faults)
        r.start_ollama("--answer", "Still here.", "--token-rate", "0")
        r.start(["silence:120"], extra_env={
            "LD_PRELOAD": os.path.join(BUILD, "tests", "alsa_fault.so"),
            "PARLEY_ALSA_FAULTS": faults})
        r.wait_frames(50)
        open(os.path.join(faults, "xrun"), "w").close()
        deadline = time.monotonic() + 5
        while counters(r)[0] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        xruns, reopens, frames = counters(r)
        assert xruns == 1 and reopens == 0
        r.wait_frames(frames + 50)  # and it runs on
        # the card goes away: capture stops, the speaker stays up
        open(os.path.join(faults, "enodev"), "w").close()
        time.sleep(0.5)
        f1 = counters(r)[2]
        time.sleep(1.0)
        assert counters(r)[2] == f1, "frames moved while the device was gone"
        assert r.status()["state"] == "idle"
        # it comes back: reopened, counted, logged once
        os.unlink(os.path.join(faults, "enodev"))
        deadline = time.monotonic() + 10
        while counters(r)[1] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert counters(r)[1] == 1
        r.wait_frames(f1 + 50)
        log = r.log_text()
        assert log.count("audio device lost") == 1, log[-2000:]
        assert "audio devices reopened" in log
        # and a turn works afterwards
        r.ctl("ask", "are you there?")
        r.wait_turns(1, 20)
        r.stop()
        assert r.turns()[0]["answer"] == "Still here."


def test_suspend_is_resumed():
    """-ESTRPIPE: the engine resumes the stream, retrying while the driver
    answers -EAGAIN, falls back to prepare, counts it, and runs on."""
    if os.environ.get("PARLEY_SANITIZED"):
        raise Skip("the alsa-lib shim cannot be preloaded ahead of AddressSanitizer")
    with rig() as r:
        faults = os.path.join(r.dir, "faults")
        os.mkdir(faults)
        r.start(["silence:60"], extra_env={
            "LD_PRELOAD": os.path.join(BUILD, "tests", "alsa_fault.so"),
            "PARLEY_ALSA_FAULTS": faults})
        r.wait_frames(50)
        open(os.path.join(faults, "estrpipe"), "w").close()
        deadline = time.monotonic() + 5
        while int(r.status()["suspends"].split()[2]) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        st = r.status()
        s = st["suspends"].split()
        assert int(s[0]) == 1 and int(s[2]) == 1, st["suspends"]
        xruns, reopens, frames = counters(r)
        assert xruns == 0 and reopens == 0
        # three -EAGAIN answers, then the real call
        with open(os.path.join(faults, "resume_calls")) as f:
            calls = int(f.read())
        assert calls == 4, calls
        r.wait_frames(frames + 50)  # and it runs on
        assert "audio device lost" not in r.log_text()
        assert r.stop() == 0
