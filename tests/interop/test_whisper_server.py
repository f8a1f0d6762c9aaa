# SPDX-License-Identifier: MIT
"""parleyd's whispercpp STT backend against the real whisper.cpp server.

make interop builds whisper-server from the whisper.cpp source tree that
WHISPER_CPP names and runs these with WHISPER_SERVER set to the binary.
The server runs the tiny test model of the source tree
(models/for-tests-ggml-tiny.bin), whose weights are not trained: it loads
and decodes, and every transcript is empty.  So a whole spoken turn ends in
"I didn't catch that.", which is what a turn must do with an empty
transcript, and which only a 200 reply with a JSON "text" can lead to.

Line numbers below are of examples/server/server.cpp at whisper.cpp
233fe1f (2026-08); the function names find them in other versions.
"""
import contextlib
import email.parser
import email.policy
import http.client
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import Skip, free_port, rig
from test_backends import host_ping, voice_turn
from test_speculative import LEAD_S as SPEC_LEAD_S, paused_utterance

MODEL = "models/for-tests-ggml-tiny.bin"

# The form parts whisper-server reads from a POST to its inference path:
# "file" in the svr->Post(sparams.request_path + sparams.inference_path)
# handler (req.has_file("file"), line 831; without it, 400), and the rest
# in get_req_parameters() (lines 480-636), each as req.has_file(NAME) then
# req.get_file_value(NAME).content.  A part not named here is ignored.
SERVER_READS = {
    "file",
    "offset_t", "offset_n", "duration", "max_context", "max_len", "best_of",
    "beam_size", "audio_ctx", "word_thold", "entropy_thold", "logprob_thold",
    "no_speech_thold", "debug_mode", "translate", "diarize", "tinydiarize",
    "split_on_word", "no_timestamps", "token_timestamps",
    "language",          # lines 558-561: params.language, as given
    "detect_language", "prompt", "carry_initial_prompt",
    "response_format",   # lines 574-577; "json" (the default, line 117) and
                         # any unknown value answer {"text": ...} (the final
                         # else of the handler, lines 1161-1170)
    "temperature",       # lines 578-581: std::stof, so a value that is not
                         # a number is a 500 from the exception handler
    "temperature_inc", "suppress_non_speech", "suppress_nst", "vad",
    "vad_threshold", "vad_min_speech_duration_ms", "vad_min_silence_duration_ms",
    "vad_max_speech_duration_s", "vad_speech_pad_ms", "vad_samples_overlap",
    "no_language_probabilities",
}


def whisper_paths():
    server = os.environ.get("WHISPER_SERVER")
    src = os.environ.get("WHISPER_CPP")
    if not server or not os.access(server, os.X_OK):
        raise Skip("WHISPER_SERVER does not name a whisper-server binary (make interop "
                   "WHISPER_CPP=/path/to/whisper.cpp builds one and sets it)")
    if not src or not os.path.isfile(os.path.join(src, MODEL)):
        raise Skip(f"WHISPER_CPP does not name a whisper.cpp source tree with {MODEL}")
    return server, os.path.join(src, MODEL)


def ask(method, url, body=None, ctype=None):
    """(status, Content-Type, body text) of one request."""
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as f:
            return f.status, f.headers.get("Content-Type"), f.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def form(parts):
    """A multipart/form-data body of (name, value, filename or None) parts,
    and its Content-Type."""
    b = "parleyinteropboundary"
    out = b""
    for name, value, filename in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{b}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + value + b"\r\n"
    return out + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


class WhisperServer:
    """The real whisper-server on 127.0.0.1, its stdout and stderr in one
    log.  It binds only after the model is loaded (main(): bind_to_port,
    line 1253, comes after whisper_init_from_file_with_params, line 726),
    so it is up when /health first answers."""

    def __init__(self, workdir, *args):
        server, model = whisper_paths()
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + "/inference"
        self.log = os.path.join(workdir, "whisper-server.log")
        # stdbuf: the handler's printf lines reach the log as they are made
        self.proc = subprocess.Popen(
            ["stdbuf", "-oL", server, "-m", model, "--host", "127.0.0.1", "--port", str(self.port),
             "-t", "1"] + list(args),
            stdin=subprocess.DEVNULL, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("whisper-server exited:\n" + self.log_text()[-3000:])
            try:
                if ask("GET", self.origin + "/health")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("whisper-server did not start:\n" + self.log_text()[-3000:])
            time.sleep(0.1)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: svr->stop() (shutdown_handler)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def whisper_rig(*server_args):
    """A rig with the fake Ollama (the LLM is not what is tested) and the
    real whisper-server."""
    with rig() as r:
        ws = WhisperServer(r.dir, *server_args)
        try:
            r.start_ollama()
            yield r, ws
        except Exception:
            print("---- whisper-server log (tail) ----\n" + ws.log_text()[-3000:])
            raise
        finally:
            ws.stop()


class Recorder(ThreadingHTTPServer):
    """A transparent HTTP forwarder to upstream that notes, for each
    request, its path, its form parts and the status, type and body of the
    upstream's reply."""
    daemon_threads = True

    def __init__(self, upstream_port):
        super().__init__(("127.0.0.1", 0), _RecordHandler)
        self.upstream_port = upstream_port
        self.port = self.server_address[1]
        self.requests = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()


class _RecordHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # also answers curl's Expect: 100-continue

    def log_message(self, *args):
        pass

    def _forward(self):
        n = self.headers.get("Content-Length")
        body = self.rfile.read(int(n)) if n else b""
        ctype = self.headers.get("Content-Type") or ""
        rec = {"method": self.command, "path": self.path, "content_type": ctype,
               "chunked": "chunked" in (self.headers.get("Transfer-Encoding") or ""),
               "parts": []}
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            for p in msg.iter_parts():
                rec["parts"].append({
                    "name": p.get_param("name", header="content-disposition"),
                    "filename": p.get_filename(), "type": p.get_content_type(),
                    "data": p.get_payload(decode=True)})
        up = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        up.request(self.command, self.path, body=body or None,
                   headers={"Content-Type": ctype} if ctype else {})
        reply = up.getresponse()
        data = reply.read()
        up.close()
        rec.update(status=reply.status, reply_type=reply.getheader("Content-Type"),
                   reply=data.decode(errors="replace"))
        self.server.requests.append(rec)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.getheader("Content-Type") or "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward


def wav_format(data):
    """(rate, channels, bits) of a canonical PCM WAV."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and data[12:16] == b"fmt "
    return (int.from_bytes(data[24:28], "little"), int.from_bytes(data[22:24], "little"),
            int.from_bytes(data[34:36], "little"))


def check_empty_transcript_turn(r):
    """The turn's end with whisper-server's empty transcript: said as not
    caught, stored as an error, no question to the LLM."""
    (t,) = r.turns()
    # stt_openai.c stt_parse_reply(): "empty transcript" is the verdict on
    # an HTTP 200 whose JSON "text" is empty after trimming, and nothing else
    assert t["outcome"] == "error" and t["error"] == "empty transcript", t
    assert t["transcript"] == "", t
    assert t["stt_sent_ms"] is not None and t["stt_done_ms"] is not None, t
    assert "I didn't catch that." in r.log_text()
    assert not [q for q in r.ollama.requests() if q["path"] == "/api/chat"]


def test_host_ping_reads_whisper_server_health():
    with whisper_rig() as (r, ws):
        r.start(["silence:60"], stt__backend="whispercpp", stt__url=ws.url)
        assert r.status()["stt"] == f"whispercpp {ws.url}"
        rc, lines, err = host_ping(r)
        assert rc == 0, (lines, err)
        backend, text = lines["stt"]
        assert backend == "whispercpp", lines
        # svr->Get(request_path + "/health") (line 1215): 200
        # {"status":"ok"} once the model is loaded
        assert f"{ws.origin}/health: HTTP 200" in text and "whisper.cpp server ready" in text, text

        # The other state of /health, SERVER_STATE_LOADING_MODEL: POST /load
        # sets it before it checks its form (lines 1172-1183), so a /load
        # with no "model" part leaves it set (400; the old model stays).
        # /health then sets 503 {"status":"loading model"}, but the
        # server's set_error_handler() (line 1240) rewrites every reply of
        # status >= 400 other than 500 (cpp-httplib 0.20.0, httplib.h
        # Server::write_response_core): a 400 becomes text/plain "Invalid
        # request", any other text/plain 404 "File Not Found (PATH)".  So a
        # loading whisper-server answers /health with 404, never 503.
        assert ask("POST", ws.origin + "/load", *form([("x", b"1", None)])) == \
            (400, "text/plain", "Invalid request")
        assert ask("GET", ws.origin + "/health") == \
            (404, "text/plain", "File Not Found (/health)")
        rc, lines, err = host_ping(r)
        backend, text = lines["stt"]
        assert rc == 1, (lines, err)
        assert f"{ws.origin}/health: HTTP 404" in text and "ready" not in text, text
        assert "while it loads a model" in text, text
        assert r.stop() == 0


def test_a_spoken_turn_through_whisper_server():
    # -l auto: the server's own default is not "en", so "lang = en" in its
    # log is the language part we send, read (lines 558-561)
    with whisper_rig("-l", "auto") as (r, ws):
        voice_turn(r, stt__backend="whispercpp", stt__url=ws.url)
        check_empty_transcript_turn(r)
        log = ws.log_text()
        # the handler's own log lines: the file part was found and decoded
        # as audio (read_audio_data, else 400 "failed to read audio data"),
        # and the inference ran
        assert "Received request: utterance.wav" in log, log[-2000:]
        assert "Successfully loaded utterance.wav" in log, log[-2000:]
        assert "Running whisper.cpp inference on utterance.wav" in log, log[-2000:]
        line = next(l for l in log.splitlines() if "processing 'utterance.wav'" in l)
        assert "lang = en," in line, line
        # "(N samples, S sec)": the utterance, about the recording's length
        secs = float(line.split(" samples, ")[1].split(" sec")[0])
        assert 1.5 < secs < 5.0, line


def test_a_speculative_turn_through_whisper_server():
    """Speculation against the real server: the part said before a pause is
    a whole request of its own, which whisper-server decodes (it transcribes
    only the uploaded file: server.cpp's /inference handler reads the
    "file" part into its PCM buffer and runs whisper_full on that), and the
    turn's committed request carries the whole utterance again.  The test
    model is untrained, so what it says of either is empty; that a real
    model writes down only the words it got is tools/fake-stt --full-ms's
    assumption, which no trained model here can check."""
    with whisper_rig() as (r, ws):
        path = paused_utterance(r)
        r.start([f"silence:{SPEC_LEAD_S}", path, "silence:8"], stt__backend="whispercpp",
                stt__url=ws.url)
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 40)
        r.stop()
        check_empty_transcript_turn(r)
        secs = [float(l.split(" samples, ")[1].split(" sec")[0])
                for l in ws.log_text().splitlines() if "processing 'utterance.wav'" in l]
        # the pause's speculation, then the last one: the whole utterance
        assert len(secs) == 2 and secs[0] < secs[1] - 0.5, secs
        assert secs[1] > 2.5, secs


def test_every_part_we_send_is_one_whisper_server_reads():
    with whisper_rig() as (r, ws):
        rec = Recorder(ws.port)
        try:
            voice_turn(r, stt__backend="whispercpp",
                       stt__url=f"http://127.0.0.1:{rec.port}/inference")
        finally:
            rec.close()
        check_empty_transcript_turn(r)
        (q,) = [q for q in rec.requests if q["path"] == "/inference"]
        assert q["method"] == "POST" and not q["chunked"], q
        # the server accepted it: 200 and its JSON (the final else of the
        # handler, {"text": output_str()}: each segment's text and "\n")
        assert (q["status"], q["reply_type"]) == (200, "application/json"), q
        assert json.loads(q["reply"]) == {"text": ""}, q["reply"]
        parts = {p["name"]: p for p in q["parts"]}
        assert len(parts) == len(q["parts"]), "a part is sent twice"
        assert set(parts) <= SERVER_READS, set(parts) - SERVER_READS
        f = parts["file"]
        assert (f["filename"], f["type"]) == ("utterance.wav", "audio/wav"), f
        # read_audio_data() wants WHISPER_SAMPLE_RATE (16 kHz) audio
        assert wav_format(f["data"]) == (16000, 1, 16)
        assert parts["response_format"]["data"] == b"json"
        assert parts["language"]["data"] == b"en"
        # whisper.cpp has no model part: /load swaps models
        assert "model" not in parts


def test_fake_stt_answers_as_whisper_server_does():
    """What tools/fake-stt models of whisper-server, asked of both: the
    same status, Content-Type and body (the transcript aside)."""
    n = 16000  # one second of silence, 16 kHz mono s16
    wav = b"RIFF" + (36 + 2 * n).to_bytes(4, "little") + b"WAVEfmt " + bytes.fromhex(
        "10000000" "0100" "0100" "803e0000" "007d0000" "0200" "1000") + \
        b"data" + (2 * n).to_bytes(4, "little") + bytes(2 * n)
    asks = [
        ("GET", "/health", None),
        ("GET", "/", None),
        ("GET", "/no-such-route", None),
        ("GET", "/v1/models", None),
        ("POST", "/v1/audio/transcriptions", form([("file", wav, "a.wav")])),
        ("POST", "/inference", form([("response_format", b"json", None)])),
        ("POST", "/inference", form([("file", b"not a wav file", "x.wav")])),
        ("POST", "/inference", form([("file", wav, "a.wav"), ("response_format", b"json", None)])),
        ("POST", "/load", form([("model", b"/no/such/model.bin", None)])),
        ("GET", "/health", None),  # loading, for good: the /load failed
    ]
    with rig() as r:
        ws = WhisperServer(r.dir)
        try:
            fake = r.start_stt("--whispercpp-only", "--transcript", "")
            for method, path, body in asks:
                args = body or ()
                real = ask(method, ws.origin + path, *args)
                faked = ask(method, f"http://127.0.0.1:{fake.port}{path}", *args)
                if path == "/":  # the same page in other words
                    real, faked = real[:2], faked[:2]
                assert faked == real, (method, path, real, faked)
            # --health-loading starts in that state
            fake = r.start_stt("--whispercpp-only", "--health-loading")
            assert ask("GET", f"http://127.0.0.1:{fake.port}/health") == \
                (404, "text/plain", "File Not Found (/health)")
        finally:
            ws.stop()
