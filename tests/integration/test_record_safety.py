# SPDX-License-Identifier: MIT
"""`record` writes only new regular files, by bare name, into the
recordings directory beside the store; it stops at record.max_s, shows on
the LED while it runs, and nothing is recorded or sent to speech
recognition while the microphone is muted (issue 16)."""
import array
import os
import stat
import subprocess
import time

from common import SPEECH, rig, sound_span
from rig import Console, read_raw, read_wav


def rec_dir(r):
    return os.path.join(r.dir, "recordings")


def double_press(con):
    """Two taps within button.double_ms: mute or unmute."""
    for _ in range(2):
        assert con.cmd("button press")[0]
        time.sleep(0.05)
        assert con.cmd("button release")[0]
        time.sleep(0.05)


def wait_status(r, key, value, timeout=10):
    deadline = time.monotonic() + timeout
    while r.status()[key] != value:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key} never became {value}: {r.status()[key]}\n"
                               + r.log_text()[-2000:])
        time.sleep(0.01)


def start_record(r, *args):
    """parleyctl record in the background: its answer comes at the end."""
    return subprocess.Popen([os.path.join(r.build, "parleyctl"), "-s", r.socket,
                             "record"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_record_writes_a_bare_name_into_the_recordings_directory():
    with rig() as r:
        r.start(["silence:60"])
        rc, out, err = r.ctl("record", "1", "take-1.wav")
        assert rc == 0, err
        path = os.path.join(rec_dir(r), "take-1.wav")
        assert path in out, out
        rate, ch, bits, pcm = read_wav(path)
        assert (rate, ch, bits, len(pcm)) == (16000, 1, 16, 16000)
        st = os.stat(rec_dir(r))
        assert stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o027, oct(st.st_mode)
        # the store's own names only ever land in recordings/: the
        # history is not touched
        db = open(r.db, "rb").read()
        rc, _, err = r.ctl("record", "1", "parley.db-wal")
        assert rc == 0, err
        assert not os.path.exists(r.db + "-wal") or \
            os.path.getsize(r.db + "-wal") != 16000 * 2 + 44
        assert open(r.db, "rb").read() == db
        # and a recording never replaces a file, its own included
        rc, _, err = r.ctl("record", "1", "take-1.wav")
        assert rc == 1 and "exists" in err, err


def test_record_refuses_names_that_leave_the_directory():
    with rig() as r:
        r.start(["silence:60"])
        for name, why in (("../x.wav", "without '/'"), ("a/b.wav", "without '/'"),
                          (os.path.join(r.dir, "abs.wav"), "without '/'"),
                          ("..", "start with '.'"), (".hidden", "start with '.'"),
                          ("what?.wav", "letters, digits")):
            rc, _, err = r.ctl("record", "1", name)
            assert rc == 1 and why in err, (name, err)
        assert not os.path.exists(os.path.join(r.dir, "x.wav"))
        assert not os.path.exists(os.path.join(r.dir, "abs.wav"))
        assert not os.path.exists(os.path.join(rec_dir(r), "a"))


def test_record_refuses_a_fifo_and_a_symlink_and_the_loop_keeps_running():
    """A FIFO of that name used to freeze the control loop in open() until
    the watchdog killed the daemon; a link sent the audio over its target."""
    with rig() as r:
        r.start(["silence:60"])
        os.makedirs(rec_dir(r), mode=0o750, exist_ok=True)
        os.mkfifo(os.path.join(rec_dir(r), "pipe.wav"))
        target = os.path.join(r.dir, "target")
        with open(target, "wb") as f:
            f.write(b"keep me")
        os.symlink(target, os.path.join(rec_dir(r), "link.wav"))
        frames = r.frames()
        rc, _, err = r.ctl("record", "1", "pipe.wav")
        assert rc == 1 and "exists" in err, err
        rc, _, err = r.ctl("record", "1", "link.wav")
        assert rc == 1 and "exists" in err, err
        assert open(target, "rb").read() == b"keep me"
        # the loop goes on: status answers, frames keep coming
        r.wait_frames(frames + 50, 10)
        assert r.status()["state"] == "idle"
        # a link in place of the directory is not followed either
        os.rename(rec_dir(r), rec_dir(r) + ".old")
        os.symlink(r.dir, rec_dir(r))
        rc, _, err = r.ctl("record", "1", "via-link.wav")
        assert rc == 1 and "not a directory" in err, err
        assert not os.path.exists(os.path.join(r.dir, "via-link.wav"))


def test_record_stops_at_the_cap_and_shows_on_the_led():
    with rig() as r:
        r.start(["silence:60"], record__max_s=2)
        assert r.status()["led"] == "idle"
        p = start_record(r, "30", "capped.wav")
        wait_status(r, "led", "recording")
        out, err = p.communicate(timeout=20)
        assert p.returncode == 0, err
        assert "stopped at record.max_s" in out, out
        rate, ch, bits, pcm = read_wav(os.path.join(rec_dir(r), "capped.wav"))
        assert len(pcm) == 2 * 16000
        wait_status(r, "led", "idle")
        con = Console(r.socket)
        ok, lines = con.cmd("led log")
        con.close()
    assert ok, lines
    log = [(int(t), state == "on") for t, _, _, state in (l.split() for l in lines)]
    # the recording pattern: 1 s on, 1 s off, told apart from thinking's 500 ms
    on = [i for i, (_, lit) in enumerate(log) if lit]
    assert on, log
    first = on[0]
    assert log[first + 1][0] - log[first][0] >= 900, log


def test_record_is_refused_while_muted_and_muting_ends_it():
    with rig() as r:
        stt = r.start_stt()
        r.start(["silence:60"])
        con = Console(r.socket)
        # muting ends a recording that runs: nothing after it is written
        p = start_record(r, "30", "before-mute.wav")
        wait_status(r, "led", "recording")
        double_press(con)
        out, err = p.communicate(timeout=10)
        assert p.returncode == 1 and "muted" in err, (out, err)
        _, _, _, pcm = read_wav(os.path.join(rec_dir(r), "before-mute.wav"))
        assert len(pcm) < 5 * 16000
        wait_status(r, "microphone", "muted")
        r.wait_state("idle", 10)
        wait_status(r, "led", "muted")
        # muted: record is refused, no file is made
        rc, _, err = r.ctl("record", "1", "muted.wav")
        assert rc == 1 and "muted" in err, err
        assert not os.path.exists(os.path.join(rec_dir(r), "muted.wav"))
        # and a press does not listen: speech recognition gets nothing
        assert con.cmd("button press")[0]
        time.sleep(0.5)
        assert con.cmd("button release")[0]
        frames = r.frames()
        r.wait_frames(frames + 100, 10)
        assert r.status()["state"] == "idle"
        assert not [q for q in stt.requests() if q["path"] != "/health"], stt.requests()
        con.close()


def test_unmuting_does_not_send_what_was_heard_while_muted():
    """The pre-roll (endpoint.preroll_ms before a press) comes from the
    frames heard before the press: those heard while muted must not be
    among them.  Speech plays while muted and goes on after the unmute; a
    press right after the unmute sends its pre-roll to speech recognition,
    where the frames dated before the unmute must be silence."""
    raw = read_raw(SPEECH)
    a, b = sound_span(raw, thr=1000)
    talk = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"parley-talk-{os.getpid()}.raw")
    with open(talk, "wb") as f:
        f.write(array.array("h", raw[a:b]).tobytes() * 6)
    try:
        with rig() as r:
            r.start_stt()
            r.start(["silence:3", talk, "silence:60"], endpoint__preroll_ms=500,
                    button__double_ms=1000)
            con = Console(r.socket)
            double_press(con)
            wait_status(r, "microphone", "muted")
            assert r.frames() < 300, "muted after the speech began"
            r.wait_state("idle", 10)
            # the first tap of the unmute while muted speech plays ...
            r.wait_frames(300 + 150, 20)
            assert con.cmd("button press")[0]
            time.sleep(0.05)
            assert con.cmd("button release")[0]
            # ... the second one more than a pre-roll later
            r.wait_frames(300 + 150 + 80, 20)
            assert con.cmd("button press")[0]
            time.sleep(0.04)  # past the debounce: two presses, not one
            assert con.cmd("button release")[0]
            time.sleep(0.04)
            # talk at once: the pre-roll reaches back into the muted time
            assert con.cmd("button press")[0]
            time.sleep(1.0)
            assert con.cmd("button release")[0]
            r.wait_state(["thinking", "speaking", "idle"], 20)
            deadline = time.monotonic() + 10
            saved = os.path.join(r.dir, "stt", "utt-001.wav")
            while not os.path.exists(saved) and time.monotonic() < deadline:
                time.sleep(0.05)
            con.close()
            assert "microphone unmuted" in r.log_text()
            _, _, _, pcm = read_wav(saved)
    finally:
        os.unlink(talk)
    # the press came a few tens of ms after the unmute; the pre-roll's
    # first 300 ms are from before it: silence, not the muted speech
    head = pcm[:4800]
    assert len(pcm) > 4800 and max(abs(v) for v in head) == 0, \
        max(abs(v) for v in head)
