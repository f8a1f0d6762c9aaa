# SPDX-License-Identifier: MIT
"""Echo cancellation in the running daemon.  The feeder is the room: it
plays what parleyd wrote to the playback device back into the microphone
through a few delayed reflections.  While parleyd speaks, the processed
microphone ("record ... both": mic and reference side by side) must hold
far less of the speaker's own voice with a canceller on than with it off;
and with barge_in.voice on, the speaker's own voice must not interrupt its
answer, while a person talking over it must."""
import math
import os
import re
import subprocess
import time

from common import BUILD, SPEECH, rig
from rig import active_span, read_raw, read_wav

LONG = ("The quick brown fox jumps over the lazy dog, and then it runs far away "
        "across the wide green field until the sun goes down behind the hills.")


def energy_db(x):
    if not x:
        return -200.0
    return 10 * math.log10(sum(v * v for v in x) / len(x) / 32768.0 ** 2 + 1e-20)


def echo_left_db(aec, playback_rate=16000):
    """dB of speaker echo left in the processed microphone, relative to the
    reference, over the last half of a long sentence."""
    with rig() as r:
        r.start(["silence:60"], echo=True, dsp__aec=aec, dsp__ns_db=0,
                audio__playback_rate=playback_rate)
        r.wait_frames(30)
        path = r.recording("both.wav")
        rec = subprocess.Popen([os.path.join(r.build, "parleyctl"), "-s", r.socket,
                                "record", "9", "both.wav", "both"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.2)
        assert r.ctl("say", LONG)[0] == 0
        assert rec.wait(30) == 0, rec.stderr.read()
        assert r.stop() == 0
        _, ch, _, pcm = read_wav(path)
        assert ch == 2
        mic, ref = pcm[0::2], pcm[1::2]
        active = [i for i in range(0, len(ref) - 159, 160)
                  if energy_db(ref[i:i + 160]) > -50]
        assert len(active) > 300, "the answer is shorter than expected"
        late = active[len(active) // 2:]  # after the canceller has converged
        m = [v for i in late for v in mic[i:i + 160]]
        f = [v for i in late for v in ref[i:i + 160]]
        return energy_db(m) - energy_db(f)


def test_canceller_removes_the_speakers_own_voice():
    off = echo_left_db("off")
    fixed = echo_left_db("fixed")
    speex = echo_left_db("speex")
    print(f"echo left vs reference: off {off:.1f} dB, fixed {fixed:.1f} dB, "
          f"speex {speex:.1f} dB")
    assert off > -15, f"the room should be audible with no canceller ({off:.1f} dB)"
    assert fixed < off - 20, (off, fixed)
    assert speex < off - 10, (off, speex)


def test_canceller_works_with_48k_playback():
    off = echo_left_db("off", 48000)
    fixed = echo_left_db("fixed", 48000)
    print(f"48 kHz playback, echo left: off {off:.1f} dB, fixed {fixed:.1f} dB")
    assert fixed < off - 20, (off, fixed)


LONG_ANSWER = " ".join(f"This is sentence number {i} of a long answer." for i in range(1, 30))


def answer_playing(r, seconds, timeout=30):
    """Waits until seconds of the answer have been played."""
    r.wait_state("speaking", timeout)
    played0 = int(r.status()["played_samples"])
    deadline = time.monotonic() + timeout
    while int(r.status()["played_samples"]) < played0 + seconds * 16000:
        assert time.monotonic() < deadline, "the answer stopped playing"
        time.sleep(0.05)


def test_own_voice_does_not_interrupt_the_answer():
    with rig() as r:
        r.start_ollama("--answer", LONG_ANSWER, "--token-rate", "0")
        r.start(["silence:60"], echo=True, barge_in__voice=True)
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        answer_playing(r, 8)
        assert r.status()["state"] == "speaking"
        assert "voice barge-in" not in r.log_text()
        r.stop()
    with rig() as r:
        r.start_ollama("--answer", LONG_ANSWER, "--token-rate", "0")
        r.start(["silence:60"], echo=True, barge_in__voice=True, dsp__aec="off")
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        answer_playing(r, 4)
        assert "voice barge-in" not in r.log_text(), "voice barge-in needs the canceller"
        assert "barge_in.voice is on but dsp.aec is off" in r.log_text()
        r.stop()


def test_talking_over_the_answer_interrupts_it():
    with rig() as r:
        r.start_stt("--transcript", "stop and listen")
        r.start_ollama("--answer", LONG_ANSWER, "--token-rate", "0")
        # the person talks over the answer 7 s into the capture stream
        r.start(["silence:7", SPEECH, "silence:60"], echo=True, barge_in__voice=True)
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        answer_playing(r, 1)
        assert r.frames() < 600, "the answer started too late for this test"
        assert r.wait_state("listening", 10) == "listening"
        deadline = time.monotonic() + 20
        while not [q for q in r.stt.requests() if q.get("wav")]:
            assert time.monotonic() < deadline, "nothing reached speech-to-text"
            time.sleep(0.05)
        r.stop()
        log = r.log_text()
        assert "voice barge-in" in log, log[-2000:]
        assert "transcript: stop and listen" in log
        first = r.turns()[0]
        assert first["outcome"] == "barge-in"
        speech = read_raw(SPEECH)
        a, b = active_span(speech)
        start_s = 7 + a / 16000
        m = re.search(r"(\d+\.\d+) info: turn: voice barge-in", log)
        t0 = re.search(r"(\d+\.\d+) notice: parleyd: ready", log)
        # the barge-in came while the person spoke, not before
        assert m and t0
        at = float(m.group(1)) - float(t0.group(1))
        assert start_s < at + 0.3 < start_s + 2.0, (at, start_s)
        # the utterance sent to STT is the speech that interrupted, from its
        # start: most of the speech (the VAD trims quiet ends), not its tail
        up = [q for q in r.stt.requests() if q.get("wav")][-1]
        secs = up["wav"]["frames"] / up["wav"]["rate"]
        speech_s = (b - a) / 16000
        assert 0.7 * speech_s < secs < speech_s + 1.0, (secs, speech_s)
