# SPDX-License-Identifier: MIT
"""The audio thread makes no heap calls: a malloc interposer counts the
calls made by the thread named parley-audio through whole turns (capture,
VAD, playback of speech, a barge-in flush)."""
import os
import time

from common import SPEECH, Skip, rig, shim


def test_audio_thread_never_allocates():
    if os.environ.get("PARLEY_SANITIZED") or os.environ.get("PARLEY_VALGRIND"):
        raise Skip("the sanitizer or valgrind owns malloc; the interposer cannot count")
    report = None
    with rig() as r:
        report = os.path.join(r.dir, "alloc.txt")
        r.start_stt()
        r.start_ollama("--answer", "One. Two. Three. Four. Five. Six.", "--token-rate", "20")
        r.start(["silence:1.5", SPEECH, "silence:20"], extra_env={
            "LD_PRELOAD": shim("alloc_count.so"),
            "PARLEY_ALLOC_REPORT": report})
        r.wait_frames(100)
        r.tap()
        r.wait_state("speaking", 20)
        time.sleep(1.0)
        r.ctl("button", "press")  # barge-in: the audio thread drops the ring
        time.sleep(0.5)
        r.ctl("button", "release")
        r.wait_turns(1, 20)
        if r.status()["state"] == "idle":
            r.ctl("say", "Steady state.")
        time.sleep(2)
        frames = r.frames()
        assert r.stop() == 0
        with open(report) as f:
            counts = {k: int(v) for k, v in (line.split() for line in f)}
        assert frames > 500
        assert counts == {"malloc": 0, "calloc": 0, "realloc": 0, "free": 0,
                          "posix_memalign": 0}, counts


def test_audio_thread_never_allocates_with_resampling_and_channels():
    """The same with every conversion on: 48 kHz stereo capture (one
    channel mixed in), 48 kHz playback with its 16 kHz reference, drift
    correction, volume ramps and earcons."""
    if os.environ.get("PARLEY_SANITIZED") or os.environ.get("PARLEY_VALGRIND"):
        raise Skip("the sanitizer or valgrind owns malloc; the interposer cannot count")
    with rig() as r:
        report = os.path.join(r.dir, "alloc.txt")
        r.start(["silence:60"], feeder_args=["--rate", "48000", "--channels", "2"],
                extra_env={"LD_PRELOAD": shim("alloc_count.so"),
                           "PARLEY_ALLOC_REPORT": report},
                audio__capture_rate=48000, audio__capture_channels=2,
                audio__capture_channel=-1, audio__playback_rate=48000,
                audio__earcons=True)
        r.wait_frames(100)
        r.ctl("volume", "40")
        r.ctl("say", "Counting the heap calls of the audio thread.")
        r.wait_state("speaking", 10)
        r.ctl("volume", "90")
        r.ctl("button", "press")  # barge-in, with the listening chime
        time.sleep(0.4)
        r.ctl("button", "release")  # nothing heard: the error chime
        r.wait_state("idle", 20)
        time.sleep(1)
        frames = r.frames()
        assert int(r.status()["earcons"]) >= 2
        assert r.stop() == 0
        with open(report) as f:
            counts = {k: int(v) for k, v in (line.split() for line in f)}
        assert frames > 300
        assert counts == {"malloc": 0, "calloc": 0, "realloc": 0, "free": 0,
                          "posix_memalign": 0}, counts
