# SPDX-License-Identifier: MIT
"""The diagnostics console: a pseudo-terminal stands in for the UART, and
parleyctl drives the UNIX socket."""
import os
import re
import select
import signal
import subprocess
import time

from common import BUILD, rig
from rig import Console, RATE, read_wav


class Tty:
    """The far end of the serial line: the master side of a pty pair."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self.seen = b""

    def send(self, data):
        os.write(self.master, data)

    def read_until(self, pattern, timeout=5):
        """Reads until pattern (bytes regex) matches what came since the
        last match; returns that text."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.seen, re.S)
            if m:
                out, self.seen = self.seen[:m.end()], self.seen[m.end():]
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {pattern!r} in {self.seen[-400:]!r}")
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                self.seen += os.read(self.master, 4096)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def test_serial_console_line_editor():
    tty = Tty()
    try:
        with rig() as r:
            r.start(["silence:60"], console__device=tty.path, console__baud=115200)
            tty.read_until(rb"type 'help'\r\nparley> ")
            # a command split over two reads, echoed as typed
            tty.send(b"sta")
            time.sleep(0.2)
            tty.send(b"tus\r")
            out = tty.read_until(rb"OK\r\nparley> ")
            assert out.startswith(b"status\r\n"), out[:40]
            assert b"state: idle\r\n" in out
            # backspace and Ctrl-U edit the line
            tty.send(b"verx\x7fsion\r")
            assert b"parleyd " in tty.read_until(rb"OK\r\nparley> ")
            tty.send(b"garbage\x15version\r")
            out = tty.read_until(rb"OK\r\nparley> ")
            assert b"unknown" not in out and b"parleyd " in out
            # arrow keys are not text
            tty.send(b"vers\x1b[Dion\r")
            assert b"parleyd " in tty.read_until(rb"OK\r\nparley> ")
            # binary garbage, unknown commands, overlong lines: clear errors
            tty.send(b"\x01\x02abc\r")
            assert b"ERR binary data in the line (2 control bytes); ignored" in \
                tty.read_until(rb"parley> ")
            tty.send(b"frobnicate\r")
            assert b"ERR unknown command 'frobnicate' (try 'help')" in \
                tty.read_until(rb"parley> ")
            tty.send(b"x" * 1100 + b"\r")
            assert b"ERR line longer than 1023 bytes" in tty.read_until(rb"parley> ")
            tty.send(b"version\r")
            assert b"parleyd " in tty.read_until(rb"OK\r\nparley> ")
            # a live view updates in place until Ctrl-C; meanwhile the
            # socket still answers (the loop is not blocked)
            tty.send(b"levels\r")
            tty.read_until(rb"(\r\x1b\[Kmic .*?dBFS.*?){3}", 5)
            assert r.status()["state"] == "idle"
            tty.send(b"\x03")
            tty.read_until(rb"OK\r\nparley> ")
            # Ctrl-C on a line drops it
            tty.send(b"status\x03")
            assert b"^C" in tty.read_until(rb"parley> ")
    finally:
        tty.close()


def test_missing_serial_device_is_named_and_the_speaker_goes_on():
    with rig() as r:
        r.start(["silence:60"], console__device="/dev/ttyNOPE9")
        assert "console.device '/dev/ttyNOPE9': No such file or directory" in r.log_text()
        assert r.status()["state"] == "idle"


def test_parleyctl_diagnostics():
    with rig() as r:
        r.start_stt()
        r.start_ollama("--answer", "Fine, thanks.", "--token-rate", "0")
        r.start(["silence:60"])
        r.ctl("ask", "how are you?")
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        rc, out, err = r.ctl("stats")
        assert rc == 0, err
        rows = {l.split()[0]: l.split()[1:] for l in out.splitlines() if l and l.split()[0] in
                ("llm_request", "first_token", "first_audio", "stt_sent")}
        assert rows["first_token"][0] == "1" and int(rows["first_token"][1]) >= 0
        assert rows["stt_sent"][0] == "0"  # a text turn sends nothing to STT
        assert re.search(r"heap high-water: curl \d+ B, json arena \d+ B, sqlite \d+ B", out)
        assert re.search(r"dsp: [\d.]+ us a frame", out)
        rc, out, _ = r.ctl("history")
        assert rc == 0 and '"how are you?" -> "Fine, thanks."' in out
        # set: a live key changes, others are refused with the reason
        rc, out, _ = r.ctl("set", "endpoint.silence_ms", "900")
        assert rc == 0 and "endpoint.silence_ms = 900" in out
        assert r.ctl("config", "show", "endpoint.silence_ms")[1].strip() == \
            "endpoint.silence_ms = 900"
        rc, _, err = r.ctl("set", "audio.playback_rate", "48000")
        assert rc == 1 and "cannot change while running" in err
        rc, _, err = r.ctl("set", "endpoint.silence_ms", "5")
        assert rc == 1 and "must be an integer from 300 to 1500" in err
        rc, out, _ = r.ctl("set", "llm.system_prompt", '"Be brief."')
        assert rc == 0 and 'llm.system_prompt = "Be brief."' in out
        # the log ring, and the level
        rc, out, _ = r.ctl("log")
        assert rc == 0 and "turn: stored: outcome ok" in out
        assert r.ctl("log", "warning")[0] == 0
        assert r.ctl("config", "show", "log.level")[1].strip() == 'log.level = "warning"'
        # host ping: every peer with its round trip, and the model
        rc, out, err = r.ctl("host", "ping")
        assert rc == 0, out + err
        assert re.search(r"^llm ollama: http://\S+/api/version: HTTP 200 in \d+ ms; "
                         r"ollama 0\.5\.1; model llama3\.2 present$", out, re.M), out
        # the STT peer answers its own protocol: the OpenAI model list
        assert re.search(r"^stt openai: http://\S+/v1/models: HTTP 200 in \d+ ms; "
                         r"1 model listed$", out, re.M), out
        assert re.search(r"^tts espeak: espeak-ng voice en \(local\)$", out, re.M), out
        assert r.status()["host"] == "reachable at the last ping"
        rc, out, _ = r.ctl("models")
        assert rc == 0 and out.split() == ["llama3.2:latest"]
        rc, out, err = r.ctl("nonsense")
        assert rc == 1


def test_host_ping_names_the_missing_model():
    with rig() as r:
        r.start_ollama()
        r.start(["silence:60"], llm__model="mistral")
        rc, out, err = r.ctl("host", "ping")
        assert rc == 1 and "model mistral MISSING" in out
        assert re.search(r"^stt openai: \S+: unreachable", out, re.M), out  # none started
        assert "a peer is unreachable or the model is missing" in err


def test_record_and_tone():
    with rig() as r:
        r.start(["silence:60"])
        rc, out, err = r.ctl("record", "1", "rec.wav")
        assert rc == 0, err
        rate, ch, bits, pcm = read_wav(r.recording("rec.wav"))
        assert (rate, ch, bits, len(pcm)) == (16000, 1, 16, 16000)
        rc, _, err = r.ctl("record", "1", "../x.wav")
        assert rc == 1 and "without '/'" in err, err
        # a 440 Hz tone of 500 ms on the playback device
        start = int(r.status()["played_samples"])
        assert r.ctl("tone", "440", "500")[0] == 0
        r.wait_state("idle", 10)
        r.stop()
        pb = r.playback_samples()
        nz = [i for i, v in enumerate(pb) if abs(v) > 100]
        dur = (nz[-1] - nz[0]) / RATE
        assert 0.45 < dur < 0.52, dur
        seg = pb[nz[0]:nz[-1]]
        crossings = sum(1 for a, b in zip(seg, seg[1:]) if (a < 0) != (b < 0))
        hz = crossings / 2 / dur
        assert 430 < hz < 450, hz
        assert max(abs(v) for v in seg) < 0.26 * 32768  # -12 dBFS


def test_events_and_several_clients():
    with rig() as r:
        r.start_ollama("--answer", "Yes.", "--token-rate", "0")
        r.start(["silence:60"])
        a, b, c = Console(r.socket), Console(r.socket), Console(r.socket)
        assert a.cmd("attach")[0]
        assert b.cmd("version")[0]
        # parleyctl attach prints events as they come
        ctl = subprocess.Popen([os.path.join(BUILD, "parleyctl"), "-s", r.socket, "attach"],
                               stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        assert c.cmd("ask hello")[0]
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        time.sleep(0.2)
        ctl.send_signal(signal.SIGINT)
        got = ctl.communicate(timeout=5)[0]
        a.sock.settimeout(2)
        events = b""
        while events.count(b"\n") < 4 or b"state idle" not in events:
            events += a.sock.recv(4096)
        ev = events.decode().splitlines()
        assert "EVENT state thinking" in ev and "EVENT state speaking" in ev
        turn = [l for l in ev if l.startswith("EVENT turn ")]
        assert len(turn) == 1 and "outcome=ok" in turn[0] and "first_audio=" in turn[0]
        assert "EVENT state thinking" in got.splitlines() and "EVENT turn " in got
        # the other clients were not disturbed
        assert b.cmd("version")[0] and c.cmd("status")[0]
        for x in (a, b, c):
            x.close()
