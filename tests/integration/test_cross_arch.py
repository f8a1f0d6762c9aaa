# SPDX-License-Identifier: MIT
"""Another machine's parleyd (make cross-check: the arm64 build under
qemu-user, PARLEY_PARLEYD) against this machine's, on the same sentence.

The spoken answer goes from espeak-ng (22050 Hz) through speexdsp's
resampler, which is floating point, to the playback rate of the boards
(48 kHz).  espeak-ng's samples are the same on both machines; the
resampler's arithmetic is rounded differently (Debian's arm64 speexdsp
fuses multiplies and adds), so a few samples may land one LSB apart.
Anything more (a longer or shorter answer, a gap, a larger step) is a
real difference."""
import os
import time

from common import BUILD, Skip, rig

TEXT = ("The quick brown fox jumps over the lazy dog, and then it runs far "
        "away across the wide green field.")


def played(parleyd, rate):
    """The sound parleyd wrote for TEXT at rate, leading and trailing
    silence cut."""
    with rig() as r:
        r.parleyd = parleyd
        r.start(["silence:30"], audio__playback_rate=rate)
        r.wait_frames(20)
        assert r.ctl("say", TEXT)[0] == 0
        r.wait_state("speaking", 30)
        r.wait_state("idle", 60)
        time.sleep(0.3)  # the last periods reach the file
        st = r.status()
        assert r.stop() == 0
        pb = r.playback_samples()
    nz = [i for i, v in enumerate(pb) if v]
    assert nz, "nothing was played"
    return pb[nz[0]:nz[-1] + 1], st


def test_playback_matches_this_machines():
    other = os.environ.get("PARLEY_PARLEYD")
    if not other:
        raise Skip("needs PARLEY_PARLEYD (make cross-check)")
    rate = 48000
    ours, st0 = played(os.path.join(BUILD, "parleyd"), rate)
    theirs, st1 = played(os.path.abspath(other), rate)
    assert len(ours) == len(theirs), (len(ours), len(theirs), st0, st1)
    d = [abs(a - b) for a, b in zip(ours, theirs)]
    n = sum(1 for v in d if v)
    print(f"playback at {rate} Hz: {n} of {len(d)} samples differ from this "
          f"machine's, by at most {max(d)} LSB")
    assert max(d) <= 1, max(d)
    assert n <= len(d) // 1000, n
