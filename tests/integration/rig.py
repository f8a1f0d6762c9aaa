# SPDX-License-Identifier: MIT
"""A test rig around the real parleyd binary.

It defines file-backed ALSA PCMs in a private ALSA configuration, feeds the
capture FIFO in real time with tools/pcm-feeder, starts the fake LAN peers
from tools/ on 127.0.0.1, writes a parley.conf, and drives the daemon with
parleyctl.  Used by the integration tests and by `make demo`.

The daemon is BUILD/parleyd unless PARLEY_PARLEYD names another one: a
binary, or a wrapper that execs one (tools/qemu-parleyd runs the arm64
build under qemu-user; make cross-check does).  PARLEY_PARLEYD_LIBS is then
the directory of the test shims (alsa_fault.so, alloc_count.so) built for
that daemon's machine, since an LD_PRELOAD reaches the daemon's own loader.
parleyctl, the peers and the feeder always run from BUILD.
"""
import array
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the real wyoming library, in shared/ beside the repository
WYOMING_PY = os.path.join(os.path.dirname(ROOT), "shared", "peers", "python")
RATE = 16000
FRAME = 160


def parleyd_path(build):
    """The parleyd the rig and the tests run: PARLEY_PARLEYD or BUILD's."""
    return os.path.abspath(os.environ.get("PARLEY_PARLEYD") or
                           os.path.join(build, "parleyd"))


def shim_path(build, name):
    """A test shim (LD_PRELOAD) built for the daemon's machine."""
    libs = os.environ.get("PARLEY_PARLEYD_LIBS") or os.path.join(build, "tests")
    return os.path.abspath(os.path.join(libs, name))


def emulated():
    """True when the daemon is PARLEY_PARLEYD's, which may run under an
    emulator (qemu-user: start-up takes seconds longer)."""
    return bool(os.environ.get("PARLEY_PARLEYD"))

ALSA_CONF = """<{alsa_conf}>
pcm.parley_capture {{
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "{fifo}"
	format "raw"
}}
pcm.parley_playback {{
	type file
	slave.pcm "null"
	file "{playback}"
	format "raw"
}}
"""


def read_raw(path):
    a = array.array("h")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


def read_wav(path):
    """Returns (rate, channels, bits, samples) of a PCM WAV."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", "not a WAV file"
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = (int.from_bytes(body[4:8], "little"),
                   int.from_bytes(body[2:4], "little"),
                   int.from_bytes(body[14:16], "little"))
        elif cid == b"data":
            pcm = array.array("h")
            pcm.frombytes(body)
        pos += 8 + size + (size & 1)
    return fmt[0], fmt[1], fmt[2], pcm


def write_wav(path, rate, samples):
    data = samples.tobytes()
    hdr = b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt "
    hdr += (16).to_bytes(4, "little") + (1).to_bytes(2, "little")
    hdr += (1).to_bytes(2, "little") + rate.to_bytes(4, "little")
    hdr += (rate * 2).to_bytes(4, "little") + (2).to_bytes(2, "little")
    hdr += (16).to_bytes(2, "little") + b"data" + len(data).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(hdr + data)


def rms_frames(samples, frame=FRAME):
    """RMS of each 10 ms frame."""
    out = []
    for i in range(0, len(samples) - frame + 1, frame):
        s = 0
        for v in samples[i:i + frame]:
            s += v * v
        out.append((s / frame) ** 0.5)
    return out


def active_span(samples, rate=RATE, below_peak_db=30.0):
    """(first, last) sample of 10 ms frames within below_peak_db of the
    loudest frame: an independent measure of where the speech is."""
    frame = rate // 100
    r = rms_frames(samples, frame)
    peak = max(r) if r else 0
    if peak <= 0:
        return None
    thr = peak * 10 ** (-below_peak_db / 20)
    idx = [i for i, v in enumerate(r) if v >= thr]
    return idx[0] * frame, (idx[-1] + 1) * frame


def find_offset(needle, hay, step=FRAME):
    """Where needle (a processed copy of part of hay) sits in hay, by
    normalised correlation over a window of needle's loudest part."""
    n = len(needle)
    if n == 0 or n > len(hay):
        return None
    # a 2000-sample window around the needle's loudest frame
    r = rms_frames(needle)
    c = r.index(max(r)) * FRAME
    w0 = max(0, min(c - 1000, n - 2000))
    win = needle[w0:w0 + 2000]

    def score(off):
        s = sum(win[i] * hay[off + w0 + i] for i in range(0, len(win), 2))
        e = sum(hay[off + w0 + i] ** 2 for i in range(0, len(win), 2)) or 1
        return s / e ** 0.5

    best = max(range(0, len(hay) - n + 1, step), key=score)
    lo, hi = max(0, best - step), min(len(hay) - n, best + step)
    return max(range(lo, hi + 1), key=score)


class Peer:
    def __init__(self, rig, name, args, path=None, env=None):
        # the first of a kind keeps the plain name; later ones are numbered
        tag = name if not any(p.name == name for p in rig.peers) else f"{name}-{len(rig.peers)}"
        self.name = name
        self.port_file = os.path.join(rig.dir, tag + ".port")
        self.log = os.path.join(rig.dir, tag + ".log")
        cmd = [sys.executable, path or os.path.join(ROOT, "tools", name),
               "--port", "0", "--port-file", self.port_file, "--log", self.log] + args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env,
                                     stderr=open(os.path.join(rig.dir, tag + ".err"), "w"))
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Rig:
    def __init__(self, build="build", workdir=None, keep=False):
        self.build = os.path.abspath(build)
        self.parleyd = parleyd_path(self.build)
        self.dir = workdir or tempfile.mkdtemp(prefix="parley-rig-")
        os.makedirs(self.dir, exist_ok=True)
        self.keep = keep
        self.fifo = os.path.join(self.dir, "capture.fifo")
        self.playback = os.path.join(self.dir, "playback.raw")
        self.socket = os.path.join(self.dir, "parleyd.sock")
        self.db = os.path.join(self.dir, "parley.db")
        self.conf = os.path.join(self.dir, "parley.conf")
        self.stderr_path = os.path.join(self.dir, "parleyd.log")
        self.peers = []
        self.daemon = self.feeder = None
        self.ollama = self.stt = None
        self.conf_tail = ""  # more config text, as is (lists: mcp.servers)

    # -- peers --
    def start_ollama(self, *args):
        self.ollama = Peer(self, "fake-ollama", list(args))
        self.peers.append(self.ollama)
        return self.ollama

    def start_stt(self, *args):
        self.stt = Peer(self, "fake-stt", ["--save-dir", os.path.join(self.dir, "stt")] + list(args))
        self.peers.append(self.stt)
        return self.stt

    def start_peer(self, tool, *args):
        """Any other fake peer from tools/ (fake-wyoming, fake-tts)."""
        p = Peer(self, tool, list(args))
        self.peers.append(p)
        return p

    def start_real_wyoming(self, mode):
        """A Wyoming peer on the real wyoming library (tests/peers/)."""
        if not os.path.isdir(os.path.join(WYOMING_PY, "wyoming")):
            raise RuntimeError(f"the real wyoming library is not at {WYOMING_PY}")
        env = dict(os.environ, PYTHONPATH=WYOMING_PY)
        p = Peer(self, "wyoming-real", ["--mode", mode],
                 path=os.path.join(ROOT, "tests", "peers", "wyoming-real"), env=env)
        self.peers.append(p)
        return p

    # -- daemon --
    def write_config(self, **over):
        llm_url = f"http://127.0.0.1:{self.ollama.port}" if self.ollama else "http://127.0.0.1:9"
        stt_url = (f"http://127.0.0.1:{self.stt.port}/v1/audio/transcriptions"
                   if self.stt else "http://127.0.0.1:9/v1/audio/transcriptions")
        groups = {
            # earcons off unless a test asks (audio__earcons=True), so
            # the speech in the playback file is all there is to measure
            "audio": {"capture_device": "parley_capture",
                      "playback_device": "parley_playback", "earcons": False},
            "llm": {"url": llm_url, "model": "llama3.2"},
            "stt": {"url": stt_url},
            "store": {"path": self.db},
            "console": {"socket": self.socket},
        }
        for key, value in over.items():
            g, k = key.split("__", 1)
            groups.setdefault(g, {})[k] = value
        with open(self.conf, "w") as f:
            for g, kv in groups.items():
                f.write(f"{g} = {{\n")
                for k, v in kv.items():
                    v = f'"{v}"' if isinstance(v, str) else str(v)
                    f.write(f"\t{k} = {v};\n")
                f.write("};\n")
            f.write(self.conf_tail)
        return self.conf

    def start(self, inputs, extra_env=None, debug=True, echo=None, feeder_args=(),
              run_as=None, **config):
        """Starts parleyd with capture fed from inputs (raw files or
        silence:SECONDS), then waits until its console answers.  echo, a
        list of pcm-feeder --echo-taps style reflections or True for the
        feeder's default path, plays the daemon's output back into the
        microphone.  feeder_args (e.g. ["--rate", "48000", "--channels",
        "2"]) describe a capture device other than 16 kHz mono.  run_as
        (e.g. "nobody") runs the daemon as that user, the rig's directory
        opened to it."""
        self.config = dict(config)
        self.write_config(**config)
        alsa = os.path.join(self.dir, "asound.conf")
        with open(alsa, "w") as f:
            f.write(ALSA_CONF.format(alsa_conf="/usr/share/alsa/alsa.conf",
                                     fifo=self.fifo, playback=self.playback))
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        os.mkfifo(self.fifo)
        room = []
        if echo:
            rate = config.get("audio__playback_rate", 16000)
            room = ["--echo", self.playback, "--echo-rate", str(rate)]
            if echo is not True:
                room += ["--echo-taps", ",".join(echo)]
        self.feeder = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tools", "pcm-feeder")] + room +
            list(feeder_args) + [self.fifo] + list(inputs))
        env = dict(os.environ, ALSA_CONFIG_PATH=alsa)
        env.update(extra_env or {})
        wrap = []
        if run_as:
            import pwd
            pw = pwd.getpwnam(run_as)
            os.chmod(self.dir, 0o777)
            wrap = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                    "--clear-groups", "--inh-caps=-all"]
        if os.environ.get("PARLEY_VALGRIND"):
            # make valgrind: memcheck under the daemon, one log per run
            wrap += ["valgrind", "--error-exitcode=99", "--leak-check=full",
                    "--errors-for-leak-kinds=definite",
                    "--log-file=" + os.path.join(os.environ["PARLEY_VALGRIND"],
                                                 "parleyd-%p.log")]
        self.daemon = subprocess.Popen(
            wrap + [self.parleyd, "-f"] + (["-d"] if debug else []) +
            ["-c", self.conf],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.stderr_path, "w"))
        deadline = time.monotonic() + (60 if wrap or emulated() else 15)
        while True:
            if self.daemon.poll() is not None:
                raise RuntimeError("parleyd exited at start:\n" + self.log_text())
            if os.path.exists(self.socket) and self.ctl("version")[0] == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("parleyd did not start:\n" + self.log_text())
            time.sleep(0.05)

    def reload(self, **changes):
        """Rewrites the config file as start() wrote it, with changes, and
        reloads it (SIGHUP), as the console cannot change peer addresses;
        returns once the daemon has logged that it reloaded or refused."""
        self.config.update(changes)
        self.write_config(**self.config)
        def done():
            log = self.log_text()
            return log.count("reloaded") + log.count("reload of ")
        before = done()
        self.daemon.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while done() == before:
            if time.monotonic() > deadline:
                raise TimeoutError("no reload logged\n" + self.log_text()[-3000:])
            time.sleep(0.02)

    def ctl(self, *cmd):
        # an ask returns once its turn has started (-n): the tests act
        # while it runs; test_console_text follows one to its end
        opts = ["-n"] if cmd and cmd[0] == "ask" else []
        p = subprocess.run([os.path.join(self.build, "parleyctl"), "-s", self.socket] + opts +
                           list(cmd),
                           capture_output=True, text=True, timeout=15)
        return p.returncode, p.stdout, p.stderr

    def status(self):
        rc, out, err = self.ctl("status")
        if rc:
            raise RuntimeError("status failed: " + err)
        st = {}
        for line in out.splitlines():
            k, _, v = line.partition(": ")
            st[k] = v
        return st

    def recording(self, name):
        """Where `record SECONDS name` writes: recordings/ beside the store."""
        return os.path.join(os.path.dirname(self.db), "recordings", name)

    def tap(self):
        """A tap of the button: held longer than the debounce time, far
        shorter than button.tap_ms; the VAD then ends the utterance."""
        assert self.ctl("button", "press")[0] == 0
        time.sleep(0.08)
        assert self.ctl("button", "release")[0] == 0

    def frames(self):
        return int(self.status()["frames"])

    def wait_frames(self, n, timeout=30):
        deadline = time.monotonic() + timeout
        while self.frames() < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"capture did not reach frame {n}")
            time.sleep(0.005)

    def wait_state(self, states, timeout=30):
        if isinstance(states, str):
            states = [states]
        deadline = time.monotonic() + timeout
        while True:
            s = self.status()["state"]
            if s in states:
                return s
            if time.monotonic() > deadline:
                raise TimeoutError(f"state {s}, waited for {states}\n" + self.log_text()[-3000:])
            time.sleep(0.02)

    def wait_turns(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while int(self.status()["turns_stored"]) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {n} turns stored\n" + self.log_text()[-3000:])
            time.sleep(0.05)

    def stop(self):
        """Stops parleyd cleanly (console quit, then SIGTERM) and the
        feeder; returns parleyd's exit status."""
        rc = None
        if self.daemon and self.daemon.poll() is None:
            try:
                self.ctl("quit")
            except Exception:
                pass
            try:
                rc = self.daemon.wait(10)
            except subprocess.TimeoutExpired:
                self.daemon.terminate()
                try:
                    rc = self.daemon.wait(5)
                except subprocess.TimeoutExpired:
                    self.daemon.kill()
                    rc = self.daemon.wait()
        elif self.daemon:
            rc = self.daemon.returncode
        if self.feeder and self.feeder.poll() is None:
            # the feeder is an instrument, not what is tested: on a loaded
            # machine its Python handler may come late, so it is killed
            self.feeder.terminate()
            try:
                self.feeder.wait(5)
            except subprocess.TimeoutExpired:
                self.feeder.kill()
                self.feeder.wait()
        return rc

    def close(self):
        self.stop()
        for p in self.peers:
            p.stop()
        if not self.keep:
            subprocess.run(["rm", "-rf", self.dir])

    # -- results --
    def log_text(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def playback_samples(self):
        return read_raw(self.playback) if os.path.exists(self.playback) else array.array("h")

    def turns(self):
        con = sqlite3.connect(self.db)
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM turns ORDER BY id")]
        con.close()
        return rows


class Console:
    """A console connection held open, for precisely timed commands."""

    def __init__(self, path):
        import socket
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""

    def cmd(self, line):
        """Returns (ok, reply lines) for one command."""
        self.sock.sendall(line.encode() + b"\n")
        out = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise RuntimeError("console closed")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\n", 1)
            text = raw.decode()
            if text == "OK":
                return True, out
            if text.startswith("ERR"):
                return False, out + [text]
            out.append(text)

    def close(self):
        self.sock.close()
