# SPDX-License-Identifier: MIT
"""Helpers shared by the integration tests."""
import contextlib
import os
import socket
import subprocess
import tempfile

from rig import ROOT, Rig, parleyd_path, read_wav, shim_path

class Skip(Exception):
    """A test that cannot run in this build (it says why)."""


BUILD = os.environ.get("PARLEY_BUILD", os.path.join(ROOT, "build"))
TESTDATA = os.path.join(BUILD, "testdata")
SPEECH = os.path.join(TESTDATA, "goforward.raw")  # "go forward ten meters"
PARLEYD = parleyd_path(BUILD)  # PARLEY_PARLEYD, or BUILD/parleyd


def shim(name):
    """The LD_PRELOAD test shim name (alsa_fault.so, alloc_count.so) built
    for the daemon's machine: PARLEY_PARLEYD_LIBS, or BUILD/tests."""
    return shim_path(BUILD, name)


@contextlib.contextmanager
def rig(**kw):
    r = Rig(build=BUILD, **kw)
    try:
        yield r
    except Exception:
        print("---- parleyd log (tail) ----\n" + r.log_text()[-4000:])
        raise
    finally:
        r.close()


def free_port():
    """A loopback port with nothing listening on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def espeak_seconds(text, voice="en", wpm=175):
    """Length of espeak-ng's own rendering of text, from its CLI."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", f.name, text],
                       check=True, capture_output=True)
        rate, _, _, pcm = read_wav(f.name)
    nz = [i for i, v in enumerate(pcm) if abs(v) > 64]
    return (nz[-1] - nz[0]) / rate if nz else 0.0


def sound_span(samples, rate=16000, thr=64):
    """(first, last) index of samples louder than thr, or None."""
    first = next((i for i, v in enumerate(samples) if abs(v) > thr), None)
    if first is None:
        return None
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > thr)
    return first, last
