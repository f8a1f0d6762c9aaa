# SPDX-License-Identifier: MIT
"""The fault matrix: each misbehaviour of a peer gets a short spoken error,
memory stays within its caps, and the next turn succeeds."""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time

from common import BUILD, SPEECH, free_port, rig

# (fake-ollama fault, extra config, what the stored error must say,
#  the sentence that must be spoken)
LLM_FAULTS = [
    ("error-midstream", {}, "an error was encountered", "The language model server sent an error."),
    ("no-done", {}, "without done", "The language model server sent an error."),
    ("http500", {}, "HTTP 500", "The language model server sent an error."),
    ("http400", {}, "HTTP 400: invalid options", "The language model server sent an error."),
    ("http503-plain", {}, "HTTP 503: upstream busy", "The language model server sent an error."),
    ("http404-plain", {}, "HTTP 404: 404 page not found", "The language model server sent an error."),
    ("stall", {"llm__stall_timeout_ms": 1000}, "no further token", "took too long"),
    ("disconnect", {}, "http://127.0.0.1", "The language model server sent an error."),
    ("garbage-line", {}, "not a JSON object", "The language model server sent an error."),
    ("huge-line", {}, "longer than 65536 bytes", "The language model server sent an error."),
    ("truncated-chunk", {}, "http://127.0.0.1", "The language model server sent an error."),
]


def heap(r):
    m = re.search(r"curl (\d+) \(max (\d+)\) json (\d+) \(max (\d+)\)", r.status()["heap"])
    return [int(x) for x in m.groups()]


def test_llm_faults_are_spoken_and_the_next_turn_works():
    for fault, cfg, detail, spoken in LLM_FAULTS:
        with rig() as r:
            bad = r.start_ollama("--fault", fault, "--token-rate", "0")
            r.start(["silence:60"], **cfg)
            r.ctl("ask", "hello")
            r.wait_turns(1, 30)
            r.wait_state("idle", 15)
            # memory stayed within the caps (curl 4 MiB, JSON arena 256 KiB)
            curl_now, curl_max, json_now, json_max = heap(r)
            assert curl_max <= 4 << 20 and json_max <= 256 << 10, (fault, heap(r))
            # the next turn, against a working server, succeeds
            good = r.start_peer("fake-ollama", "--answer", "All good.", "--token-rate", "0")
            r.reload(llm__url=f"http://127.0.0.1:{good.port}")
            r.ctl("ask", "again")
            r.wait_turns(2, 30)
            r.stop()
            first, second = r.turns()
            assert first["outcome"] == "error" and detail in first["error"], (fault, first["error"])
            assert spoken in r.log_text(), fault
            assert second["outcome"] == "ok" and second["answer"] == "All good.", fault
            del bad


def test_dns_failure_and_connect_timeout():
    with rig() as r:
        r.start(["silence:60"], llm__url="http://no-such-host.invalid:11434")
        r.ctl("ask", "hello")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "resolve" in t["error"].lower(), t["error"]
        assert "I can't reach the language model server." in r.log_text()
    # a listener whose backlog is full never completes the handshake
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    try:
        with rig() as r:
            r.start(["silence:60"], llm__url=f"http://127.0.0.1:{port}",
                    llm__connect_timeout_ms=500)
            r.ctl("ask", "hello")
            r.wait_turns(1, 30)
            r.stop()
            (t,) = r.turns()
            assert t["outcome"] == "error", t
            assert "timed out" in t["error"].lower() or "timeout" in t["error"].lower(), t["error"]
    finally:
        for s in fillers:
            s.close()
        lst.close()


def test_first_token_slower_than_the_timeout():
    with rig() as r:
        r.start_ollama("--first-token-delay-ms", "3000")
        r.start(["silence:60"], llm__first_token_timeout_ms=1000)
        t0 = time.monotonic()
        r.ctl("ask", "hello")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert "no first token from the model in 1000 ms" in t["error"]
        assert "took too long to answer" in r.log_text()


def test_stt_reply_without_text_and_wyoming_lies():
    for kind, args, detail in [
            ("stt", ("--fault", "no-text"), 'reply has no "text"'),
            ("stt", ("--fault", "http500"), "HTTP 500"),
            ("wyoming", ("--mode", "stt", "--fault", "lying-length"), ""),
            ("wyoming", ("--mode", "stt", "--fault", "no-transcript"), "closed")]:
        with rig() as r:
            if kind == "stt":
                p = r.start_stt(*args)
                cfg = {"stt__url": f"http://127.0.0.1:{p.port}/v1/audio/transcriptions"}
            else:
                p = r.start_peer("fake-wyoming", *args)
                cfg = {"stt__backend": "wyoming", "stt__url": f"tcp://127.0.0.1:{p.port}"}
            r.start_ollama("--answer", "Heard you.", "--token-rate", "0")
            r.start(["silence:1.5", SPEECH, "silence:4", SPEECH, "silence:8"], **cfg)
            r.wait_frames(100)
            r.tap()
            r.wait_turns(1, 30)
            r.wait_state("idle", 15)
            assert "Speech recognition failed." in r.log_text(), kind
            heap_now = heap(r)
            assert heap_now[1] <= 4 << 20 and heap_now[3] <= 256 << 10, heap_now
            # the next utterance, to a working server, gets its answer
            good = r.start_stt("--transcript", "go forward ten meters") if kind == "stt" \
                else r.start_peer("fake-wyoming", "--mode", "stt", "--transcript",
                                  "go forward ten meters")
            url = (f"http://127.0.0.1:{good.port}/v1/audio/transcriptions" if kind == "stt"
                   else f"tcp://127.0.0.1:{good.port}")
            r.reload(stt__url=url)
            r.wait_frames(int((1.5 + 2.8 + 4) * 100) - 60)
            r.tap()
            r.wait_turns(2, 30)
            r.stop()
            first, second = r.turns()
            assert first["outcome"] == "error" and detail in first["error"], (kind, first)
            assert second["outcome"] == "ok", (kind, second)
            assert second["transcript"] == "go forward ten meters", kind


def test_tts_faults_fall_back_and_other_rates_are_resampled():
    from test_backends import answer_audio_seconds
    for args, fallback in [(("--fault", "http500"), True), (("--fault", "not-wav"), True),
                           (("--rate", "44100", "--ms-per-char", "50"), False),
                           (("--rate", "8000", "--ms-per-char", "50"), False)]:
        with rig() as r:
            tts = r.start_peer("fake-tts", *args)
            r.start_ollama("--answer", "The door is locked.", "--token-rate", "0")
            r.start(["silence:60"], tts__backend="openai",
                    tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech")
            r.ctl("ask", "door?")
            r.wait_turns(1, 30)
            r.stop()
            (t,) = r.turns()
            assert t["outcome"] == ("tts-fallback" if fallback else "ok"), args
            assert ("saying it with the local voice" in r.log_text()) == fallback, args
            if not fallback:
                secs = answer_audio_seconds(r)
                expect = 0.05 * len("The door is locked.")
                assert 0.9 * expect < secs < expect + 0.4, (args, secs)


def test_kill_during_a_turn_keeps_the_store_sound():
    with rig() as r:
        r.start_ollama("--answer", "Fine.", "--token-rate", "0")
        r.start(["silence:60"])
        r.ctl("ask", "first")
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        r.start_ollama("--answer", "A long answer. " * 30, "--token-rate", "50")
        r.reload(llm__url=f"http://127.0.0.1:{r.peers[-1].port}")
        r.ctl("ask", "second")
        r.wait_state("speaking", 10)
        r.daemon.send_signal(signal.SIGKILL)
        r.daemon.wait(5)
        con = sqlite3.connect(r.db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT transcript FROM turns").fetchall() == [("first",)]
        con.close()


def test_corrupt_store_is_moved_aside():
    with rig() as r:
        with open(r.db, "wb") as f:
            f.write(b"this is not a database, just bytes " * 200)
        r.start_ollama("--answer", "Fresh start.", "--token-rate", "0")
        r.start(["silence:60"])
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        aside = [f for f in os.listdir(r.dir) if f.startswith("parley.db.corrupt-")]
        assert len(aside) == 1, os.listdir(r.dir)
        assert "moved aside" in r.log_text()
        assert r.turns()[0]["answer"] == "Fresh start."
