# SPDX-License-Identifier: MIT
"""Audio device faults: an xrun is recovered and counted; a device that
vanishes (-ENODEV) is closed, reopened with backoff once it is back, logged
once, and counted.  The PCMs are the real file-backed test devices; an
alsa-lib shim makes their calls fail on request."""
import os
import time

from common import Skip, rig, shim


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
            "LD_PRELOAD": shim("alsa_fault.so"),
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
            "LD_PRELOAD": shim("alsa_fault.so"),
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


def drift_run(ppm, correct, seconds=10):
    """Runs parleyd against a playback card modelled by the shim as running
    ppm fast against the capture card; returns (lowest, highest) level the
    card held, and the status."""
    with rig() as r:
        faults = os.path.join(r.dir, "faults")
        os.mkdir(faults)
        with open(os.path.join(faults, "play_ppm"), "w") as f:
            f.write(str(ppm))
        r.start(["silence:60"], audio__playback_rate=48000,
                audio__drift_correction=correct, extra_env={
                    "LD_PRELOAD": shim("alsa_fault.so"),
                    "PARLEY_ALSA_FAULTS": faults})
        r.wait_frames(100 * seconds, timeout=seconds * 3)
        st = r.status()
        assert r.stop() == 0
        with open(os.path.join(faults, "play_level")) as f:
            lo, hi = (int(v) for v in f.read().split())
        return lo, hi, st


def test_drift_between_two_clocks_is_followed():
    """Capture and playback on different clocks: with correction the
    playback card's level stays put and the estimate finds the offset;
    without it the same 10 s drain the buffer by hundreds of frames."""
    if os.environ.get("PARLEY_SANITIZED") or os.environ.get("PARLEY_VALGRIND"):
        raise Skip("the alsa-lib shim cannot be preloaded ahead of the checker")
    lo, hi, st = drift_run(800, True)
    ppm = int(st["drift"].split()[0])
    assert abs(ppm - 800) < 150, st["drift"]
    assert "inserted 0 " not in st["drift"] + " "
    # 3 periods of 480 frames at most, never empty, and held within 2 ms
    assert 0 < lo and hi <= 1440 and hi - lo < 96, (lo, hi)
    lo2, hi2, st2 = drift_run(800, False)
    assert hi2 - lo2 > 300, (lo2, hi2)
    assert int(st2["drift"].split()[0]) == 0
