# SPDX-License-Identifier: MIT
"""The audio thread makes no heap calls: a malloc interposer counts the
calls made by the thread named parley-audio through whole turns (capture,
VAD, playback of speech, a barge-in flush), a voice barge-in through the
echo canceller, and a device that vanishes and comes back (the device
thread, not the audio thread, closes and reopens it)."""
import os
import time

from common import SPEECH, Skip, rig, shim

NO_HEAP = {"malloc": 0, "calloc": 0, "realloc": 0, "free": 0, "posix_memalign": 0}


def heap_calls(report):
    with open(report) as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def no_interposer():
    if os.environ.get("PARLEY_SANITIZED") or os.environ.get("PARLEY_VALGRIND"):
        raise Skip("the sanitizer or valgrind owns malloc; the interposer cannot count")


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


def test_audio_thread_never_allocates_through_a_voice_barge_in():
    """The person talks over the answer: the echo canceller runs against
    the played answer, the VAD hears the voice, and the turn flushes the
    playback ring and listens, all without a heap call in the audio
    thread."""
    no_interposer()
    answer = " ".join(f"This is sentence number {i} of a long answer." for i in range(1, 30))
    with rig() as r:
        report = os.path.join(r.dir, "alloc.txt")
        r.start_stt("--transcript", "stop and listen")
        r.start_ollama("--answer", answer, "--token-rate", "0")
        r.start(["silence:7", SPEECH, "silence:60"], echo=True, barge_in__voice=True,
                extra_env={"LD_PRELOAD": shim("alloc_count.so"),
                           "PARLEY_ALLOC_REPORT": report})
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        r.wait_state("speaking", 20)
        assert r.frames() < 600, "the answer started too late for this test"
        # the voice in the capture stream at 7 s interrupts the answer
        assert r.wait_state("listening", 20) == "listening"
        r.wait_turns(1, 30)
        assert r.stop() == 0
        assert "voice barge-in" in r.log_text()
        assert r.turns()[0]["outcome"] == "barge-in"
        assert heap_calls(report) == NO_HEAP, heap_calls(report)


def test_audio_thread_never_allocates_when_the_device_vanishes():
    """-ENODEV from the card: alsa-lib frees and allocates on close and
    open (48 calloc and 4 realloc per reopen, counted before the device
    thread did it), so the reopen happens outside the audio thread."""
    no_interposer()
    with rig() as r:
        report = os.path.join(r.dir, "alloc.txt")
        faults = os.path.join(r.dir, "faults")
        os.mkdir(faults)
        r.start_ollama("--answer", "Still here.", "--token-rate", "0")
        r.start(["silence:120"], extra_env={
            "LD_PRELOAD": shim("alloc_count.so") + " " + shim("alsa_fault.so"),
            "PARLEY_ALSA_FAULTS": faults, "PARLEY_ALLOC_REPORT": report})
        r.wait_frames(50)
        open(os.path.join(faults, "enodev"), "w").close()
        deadline = time.monotonic() + 10
        while "audio device lost" not in r.log_text():
            assert time.monotonic() < deadline, "the fault was not seen"
            time.sleep(0.05)
        os.unlink(os.path.join(faults, "enodev"))
        deadline = time.monotonic() + 10
        while int(r.status()["xruns"].split()[2]) < 1:
            assert time.monotonic() < deadline, "the device was not reopened"
            time.sleep(0.05)
        r.wait_frames(r.frames() + 50)
        r.ctl("ask", "are you there?")
        r.wait_turns(1, 20)
        assert r.stop() == 0
        assert r.turns()[0]["answer"] == "Still here."
        assert heap_calls(report) == NO_HEAP, heap_calls(report)


def test_wake_word_detector_never_allocates():
    """The wake word worker (parley-wake) through detections while idle,
    one over the answer with the echo playing back, a word turned off and
    on, and a mute that starts its stream afresh."""
    no_interposer()
    from test_wake_daemon import clip, wake_cfg
    alexa = clip("alexa")
    long_answer = " ".join(f"This is sentence number {i} of a long answer." for i in range(1, 30))
    with rig() as r:
        report = os.path.join(r.dir, "alloc.txt")
        r.start_stt("--transcript", "stop")
        r.start_ollama("--answer", long_answer, "--token-rate", "0")
        r.start(["silence:7", alexa, "silence:0.5", SPEECH, "silence:4", alexa,
                 "silence:60"], echo=True, extra_env={
                     "LD_PRELOAD": shim("alloc_count.so"),
                     "PARLEY_ALLOC_THREAD": "parley-wake",
                     "PARLEY_ALLOC_REPORT": report}, **wake_cfg())
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        r.wait_state("speaking")
        assert r.ctl("wake", "off", "alexa")[0] == 0
        assert r.ctl("wake", "on", "alexa")[0] == 0
        deadline = time.monotonic() + 60
        while r.log_text().count("Alexa detected") < 2:
            assert time.monotonic() < deadline, r.log_text()[-3000:]
            time.sleep(0.1)
        for _ in range(2):  # mute and unmute: the worker resets its stream
            assert r.ctl("button", "press")[0] == 0
            time.sleep(0.08)
            assert r.ctl("button", "release")[0] == 0
            time.sleep(0.08)
        r.wait_frames(r.frames() + 100)
        assert r.stop() == 0
        log = r.log_text()
        assert "barge-in while speaking" in log and "microphone muted" in log, log[-3000:]
        assert heap_calls(report) == NO_HEAP, heap_calls(report)
