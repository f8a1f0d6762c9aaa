# SPDX-License-Identifier: MIT
"""The store when its file cannot be written (issue 16): a database another
process holds locked is not moved aside, and what is said meanwhile reaches
it once the lock goes; on a read-only state directory the speaker still
answers, runs its store in memory and says what it could not keep."""
import glob
import os
import sqlite3
import subprocess
import sys

from common import sound_span, Skip, rig

ANSWER = "It is kept in memory."


def first_session(r):
    """One turn stored on the disk, the normal way; returns the rig's
    config overrides for the next start."""
    r.start_ollama("--answer", ANSWER, "--token-rate", "0")
    r.start(["silence:30"])
    assert r.ctl("ask", "remember this")[0] == 0
    r.wait_turns(1, 20)
    assert r.stop() == 0


def disk_turns(db):
    con = sqlite3.connect(db)
    try:
        return [row[0] for row in con.execute("SELECT transcript FROM turns ORDER BY id")]
    finally:
        con.close()


def moved_aside(db):
    return glob.glob(db + ".corrupt-*")


# Another process's write lock, held until its stdin closes.
LOCKER = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
con.execute("INSERT INTO facts(text, created_unix_ms) VALUES('pending', 0)")
print("locked", flush=True)
sys.stdin.read()
con.execute("ROLLBACK")
"""


def test_locked_database_is_not_moved_aside():
    with rig() as r:
        first_session(r)
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, r.db], text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            assert locker.stdout.readline().strip() == "locked"
            # start-up waits for the lock within its bound, then goes on
            r.start(["silence:30"])
            log = r.log_text()
            assert "database is locked" in log, log
            assert "keeping what is said in memory" in log, log
            assert not moved_aside(r.db), os.listdir(r.dir)
            assert r.status()["store"].startswith("MEMORY")
            # the notice is said first; then the speaker answers, and
            # keeps the turn
            r.wait_state("idle", 20)
            assert "said aloud: I cannot save to my storage" in r.log_text()
            rc, out, _ = r.ctl("ask", "while it is locked")
            assert rc == 0, out
            r.wait_turns(1, 20)
        finally:
            locker.stdin.close()
            assert locker.wait(10) == 0
        # the lock has gone: at the latest when the daemon stops, what it
        # kept in memory is written to the file
        assert r.stop() == 0
        log = r.log_text()
        assert "takes writes again" in log, log
        assert "is lost" not in log, log
        assert not moved_aside(r.db), os.listdir(r.dir)
        assert disk_turns(r.db) == ["remember this", "while it is locked"]


def read_only_wrapper(r, state):
    """A parleyd whose state directory is a read-only mount of its own, as
    on a read-only root file system."""
    unshare = ["unshare", "-m"] + ([] if os.geteuid() == 0 else ["-r"])
    probe = subprocess.run(unshare + ["true"], capture_output=True, text=True)
    if probe.returncode:
        raise Skip("no mount namespace here: " + probe.stderr.strip())
    path = os.path.join(r.dir, "parleyd-ro-state")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                f"exec {' '.join(unshare)} sh -c "
                "'mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"' "
                f"'{state}' '{r.parleyd}' \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def test_read_only_state_directory_still_answers():
    with rig() as r:
        state = os.path.join(r.dir, "state")
        os.makedirs(state)
        r.db = os.path.join(state, "parley.db")
        first_session(r)
        before = os.stat(r.db)
        r.parleyd = read_only_wrapper(r, state)
        r.start(["silence:30"])
        log = r.log_text()
        assert "keeping what is said in memory" in log, log
        st = r.status()
        assert st["store"].startswith("MEMORY"), st["store"]
        assert "lost writes 0" in st["store"], st["store"]
        # said once, aloud, with the local voice; then idle again
        r.wait_state("idle", 20)
        assert sound_span(r.playback_samples()), "the notice was not played"
        assert "said aloud: I cannot save to my storage right now" in r.log_text()
        rc, out, _ = r.ctl("ask", "on a read-only disk")
        assert rc == 0, out
        r.wait_turns(1, 20)
        assert ANSWER in r.ctl("history")[1]
        assert r.stop() == 0
        # nothing said is lost silently: the log names what was not kept
        log = r.log_text()
        assert "what was kept in memory is lost: 1 turn(s)" in log, log
        # and the file is as it was
        assert not moved_aside(r.db), os.listdir(state)
        assert disk_turns(r.db) == ["remember this"]
        assert os.stat(r.db).st_mtime == before.st_mtime
