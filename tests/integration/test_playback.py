# SPDX-License-Identifier: MIT
"""Local speech reaches the playback device at the device's rate."""
from common import espeak_seconds, rig, sound_span

TEXT = "The kitchen light is on, and the door is locked."


def say_at(rate):
    with rig() as r:
        r.start(["silence:60"], audio__playback_rate=rate)
        assert r.ctl("say", TEXT)[0] == 0
        r.wait_state("speaking", 5)
        r.wait_state("idle", 30)
        assert r.stop() == 0
        pb = r.playback_samples()
        span = sound_span(pb)
        assert span
        return len(pb), span, (span[1] - span[0]) / rate


def test_say_is_resampled_to_the_device_rate():
    expect = espeak_seconds(TEXT)
    for rate in (16000, 48000, 22000):
        n, span, secs = say_at(rate)
        # as long as espeak-ng's own rendering, at whatever device rate
        assert 0.9 * expect < secs < 1.1 * expect, (rate, secs, expect)


def test_console_rejects_bad_requests():
    with rig() as r:
        r.start(["silence:60"])
        rc, out, err = r.ctl("frobnicate")
        assert rc == 1 and "unknown command 'frobnicate'" in err
        rc, out, err = r.ctl("button", "sideways")
        assert rc == 1 and "usage: button [press|release [BOUNCES]]" in err
        rc, out, err = r.ctl("button", "release")
        assert rc == 1 and "already released" in err
        rc, out, err = r.ctl("say")
        assert rc == 1 and "usage: say TEXT" in err
        rc, out, err = r.ctl("say", "x" * 600)
        assert rc == 1 and "longer than 511 bytes" in err
        # an overlong line is refused, and the connection still works
        import socket
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(r.socket)
            s.sendall(b"ask " + b"y" * 2000 + b"\nversion\n")
            reply = b""
            while reply.count(b"\n") < 3:
                reply += s.recv(4096)
        lines = reply.decode().splitlines()
        assert lines[0] == "ERR line longer than 1023 bytes", lines
        assert lines[1].startswith("parleyd ") and lines[2] == "OK", lines
        rc, out, err = r.ctl("help")
        assert rc == 0
        for cmd in ("status", "button", "ask", "say", "quit"):
            assert any(line.startswith(cmd + " ") for line in out.splitlines()), cmd
        # still alive and idle after all that
        assert r.status()["state"] == "idle"
