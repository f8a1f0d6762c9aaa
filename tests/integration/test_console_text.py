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
from test_console_roles import MONITOR, User, open_to_group

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
        watcher = None
        if os.geteuid() == 0:  # a monitor is another user (test_console_roles)
            open_to_group(r)
            watcher = User(MONITOR, ["parley"]).connect(r.socket)
            assert watcher.cmd("attach")[0]
        assert ctl(r, "-n", "ask", "what colours are things?")[0] == 0
        ev = events_until(con, "EVENT turn ")
        con.close()
        if watcher:
            seen = events_until(watcher, "EVENT turn ")
            watcher.close()
            assert "EVENT state thinking" in seen, seen
            assert not [e for e in seen if "colours" in e or "blue" in e], seen
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


def test_timers_read_like_a_person_wrote_them():
    import datetime
    now = datetime.datetime.now()
    soon = now + datetime.timedelta(minutes=3)  # today, unless near midnight
    past = now - datetime.timedelta(minutes=3)  # so: its next ring is tomorrow
    in3 = (now + datetime.timedelta(days=3)).replace(hour=7, minute=30, second=0,
                                                     microsecond=0)
    in9 = (now + datetime.timedelta(days=9)).replace(hour=7, minute=30, second=0,
                                                     microsecond=0)
    calls = [("set_timer", '{"seconds": 252, "label": "kitchen"}'),
             ("set_alarm", '{"time": "%s"}' % soon.strftime("%H:%M")),
             ("set_alarm", '{"time": "%s"}' % past.strftime("%H:%M")),
             ("set_alarm", '{"time": "%s"}' % in3.strftime("%Y-%m-%dT%H:%M")),
             ("set_alarm", '{"time": "%s"}' % in9.strftime("%Y-%m-%dT%H:%M"))]
    args = []
    for name, js in calls:
        args += ["--tool-call", name, js]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    with rig() as r:
        r.start_ollama(*args, "--answer", "Done.", *FAST)
        r.start(["silence:60"])
        t0 = time.monotonic()
        rc, out, err = ctl(r, "-w", "ask", "set them all")
        assert rc == 0 and "outcome: ok" in out, (out, err)
        rc, out, err = r.ctl("timers")
        took = time.monotonic() - t0
        assert rc == 0, err
        human = [l for l in out.splitlines() if not l.startswith("  ")]
        m = re.fullmatch(r"kitchen: 4 min (\d+) s left", human[0])
        assert m and 12 - took - 1 <= int(m.group(1)) <= 12, (human, took)
        assert human[1] == "alarm %s %s" % (soon.strftime("%H:%M"),
                                            "today" if soon.date() == now.date()
                                            else "tomorrow"), human
        # three minutes ago rings tomorrow; just after midnight that is
        # yesterday's clock time, so its next ring is later today
        assert human[2] == "alarm %s %s" % (past.strftime("%H:%M"),
                                            "tomorrow" if past.date() == now.date()
                                            else "today"), human
        assert human[3] == "alarm %s 07:30" % days[in3.weekday()], human
        assert human[4] == "alarm %s 07:30" % in9.strftime("%Y-%m-%d"), human
        assert human[5] == "set: 5 ringing: no rings: 0", human
        # the line for scripts keeps the label and the times
        assert out.splitlines()[1].startswith("  timer 1 'kitchen' due_unix_ms="), out
        rc, out, err = r.ctl("timers", "cancel")
        assert rc == 0 and out == "cancelled: 5\n", (out, err)
        # nothing left: said, and not an error
        rc, out, err = r.ctl("timers", "cancel")
        assert rc == 0 and out == "no timers to cancel\n", (out, err)
        rc, out, err = r.ctl("timers", "cancel", "kitchen")
        assert rc == 0 and out == "no timers to cancel\n", (out, err)
        rc, out, err = r.ctl("timers")
        assert out == "no timers or alarms\nset: 0 ringing: no rings: 0\n", out


def test_status_says_what_rings():
    with rig() as r:
        r.start_ollama("--tool-call", "set_timer", '{"seconds": 1, "label": "tea"}',
                       "--answer", "Okay.", *FAST)
        r.start(["silence:60"])
        assert r.status()["ringing"] == "no"
        con = Console(r.socket)
        assert con.cmd("attach")[0]
        assert ctl(r, "-w", "ask", "a tea timer for a second")[0] == 0
        events_until(con, "EVENT ring ")
        con.close()
        assert r.status()["ringing"] == "tea"
        rc, out, _ = r.ctl("timers")
        assert out.splitlines()[0] == "tea: ringing", out
        assert r.ctl("timers", "stop")[0] == 0
        assert r.status()["ringing"] == "no"


def test_history_shows_whole_answers_wrapped_between_words():
    words = ("Tomatoes want warm soil, a sunny bed and water at the roots; "
             "plant them out after the last frost, about sixty centimetres "
             "apart, and pinch the side shoots weekly.").split()
    # about 6 KiB: far past the 200 bytes history used to show
    answer = " ".join(f"{w}{i}" if i % 7 == 0 else w
                      for i, w in enumerate(words * 40))
    assert len(answer) > 6000
    with rig() as r:
        r.start_ollama("--answer", "Short.", *FAST)
        r.start(["silence:60"])
        assert ctl(r, "-w", "ask", "first")[0] == 0
        con = sqlite3.connect(r.db)
        con.execute("INSERT INTO turns(conversation, started_unix_ms, source,"
                    " transcript, answer, outcome, error) VALUES"
                    " (1, ?, 'text', 'when do I plant tomatoes?', ?, 'truncated',"
                    " 'llm.answer_max_chars reached')",
                    (int(time.time() * 1000), answer))
        con.commit()
        con.close()
        rc, out, err = r.ctl("history", "1")
        assert rc == 0, err
        lines = out.splitlines()
        assert all(len(l) <= 78 for l in lines), [l for l in lines if len(l) > 78]
        head, sep, first = lines[0].partition(' "when do I plant tomatoes?" -> "')
        assert sep and re.fullmatch(r"#2 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d conv 1 "
                                    r"text truncated:", head), lines[0]
        assert lines[-1] == "    error: llm.answer_max_chars reached", lines[-1]
        body = lines[1:-1]
        assert all(l.startswith("    ") and l[4] != " " for l in body), body
        # the question fills the turn's line: the answer starts below it
        assert first == "", lines[:2]
        text = " ".join(l[4:] for l in body)
        # broken only between words: joined with spaces it is the answer
        assert text == answer + '"', text[-200:]
        # and each line is as full as the next word allowed
        for a, b in zip(lines, lines[1:-1]):
            assert len(a) + 1 + len(b[4:].split(" ")[0]) > 78, (a, b)


def led_log(r):
    """The sim LED log as (ms, led, on) rows."""
    rows = []
    for line in r.ctl("led", "log")[1].splitlines():
        ms, _, led, state = line.split()
        rows.append((int(ms), int(led), state == "on"))
    return rows


def test_led_state_shows_its_pattern_then_what_is_due():
    with rig() as r:
        r.start(["silence:60"])
        assert r.status()["led"] == "idle"
        before = len(led_log(r))
        rc, out, err = r.ctl("led", "thinking")
        assert rc == 0 and out == "led: showing thinking (red+green:500/500) for 5 s\n", (out, err)
        # the preview ends on its own, and the LED shows the idle state again
        assert r.status()["led"] == "thinking"
        deadline = time.monotonic() + 15
        while r.status()["led"] != "idle":
            assert time.monotonic() < deadline, led_log(r)[before:]
            time.sleep(0.1)
        rows = led_log(r)[before:]
        assert not rows[-1][2], rows  # idle: off
        # thinking's pattern: 500 ms on, 500 ms off, from the command on
        blinks = rows[:10]
        assert [on for _, _, on in blinks] == [True, False] * 5, rows
        steps = [b[0] - a[0] for a, b in zip(blinks, blinks[1:])]
        assert all(abs(s - 500) <= 30 for s in steps), steps
        # it ended at 5 s: at the off that began at 4.5 s, or one at 5 s
        assert 4450 <= rows[-1][0] - rows[0][0] <= 5100, rows


def test_record_waits_as_long_as_the_recording_takes():
    with rig() as r:
        r.start(["silence:60"])
        t0 = time.monotonic()
        # past parleyctl's 10 s reply timeout; it used to give up there
        rc, out, err = ctl(r, "record", "12", "long.wav", timeout=40)
        took = time.monotonic() - t0
        # the old client gave up at 10 s with exit 3; the recording's
        # length is checked from the file, not from the wall clock
        assert rc == 0, (out, err, took)
        with open(r.recording("long.wav"), "rb") as f:
            head = f.read(44)
        assert head[:4] == b"RIFF" and head[8:12] == b"WAVE"
        data = int.from_bytes(head[40:44], "little")
        assert abs(data - 12 * 16000 * 2) <= 16000 * 2 // 10, data  # 12 s at 16 kHz
