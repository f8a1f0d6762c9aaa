# SPDX-License-Identifier: MIT
"""Button gestures, LED patterns and the daemon's life cycle, through the
sim GPIO backend and the real parleyd."""
import os
import signal
import socket
import sqlite3
import subprocess
import time

from common import PARLEYD, free_port, rig
from rig import Console


def hold(con, seconds):
    assert con.cmd("button press")[0]
    time.sleep(seconds)
    assert con.cmd("button release")[0]


def gestures(r):
    g = r.status()["gestures"].split()
    return dict(zip(g[0::2], map(int, g[1::2])))


def led_log(con):
    ok, lines = con.cmd("led log")
    assert ok, lines
    out = []
    for line in lines:
        t, _, idx, state = line.split()
        out.append((int(t), int(idx), state == "on"))
    return out


def intervals(log, led=0):
    """Times between successive changes of one LED."""
    t = [e[0] for e in log if e[1] == led]
    return [b - a for a, b in zip(t, t[1:])]


def test_gestures_are_told_apart():
    with rig() as r:
        r.start_ollama()
        r.start(["silence:60"], button__long_ms=1000, button__long_action="new_conversation")
        con = Console(r.socket)
        # a bouncing contact: three edges within a few ms are one press
        con.cmd("button press")
        con.cmd("button release")
        con.cmd("button press")
        time.sleep(0.1)
        con.cmd("button release")
        time.sleep(0.5)  # past the double-press window
        assert gestures(r) == {"hold": 0, "tap": 1, "long": 0, "double": 0}
        con.cmd("button press")  # the tap listens: a press ends it
        time.sleep(0.05)
        con.cmd("button release")
        r.wait_state("idle", 10)
        # a hold of 0.5 s
        time.sleep(0.5)
        hold(con, 0.5)
        r.wait_state("idle", 10)
        time.sleep(0.5)
        assert gestures(r)["hold"] == 1
        # a long press without speech: new conversation, said aloud
        hold(con, 1.3)
        assert gestures(r)["long"] == 1
        assert "saying: New conversation." in r.log_text()
        r.wait_state("idle", 10)
        # a double press mutes; while muted a press does not listen
        time.sleep(0.5)
        hold(con, 0.05)
        time.sleep(0.1)
        hold(con, 0.05)
        assert gestures(r)["double"] == 1
        r.wait_state("idle", 10)
        assert r.status()["microphone"] == "muted"
        hold(con, 0.05)
        time.sleep(0.2)
        assert r.status()["state"] == "idle"
        con.close()


def test_a_chattering_contact_is_one_press_and_one_release():
    """A press and a release that each chatter (several edges within a
    millisecond) are one hold; the press acts on its first edge."""
    with rig() as r:
        r.start(["silence:60"], button__long_ms=3000)
        con = Console(r.socket)
        assert con.cmd("button press 3")[0]
        time.sleep(0.6)
        assert con.cmd("button release 3")[0]
        r.wait_state("idle", 10)
        time.sleep(0.3)
        assert gestures(r) == {"hold": 1, "tap": 0, "long": 0, "double": 0}
        log = r.log_text()
        assert log.count("button: pressed") == 1, log[-2000:]
        assert log.count("button: released") == 1, log[-2000:]
        ok, lines = con.cmd("button press 9")
        assert not ok and "bounces must be 0..7" in " ".join(lines), lines
        con.close()


def test_long_press_starts_a_new_conversation():
    with rig() as r:
        r.start_ollama("--answer", "Sure.", "--token-rate", "0")
        r.start(["silence:60"], button__long_ms=1000)
        r.ctl("ask", "first question")
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        con = Console(r.socket)
        hold(con, 1.3)
        r.wait_state("idle", 10)
        r.ctl("ask", "second question")
        r.wait_turns(2, 20)
        r.stop()
        a, b = r.turns()
        assert a["conversation"] != b["conversation"]
        # and the new conversation sent no history
        chats = [q["body"] for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert [m["role"] for m in chats[1]["messages"]] == ["system", "user"]


def test_led_patterns_follow_the_turn():
    answer = "One two three four five. Six seven eight nine ten."
    with rig() as r:
        r.start_ollama("--answer", answer, "--token-rate", "20",
                       "--first-token-delay-ms", "2500")
        r.start(["silence:60"], gpio__led_lines=[5, 6, 13])
        con = Console(r.socket)
        r.ctl("ask", "count to ten")
        r.wait_turns(1, 30)
        r.wait_state("idle", 10)
        log = led_log(con)
        con.close()
        r.stop()
    red = [e for e in log if e[1] == 0]
    green = [e for e in log if e[1] == 1]
    blue = [e for e in log if e[1] == 2]
    # thinking: red and green together (yellow), 500 ms on and off
    slow = [d for d in intervals(log, 0)[:4]]
    assert len(slow) >= 4 and all(440 <= d <= 580 for d in slow), slow
    # speaking: green alone, 150 ms on and off
    fast = intervals(log, 1)[-8:]
    assert all(110 <= d <= 210 for d in fast), fast
    assert not blue or not any(on for _, _, on in blue[-1:])
    # idle at the end: everything off
    assert not red[-1][2] and not green[-1][2]


def test_error_flashes_three_times():
    with rig() as r:
        r.start(["silence:60"], llm__url=f"http://127.0.0.1:{free_port()}")
        con = Console(r.socket)
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        time.sleep(1.2)
        log = led_log(con)
        con.close()
    # the last six changes: three 150 ms flashes of the single LED
    tail = log[-6:]
    assert [on for _, _, on in tail] == [True, False] * 3, tail
    gaps = [b[0] - a[0] for a, b in zip(tail, tail[1:])]
    assert all(110 <= g <= 210 for g in gaps), gaps


def test_gpiod_backend_names_the_missing_chip():
    with rig() as r:
        r.write_config(gpio__backend="gpiod", gpio__chip="gpiochip97",
                       gpio__button_line=17)
        p = subprocess.run([PARLEYD, "-f", "-c", r.conf],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode == 1
        assert "gpio chip 'gpiochip97' (button line 17): No such file or directory" in p.stderr
    v = subprocess.run([PARLEYD, "-V"], capture_output=True, text=True)
    assert "gpio backends: sim gpiod" in v.stdout


def test_sigterm_stops_cleanly_within_a_second():
    with rig() as r:
        r.start_ollama("--answer", "A long answer. " * 20, "--token-rate", "50")
        r.start(["silence:60"])
        r.ctl("ask", "talk for a while")
        r.wait_turns(0)
        r.wait_state("speaking", 10)
        t0 = time.monotonic()
        r.daemon.send_signal(signal.SIGTERM)
        rc = r.daemon.wait(5)
        took = time.monotonic() - t0
        assert rc == 0 and took < 1.0, (rc, took)
        con = sqlite3.connect(r.db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the interrupted turn was kept
        assert con.execute("SELECT outcome FROM turns").fetchall() == [("barge-in",)]
        con.close()


def test_sighup_applies_live_settings_and_names_the_rest():
    with rig() as r:
        r.start_ollama("--model", "llama3.2", "--model", "qwen2.5:3b",
                       "--answer", "Hi.", "--token-rate", "0")
        r.start(["silence:60"])
        r.write_config(llm__model="qwen2.5:3b", audio__playback_rate=48000)
        r.daemon.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while "reloaded" not in r.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = r.log_text()
        assert 'llm.model: "llama3.2" -> "qwen2.5:3b"' in log
        assert "audio.playback_rate changed (16000 -> 48000): restart parleyd to apply" in log
        r.ctl("ask", "hi")
        r.wait_turns(1, 20)
        # a broken file is refused and the running settings stay
        with open(r.conf, "a") as f:
            f.write("llm = { bogus = 1; };\n")
        r.daemon.send_signal(signal.SIGHUP)
        while "reload of" not in r.log_text() and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        assert "refused" in r.log_text()
        r.wait_state("idle", 10)
        r.ctl("ask", "hi again")
        r.wait_turns(2, 20)
        r.stop()
        models = [q["body"]["model"] for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert models == ["qwen2.5:3b", "qwen2.5:3b"]


def test_notify_ready_status_and_watchdog():
    with rig() as r:
        path = os.path.join(r.dir, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(5)
        r.start(["silence:60"], extra_env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        got = []
        t_end = time.monotonic() + 1.2
        while time.monotonic() < t_end:
            got.append(s.recv(512).decode())
        r.stop()
        while True:
            try:
                s.settimeout(0.5)
                got.append(s.recv(512).decode())
            except socket.timeout:
                break
        s.close()
        assert got[0] == "READY=1", got
        assert "STATUS=idle" in got
        assert got.count("WATCHDOG=1") >= 8, got  # every 100 ms
        assert "STOPPING=1" in got
