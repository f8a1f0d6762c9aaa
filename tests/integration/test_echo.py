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
import subprocess
import time

from common import BUILD, SPEECH, rig
from rig import read_raw, read_wav

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
        path = os.path.join(r.dir, "both.wav")
        rec = subprocess.Popen([os.path.join(r.build, "parleyctl"), "-s", r.socket,
                                "record", "9", path, "both"],
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
