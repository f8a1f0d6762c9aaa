# SPDX-License-Identifier: MIT
"""peerlib: what the fake LAN peers in tools/ have in common.

The fakes (fake-ollama, fake-stt, fake-tts, fake-wyoming) are scripts that
stand in for the daemon's network peers in tests and demos.  Each imports
this module for the parts that are not about its own protocol:

  - the command line they share: --host, --port, --port-file, --verbose,
    --model for the OpenAI-style fakes, the --rate check (add_listen_args,
    parse_with_verbose, add_model_arg, check_rate);
  - the serving loop: bind, write the port file, stop quietly on SIGTERM or
    SIGINT (serve, write_port_file), with threaded servers that print no
    traceback when a client hangs up (HTTPServer, TCPServer);
  - an HTTP/1.1 request handler base: the body read with Content-Length or
    chunked transfer encoding, replies with Content-Length (nothing after
    the headers for HEAD), a JSON-lines request log, one dispatch() for
    every method (Handler, append_log, compact_json);
  - OpenAI's error object, a 400 exception carrying it and OpenAI's 500
    (openai_error, BadRequest, openai_server_error), and the model list
    speaches answers on GET /v1/models (speaches_models);
  - the synthetic "speech-like" signal of the TTS fakes, and WAV files
    (speech_pcm, speech_samples, samples_for_text, pcm_bytes, wav_bytes);
  - numbering and saving received utterances (save_utterance).

Standard library only, like the fakes.
"""

import argparse
import array
import json
import math
import os
import signal
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A client that hung up shows as one of these when we write to it.
CONN_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

DEFAULT_TRANSCRIPT = "go forward ten meters"

# When every fake model was "made": 2025-01-01T00:00:00Z, as a Unix time.
MODEL_TIME = 1735689600


class ClientGone(Exception):
    """The HTTP client closed its connection while we were answering."""


# ---------------------------------------------------------------------------
# Command line and serving
# ---------------------------------------------------------------------------

def add_listen_args(p):
    """--host, --port and --port-file: how every fake is told where to listen."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0,
                   help="port to bind (default 0 = pick a free port)")
    p.add_argument("--port-file", metavar="PATH",
                   help="after binding, atomically write the actual port number to PATH")


class _ModelAction(argparse.Action):
    """Appends to a list that starts as the default, which the first use
    of the option replaces."""

    def __call__(self, parser, namespace, value, option_string=None):
        seen = "_%s_given" % self.dest
        if not getattr(namespace, seen, False):
            setattr(namespace, seen, True)
            setattr(namespace, self.dest, [])
        getattr(namespace, self.dest).append(value)


def add_model_arg(p, default, what):
    """--model NAME, repeatable: the model ids a fake lists (default
    [default]); what says what the rest of the fake does with them."""
    p.add_argument("--model", action=_ModelAction, default=[default], metavar="NAME",
                   help="model id that GET /v1/models lists (repeatable; default %s); %s"
                        % (default, what))


def check_rate(p, rate):
    if not 1000 <= rate <= 384000:
        p.error("--rate must be between 1000 and 384000")


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def parse_with_verbose(p, argv, verbose_help="log each request to stderr"):
    """Adds --verbose, the last option of every fake, and parses argv
    (None: sys.argv[1:])."""
    p.add_argument("--verbose", action="store_true", help=verbose_help)
    return p.parse_args(argv)


def serve(name, cfg, server_cls, handler_cls, setup=None, mode=""):
    """Serve until SIGTERM or SIGINT; returns the exit status (0).

    cfg is the parsed command line (host, port, port_file, verbose, and
    save_dir if the fake has one, which is created first).  The server gets
    .cfg, .lock (for the log and shared counters) and .saved (the count of
    save_utterance); setup(server), if given, adds the rest before the port
    file is written.  mode is put before "listening" in the verbose line."""
    if getattr(cfg, "save_dir", None):
        os.makedirs(cfg.save_dir, exist_ok=True)

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = server_cls((cfg.host, cfg.port), handler_cls)
    server.cfg = cfg
    server.lock = threading.Lock()
    server.saved = 0
    if setup:
        setup(server)
    port = server.server_address[1]
    if cfg.port_file:
        write_port_file(cfg.port_file, port)
    if cfg.verbose:
        sys.stderr.write("%s: %slistening on %s:%d\n" % (name, mode, cfg.host, port))
    try:
        server.serve_forever()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.server_close()
    return 0


class _Quiet:
    """A threaded server that drops the errors in quiet_errors silently
    (a client that went away is not worth a traceback)."""
    daemon_threads = True
    allow_reuse_address = True
    quiet_errors = CONN_ERRORS + (ClientGone,)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], self.quiet_errors):
            return
        super().handle_error(request, client_address)


class HTTPServer(_Quiet, ThreadingHTTPServer):
    pass


class TCPServer(_Quiet, socketserver.ThreadingTCPServer):
    pass


def save_utterance(server, save_dir, data):
    """Writes data to save_dir/utt-NNN.wav (NNN counts from 001 over the
    server's life) and returns that path."""
    with server.lock:
        server.saved += 1
        n = server.saved
    dest = os.path.join(save_dir, "utt-%03d.wav" % n)
    with open(dest, "wb") as f:
        f.write(data)
    return dest


def append_log(server, rec):
    """One compact JSON line per record in the file --log names, if any."""
    path = server.cfg.log
    if not path:
        return
    line = json.dumps(rec, separators=(",", ":")) + "\n"
    with server.lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def compact_json(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every method goes to dispatch().

    A subclass sets peer_name (for stderr lines), server_version, and how
    its body reader fails: max_body, body_error (the exception class) and
    body_errors (its message for "truncated" chunked bodies, a chunked body
    "too-large", and a Content-Length that is negative or too large,
    "bad-length")."""
    protocol_version = "HTTP/1.1"
    peer_name = "fake"
    json_type = "application/json"
    max_body = 1024 * 1024
    body_error = ValueError
    body_errors = {"truncated": "truncated chunked request body",
                   "too-large": "request body too large",
                   "bad-length": "request body too large"}

    def version_string(self):
        return self.server_version

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ClientGone,) + CONN_ERRORS:
            self.close_connection = True

    def dispatch(self):
        raise NotImplementedError

    def _dispatch(self):
        self.dispatch()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    # --- input ------------------------------------------------------------
    def read_body(self):
        """The request body (b'' if none), sized by Content-Length or sent
        with chunked transfer encoding."""
        fail = self.body_errors
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise self.body_error(fail["truncated"])
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > self.max_body:
                    raise self.body_error(fail["too-large"])
                out += self.rfile.read(size)
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n < 0 or n > self.max_body:
            raise self.body_error(fail["bad-length"])
        return self.rfile.read(n)

    # --- output -----------------------------------------------------------
    def write_raw(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except CONN_ERRORS as e:
            raise ClientGone() from e

    def send_body(self, status, ctype, body, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.write_raw(body)

    def send_json(self, status, obj, extra_headers=()):
        self.send_body(status, self.json_type, compact_json(obj), extra_headers)

    def send_reply(self, status, ctype, body):
        """body is bytes, or an object sent as compact JSON."""
        if not isinstance(body, bytes):
            body = compact_json(body)
        self.send_body(status, ctype, body)

    # --- logs -------------------------------------------------------------
    def write_log(self, rec):
        append_log(self.server, rec)

    def log_message(self, fmt, *args):
        if self.server.cfg.verbose:
            sys.stderr.write("%s: %s - %s\n" % (self.peer_name, self.address_string(), fmt % args))


# ---------------------------------------------------------------------------
# OpenAI-compatible servers
# ---------------------------------------------------------------------------

def openai_error(message, etype="invalid_request_error", param=None, code=None):
    """OpenAI's error object."""
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def openai_server_error():
    """(status, Content-Type, body) of OpenAI's answer to a failure of its own."""
    return 500, "application/json", openai_error(
        "The server had an error while processing your request. Sorry about that!",
        etype="server_error")


class BadRequest(Exception):
    """A request to refuse with 400 and OpenAI's error object (.body)."""

    def __init__(self, message, param=None, code=None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code

    @property
    def body(self):
        return openai_error(self.message, param=self.param, code=self.code)


def speaches_models(ids, task, languages=("en",)):
    """GET /v1/models as speaches (faster-whisper-server) answers it:
    speaches-ai/speaches src/speaches/routers/models.py list_local_models()
    returns {"data": [Model.model_dump(), ...], "object": "list"}, and a
    Model (src/speaches/api_types.py) dumps as id, created, object "model",
    owned_by (the id up to its first "/", executors/whisper.py), language
    (a list of language codes) and task ("automatic-speech-recognition" or
    "text-to-speech")."""
    return {"data": [{"id": m, "created": MODEL_TIME, "object": "model",
                      "owned_by": m.split("/")[0], "language": list(languages),
                      "task": task} for m in ids],
            "object": "list"}


# ---------------------------------------------------------------------------
# Synthetic "speech-like" signal: two or three sines under a syllable-rate
# envelope, peak about -6 dBFS.  All frequencies are whole Hz, so one second
# is an exact period: compute it once per rate and tile it.
# ---------------------------------------------------------------------------
PARTIALS = ((148, 0.6, 0.0), (444, 0.3, 0.5), (1200, 0.1, 1.0))  # Hz, weight, phase
SYLLABLE_HZ = 4      # amplitude bumps per second
STRESS_HZ = 1        # slow variation of syllable loudness
PEAK = 16384         # 0.5 of full scale = -6 dBFS
FADE_MS = 10
_tables = {}
_tables_lock = threading.Lock()


def _period(rate):
    with _tables_lock:
        t = _tables.get(rate)
        if t is None:
            vals = []
            for i in range(rate):
                x = i / rate
                env = 0.5 * (1.0 - math.cos(2 * math.pi * SYLLABLE_HZ * x))
                env *= 0.7 + 0.3 * math.sin(2 * math.pi * STRESS_HZ * x)
                s = sum(w * math.sin(2 * math.pi * f * x + ph) for f, w, ph in PARTIALS)
                vals.append(env * s)
            scale = PEAK / (max(abs(v) for v in vals) or 1.0)
            t = array.array("h", (int(round(v * scale)) for v in vals))
            _tables[rate] = t
        return t


def speech_samples(n, rate):
    """n samples (s16 mono, array('h')) of the synthetic signal at rate Hz."""
    table = _period(rate)
    full, rem = divmod(n, rate)
    out = table * full + table[:rem]
    fade = min(n, rate * FADE_MS // 1000)
    for k in range(fade):  # short linear fade-out: no click at the end
        i = n - fade + k
        out[i] = int(out[i] * (fade - 1 - k) / fade)
    return out


def samples_for_text(text, ms_per_char, rate, speed=1.0):
    return int(round(len(text) * ms_per_char / 1000.0 * rate / speed))


def pcm_bytes(samples):
    """s16le bytes of an array('h')."""
    if sys.byteorder != "little":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def speech_pcm(text, ms_per_char, rate, speed=1.0):
    """s16le mono bytes of the signal, ms_per_char (divided by speed) for
    each character of text."""
    return pcm_bytes(speech_samples(samples_for_text(text, ms_per_char, rate, speed), rate))


def wav_bytes(pcm, rate, width=2, channels=1):
    """A canonical 44-byte-header RIFF/WAVE file around integer PCM."""
    block = width * channels
    return (struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE",
                        b"fmt ", 16, 1, channels, rate, rate * block, block, width * 8,
                        b"data", len(pcm)) + pcm)
