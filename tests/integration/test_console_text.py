# SPDX-License-Identifier: MIT
"""What the console prints, as a person reads it (issue 15): parleyctl ask
with the answer sentence by sentence, the outcome and the stage times;
attach events with the transcript and the sentences (admin only); history
with whole answers wrapped at word boundaries; timers in words; status
while a timer rings; parleyctl help and the advice to start parleyd when
it is not running; a recording longer than the reply timeout; led STATE
in the sim LED log."""
import os
import re
import sqlite3
import subprocess
import time

from common import BUILD, rig
from rig import Console

PARLEYCTL = os.path.join(BUILD, "parleyctl")
SENTENCES = ["The sky is blue.", "Grass is green.", "Snow is white."]
FAST = ("--first-token-delay-ms", "0", "--token-rate", "0")


def ctl(r, *cmd, timeout=30):
    p = subprocess.run([PARLEYCTL, "-s", r.socket] + list(cmd),
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def events_until(con, last):
    """EVENT lines read from an attached Console up to the first that
    starts with last (included)."""
    out = []
    while True:
        while b"\n" not in con.buf:
            chunk = con.sock.recv(4096)
            assert chunk, out
            con.buf += chunk
        raw, con.buf = con.buf.split(b"\n", 1)
        line = raw.decode()
        out.append(line)
        if line.startswith(last):
            return out


def test_ask_prints_the_answer_then_outcome_and_stage_times():
    with rig() as r:
        r.start_ollama("--answer", " ".join(SENTENCES), *FAST)
        r.start(["silence:60"])
        rc, out, err = ctl(r, "-w", "ask", "what colours are things?")
        assert rc == 0, (out, err)
        lines = out.splitlines()
        assert lines[:3] == SENTENCES, out
        assert lines[3] == "outcome: ok", out
        assert re.fullmatch(r"stage times: llm_request \d+ ms, first_token \d+ ms, "
                            r"first_sentence \d+ ms, first_audio \d+ ms, "
                            r"last_audio \d+ ms", lines[4]), out
        assert len(lines) == 5, out
        # it returned when the turn was stored, not before
        assert int(r.status()["turns_stored"]) == 1
        # the same in a pipe without -w: it returns once the turn started
        rc, out, err = ctl(r, "-n", "ask", "and again?")
        assert rc == 0 and out == "", (out, err)
        r.wait_turns(2, 20)


def test_ask_an_error_ends_with_its_outcome():
    with rig() as r:
        r.start_ollama("--answer", "Never said.", "--fault", "http500", *FAST)
        r.start(["silence:60"])
        rc, out, err = ctl(r, "-w", "ask", "hello?")
        assert rc == 0, (out, err)
        lines = out.splitlines()
        assert lines[0] == "outcome: error", out
        assert lines[1].startswith("stage times: llm_request "), out
        assert "Never said." not in out


def test_attach_carries_transcript_and_sentences_to_admins():
    with rig() as r:
        r.start_ollama("--answer", " ".join(SENTENCES), *FAST)
        r.start(["silence:60"])
        con = Console(r.socket)
        assert con.cmd("attach")[0]
        assert ctl(r, "-n", "ask", "what colours are things?")[0] == 0
        ev = events_until(con, "EVENT turn ")
        con.close()
        said = [e for e in ev if e.startswith(("EVENT transcript ", "EVENT sentence "))]
        assert said == ["EVENT transcript what colours are things?"] + \
            ["EVENT sentence " + s for s in SENTENCES], ev
        # the transcript comes before the model is asked; the turn's event last
        assert ev.index(said[0]) < ev.index("EVENT state thinking"), ev
        assert ev[-1].startswith("EVENT turn 1 outcome=ok "), ev


def test_help_without_a_daemon_lists_the_commands():
    sock = "/nonexistent-parley/parleyd.sock"
    p = subprocess.run([PARLEYCTL, "-s", sock, "help"], capture_output=True, text=True)
    assert p.returncode == 0, p
    names = [l.split()[0] for l in p.stdout.splitlines()[1:]]
    for cmd in ("status", "ask", "history", "timers", "record", "led", "quit"):
        assert cmd in names, p.stdout
    assert re.search(r"^timers \[stop\|cancel \[LABEL\]\] +monitor/admin +timers ",
                     p.stdout, re.M), p.stdout
    p = subprocess.run([PARLEYCTL, "-h"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("usage: parleyctl"), p
    assert re.search(r"^record SECONDS NAME \[mic\|ref\|both\] +admin ", p.stdout, re.M), p.stdout
    # any other command says how to start it
    p = subprocess.run([PARLEYCTL, "-s", sock, "status"], capture_output=True, text=True)
    assert p.returncode == 3 and p.stdout == "", p
    assert p.stderr == ("parleyctl: cannot connect: parleyd is not running (no socket at %s): start it "
                        "with systemctl start parleyd, or parleyd -f -c FILE\n" % sock), p.stderr
