# SPDX-License-Identifier: MIT
"""The console's roles and limits (issue 16): who may do what, idle and
crowding clients, replies that carry text without being steered by it,
ask that cannot flood, and parleyctl's exit codes.

A monitor is a real other user: a test account in group parley, made here
if missing (the tests run as root, as on CI).  Its connections are opened
by a child that drops to that user and hands the connected socket back
(SCM_RIGHTS): the daemon took the credentials at connect(), so the parent
holds a monitor's connection.  parleyctl runs as the user through setpriv.
"""
import grp
import os
import pwd
import socket
import subprocess
import threading

from common import BUILD, SPEECH, Skip, rig
from rig import Console

MONITOR = "parley-mon-test"  # in group parley only
ADMIN = "parley-adm-test"  # in parley and parley-admin
PARLEYCTL = os.path.join(BUILD, "parleyctl")


def ensure_group(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        subprocess.run(["groupadd", "--system", name], check=True)
        return grp.getgrnam(name).gr_gid


def ensure_user(name, groups):
    """A system account with no home and no login, in groups."""
    for g in groups:
        ensure_group(g)
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "--gid", groups[0],
                        "--groups", ",".join(groups), name], check=True)
    pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid, [grp.getgrnam(g).gr_gid for g in groups]


class User:
    def __init__(self, name, groups):
        if os.geteuid() != 0:
            raise Skip("needs root: it makes a test user and acts as it")
        self.name = name
        self.uid, self.gid, self.groups = ensure_user(name, groups)

    def ctl(self, r, *cmd, sock=None):
        """parleyctl as this user: (exit status, stdout, stderr)."""
        p = subprocess.run(
            ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
             "--groups=" + ",".join(map(str, self.groups)),
             PARLEYCTL, "-s", sock or r.socket] + list(cmd),
            capture_output=True, text=True, timeout=15)
        return p.returncode, p.stdout, p.stderr

    def connect(self, path):
        """A console connection made by this user, held by the test."""
        here, there = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                here.close()
                os.setgroups(self.groups)
                os.setgid(self.gid)
                os.setuid(self.uid)
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                socket.send_fds(there, [b"ok"], [s.fileno()])
                code = 0
            except BaseException as e:
                there.sendall(repr(e).encode())
            finally:
                os._exit(code)
        there.close()
        msg, fds, _, _ = socket.recv_fds(here, 1024, 1)
        os.waitpid(pid, 0)
        here.close()
        if not fds:
            raise RuntimeError(f"{self.name} cannot connect: {msg!r}")
        con = Console.__new__(Console)
        con.sock = socket.socket(fileno=fds[0])
        con.buf = b""
        return con


def open_to_group(r):
    """The socket as installed: group parley may reach and use it (the
    rig's directory is root's 0700)."""
    gid = ensure_group("parley")
    os.chown(r.dir, -1, gid)
    os.chmod(r.dir, 0o710)
    os.chown(r.socket, -1, gid)


def last_words(con, timeout=10):
    """Everything a connection gets until parleyd closes it."""
    con.sock.settimeout(timeout)
    data = con.buf
    while True:
        chunk = con.sock.recv(4096)
        if not chunk:
            return data.decode()
        data += chunk


def read_until(con, mark, timeout=10):
    """What a connection got until mark (bytes) came."""
    con.sock.settimeout(timeout)
    while mark not in con.buf:
        chunk = con.sock.recv(4096)
        assert chunk, con.buf
        con.buf += chunk
    return con.buf.decode()


def test_a_monitor_reads_state_and_is_refused_everything_else():
    mon = User(MONITOR, ["parley"])
    adm = User(ADMIN, ["parley", "parley-admin"])
    with rig() as r:
        r.start_ollama("--answer", "The code is 1234.", "--token-rate", "0")
        r.start(["silence:60"])
        open_to_group(r)
        # a monitor may watch the state change as the admin asks
        watcher = mon.connect(r.socket)
        assert watcher.cmd("attach")[0]
        assert r.ctl("ask", "what is the code?")[0] == 0
        r.wait_turns(1, 20)
        r.wait_state("idle", 10)
        refused = {
            ("set", "endpoint.silence_ms", "900"): "set needs the admin role",
            ("record", "1", "mon.wav"): "record needs the admin role",
            ("history",): "history needs the admin role",
            ("quit",): "quit needs the admin role",
            ("log",): "log needs the admin role",
            ("ask", "hello"): "ask needs the admin role",
            ("say", "hello"): "say needs the admin role",
            ("timers", "cancel"): "timers cancel needs the admin role "
                                  "(the monitor role may only view)",
            ("volume", "10"): "volume 10 needs the admin role "
                              "(the monitor role may only view)",
            ("button", "press"): "button press needs the admin role "
                                 "(the monitor role may only view)",
        }
        for cmd, why in refused.items():
            rc, out, err = mon.ctl(r, *cmd)
            assert rc == 1 and err.strip() == "ERR " + why, (cmd, rc, out, err)
            assert "1234" not in out
        for cmd in (["status"], ["stats"], ["version"], ["gpio"], ["timers"],
                    ["volume"], ["button"]):
            rc, out, err = mon.ctl(r, *cmd)
            assert rc == 0, (cmd, err)
        assert "state: idle" in mon.ctl(r, "status")[1]
        rc, out, _ = mon.ctl(r, "help")
        assert out.splitlines()[0] == "your role: monitor", out
        events = read_until(watcher, b"EVENT state idle")
        assert "EVENT state thinking" in events and "EVENT turn 1 " in events
        watcher.close()
        # nothing changed, nothing recorded, and the daemon still runs
        assert r.ctl("config", "show", "endpoint.silence_ms")[1].strip() != \
            "endpoint.silence_ms = 900"
        assert r.daemon.poll() is None and r.status()["state"] == "idle"
        assert int(r.status()["turns_stored"]) == 1
        # a member of parley-admin is admin without being root
        rc, out, err = adm.ctl(r, "set", "endpoint.silence_ms", "900")
        assert rc == 0 and "endpoint.silence_ms = 900" in out, err
        assert "1234" in adm.ctl(r, "history")[1]
        log = r.log_text()
        assert f"uid {mon.uid} on the socket refused 'set': monitor role" in log
        assert f"uid {adm.uid} on the socket runs 'set'" in log
        assert "uid 0 on the socket runs 'ask'" in log
        # a monitor's quit did not stop it; an admin's does
        rc, _, err = adm.ctl(r, "quit")
        assert rc == 0, err
        assert r.daemon.wait(10) == 0


def test_the_serial_console_has_the_role_its_setting_gives():
    from test_console import Tty
    tty = Tty()
    try:
        with rig() as r:
            r.start(["silence:60"], console__device=tty.path,
                    console__serial_role="monitor")
            tty.read_until(rb"parley> ")
            tty.send(b"set endpoint.silence_ms 900\r")
            assert b"ERR set needs the admin role\r\n" in tty.read_until(rb"parley> ")
            tty.send(b"status\r")
            assert b"state: idle" in tty.read_until(rb"OK\r\nparley> ")
            # the setting is live: an admin gives the cable the admin role
            assert r.ctl("set", "console.serial_role", "admin")[0] == 0
            tty.send(b"set endpoint.silence_ms 900\r")
            reply = tty.read_until(rb"parley> ")
            assert b"endpoint.silence_ms = 900\r\n" in reply and b"\r\nOK\r\n" in reply, reply
            assert "the serial console runs 'set'" in r.log_text()
    finally:
        tty.close()


def test_nine_idle_clients_of_one_uid_do_not_lock_out_an_admin():
    mon = User(MONITOR, ["parley"])
    with rig() as r:
        r.start(["silence:60"])
        open_to_group(r)
        # the default cap: three connections a uid; the rest are told why
        cons = [mon.connect(r.socket) for _ in range(9)]
        held = cons[:3]
        for c in held:
            assert c.cmd("version")[0]
        for c in cons[3:]:
            assert last_words(c) == \
                f"ERR disconnected: uid {mon.uid} already holds 3 console " \
                "connections (console.per_uid)\n"
        assert r.ctl("status")[0] == 0
        for c in cons:
            c.close()
        # a cap as large as the table: the monitor holds every slot, and
        # an admin still gets in, in place of the monitor's idlest client
        assert r.ctl("set", "console.per_uid", "8")[0] == 0
        cons = [mon.connect(r.socket) for _ in range(8)]
        for c in cons:
            assert c.cmd("version")[0]
        ninth = mon.connect(r.socket)
        assert "already holds 8 console connections" in last_words(ninth)
        rc, out, err = r.ctl("status")
        assert rc == 0 and "state: idle" in out, err
        assert last_words(cons[0]) == \
            f"ERR disconnected: uid {mon.uid} holds 8 of the 8 console " \
            "connections and uid 0 needed one\n"
        for c in cons[1:]:
            assert c.cmd("version")[0]
        for c in cons:
            c.close()


def test_an_idle_client_is_disconnected_and_an_attached_one_is_not():
    with rig() as r:
        r.start(["silence:60"], console__idle_timeout_s=1)
        attached = Console(r.socket)
        assert attached.cmd("attach")[0]
        idle = Console(r.socket)
        assert idle.cmd("version")[0]
        assert last_words(idle) == \
            "ERR disconnected: no command for 1 s (console.idle_timeout_s)\n"
        # the attached one connected earlier and sent nothing since
        assert attached.cmd("version")[0]
        attached.close()


def test_control_bytes_from_peers_are_printed_escaped():
    evil = "go \x1b]0;pwned\x07\x1b[2J\r\n\x7f\u009b forward"
    with rig() as r:
        r.start_stt("--transcript", evil)
        r.start_ollama("--answer", "Fine.", "--token-rate", "0")
        r.start([SPEECH, "silence:30"])
        r.tap()
        r.wait_turns(1, 30)
        assert r.turns()[0]["transcript"] == evil  # stored as heard
        rc, out, err = r.ctl("history")
        assert rc == 0, err
        assert '"go \\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x0a\\x7f\\xc2\\x9b forward"' \
            in out, repr(out)
        assert not any(ord(ch) < 0x20 and ch not in "\t\n" for ch in out), repr(out)
        assert len(out.splitlines()) == 1, repr(out)


def test_content_that_reads_like_framing_cannot_end_the_reply():
    with rig() as r:
        r.start_ollama("--model", "OK", "--model", "ERR", "--model", "EVENT",
                       "--model", "llama3.2")
        r.start(["silence:60"])
        rc, out, err = r.ctl("models")
        assert rc == 0, (out, err)
        assert out.split() == ["OK:latest", "ERR:latest", "EVENT:latest",
                               "llama3.2:latest"], out
        # on the wire, the lines are marked as content
        c = Console(r.socket)
        ok, lines = c.cmd("models")
        assert ok and lines[:3] == ["\\OK:latest", "\\ERR:latest",
                                    "\\EVENT:latest"], lines
        c.close()


def test_ask_while_a_turn_runs_answers_busy():
    answer = " ".join(f"Sentence {i} of a slow answer." for i in range(1, 5))
    with rig() as r:
        r.start_ollama("--answer", answer, "--token-rate", "20")
        r.start(["silence:60"])
        assert r.ctl("ask", "talk for a while")[0] == 0
        r.wait_state(["thinking", "speaking"], 10)
        rc, _, err = r.ctl("ask", "and again")
        assert rc == 1 and err.startswith("ERR busy: a turn is "), err
        # the turn was not cut short: one turn, answered in full
        r.wait_turns(1, 60)
        r.wait_state("idle", 60)
        turns = r.turns()
        assert len(turns) == 1 and turns[0]["outcome"] == "ok", turns


def fake_console(script):
    """A listening socket run by a thread that does script(conn) to the
    first client; returns (path, thread)."""
    import tempfile
    d = tempfile.mkdtemp(prefix="parley-fake-console-")
    path = os.path.join(d, "sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        try:
            script(conn)
        finally:
            conn.close()
            srv.close()
    t = threading.Thread(target=run)
    t.start()
    return path, t


def test_parleyctl_exit_codes():
    with rig() as r:
        r.start(["silence:60"])
        # ERR from parleyd: 1; parleyctl's own usage: 2
        rc, _, err = r.ctl("frobnicate")
        assert rc == 1 and err.startswith("ERR unknown command"), err
        p = subprocess.run([PARLEYCTL, "-x"], capture_output=True, text=True)
        assert p.returncode == 2 and "Exit status:" in p.stderr, p.stderr
        # no daemon there: 3, said
        p = subprocess.run([PARLEYCTL, "-s", os.path.join(r.dir, "nope.sock"),
                            "status"], capture_output=True, text=True)
        assert p.returncode == 3 and "cannot connect" in p.stderr, p.stderr

    # a connection closed before the reply: 3, said
    path, t = fake_console(lambda conn: conn.recv(1024))
    p = subprocess.run([PARLEYCTL, "-s", path, "status"], capture_output=True,
                       text=True, timeout=15)
    t.join()
    assert p.returncode == 3 and "connection closed before the reply" in p.stderr, \
        (p.returncode, p.stderr)

    # a connection closed between two commands: the second write meets a
    # closed socket (SIGPIPE once killed parleyctl without a word)
    def one_reply(conn):
        f = conn.makefile("rb")
        f.readline()
        conn.sendall(b"OK\n")
        f.close()
    path, t = fake_console(one_reply)
    ctl = subprocess.Popen([PARLEYCTL, "-s", path], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    ctl.stdin.write("version\n")
    ctl.stdin.flush()
    t.join()  # answered and closed
    out, err = ctl.communicate("status\n", timeout=15)
    assert ctl.returncode == 3 and "connection lost: Broken pipe" in err, \
        (ctl.returncode, err)
