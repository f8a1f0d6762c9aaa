# SPDX-License-Identifier: MIT
"""make install lays out a board's tree: binaries, the rootfs overlay, the
board's files; the unit passes systemd-analyze verify and the installed
configuration passes parleyd -t."""
import os
import re
import shutil
import subprocess
import tempfile

from common import BUILD, ROOT

BOARDS = sorted(d for d in os.listdir(os.path.join(ROOT, "board"))
                if os.path.isdir(os.path.join(ROOT, "board", d)))


def install(board, dest):
    p = subprocess.run(["make", "-s", "-C", ROOT, f"BUILDDIR={BUILD}", "install",
                        f"DESTDIR={dest}", "PREFIX=/usr", f"BOARD={board}"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_every_board_installs_a_valid_tree():
    assert {"host", "rpi4-usb", "rpi-zero2w-i2s", "respeaker-2mic"} <= set(BOARDS), BOARDS
    for board in BOARDS:
        dest = tempfile.mkdtemp(prefix=f"parley-install-{board}-")
        try:
            install(board, dest)
            for f, mode in [("usr/sbin/parleyd", 0o755), ("usr/bin/parleyctl", 0o755),
                            ("etc/parley/parley.conf", 0o644),
                            ("etc/parley/board.conf", 0o644),
                            ("usr/lib/systemd/system/parleyd.service", 0o644),
                            ("usr/lib/sysusers.d/parley.conf", 0o644),
                            ("etc/udev/rules.d/60-parley-gpio.rules", 0o644)]:
                path = os.path.join(dest, f)
                assert os.path.isfile(path), f"{board}: {f} missing"
                assert os.stat(path).st_mode & 0o777 == mode, f"{board}: {f} mode"
            board_asound = os.path.join(ROOT, "board", board, "asound.conf")
            assert os.path.exists(os.path.join(dest, "etc/asound.conf")) == \
                os.path.exists(board_asound), board
            # the installed config, with the board fragment, is valid
            p = subprocess.run([os.path.join(dest, "usr/sbin/parleyd"), "-t", "-c",
                                os.path.join(dest, "etc/parley/parley.conf")],
                               capture_output=True, text=True)
            assert p.returncode == 0, f"{board}: {p.stderr}"
        finally:
            shutil.rmtree(dest)


def test_unit_verifies_and_keeps_its_promises():
    dest = tempfile.mkdtemp(prefix="parley-unit-")
    try:
        install("host", dest)
        unit = os.path.join(dest, "usr/lib/systemd/system/parleyd.service")
        with open(unit) as f:
            text = f.read()
        settings = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
        assert settings["Type"] == "notify"
        assert settings["Restart"] == "on-failure"
        assert int(settings["WatchdogSec"]) > 0
        assert settings["User"] == "parley"
        assert set(settings["SupplementaryGroups"].split()) == {"audio", "gpio"}
        assert settings["ProtectSystem"] == "strict"
        assert settings["NoNewPrivileges"] == "yes"
        assert settings["StateDirectory"] == "parley"
        assert settings["RuntimeDirectory"] == "parley"
        # the socket's directory: owner and group only
        assert settings["RuntimeDirectoryMode"] == "0750"
        assert settings["StateDirectoryMode"] == "0750"
        assert settings["ExecStart"].startswith("/usr/sbin/parleyd ")
        # the default store and socket live in those directories
        p = subprocess.run([os.path.join(BUILD, "parleyd"), "-p"], capture_output=True, text=True)
        assert '#path = "/var/lib/parley/parley.db";' in p.stdout
        assert '#socket = "/run/parley/parleyd.sock";' in p.stdout
        # systemd-analyze verify, with ExecStart pointing into DESTDIR
        check = os.path.join(dest, "check", "parleyd.service")
        os.makedirs(os.path.dirname(check))
        with open(check, "w") as f:
            f.write(text.replace("/usr/sbin/parleyd", os.path.join(dest, "usr/sbin/parleyd")))
        p = subprocess.run(["systemd-analyze", "verify", check], capture_output=True, text=True)
        assert p.returncode == 0 and not p.stderr.strip(), p.stderr
    finally:
        shutil.rmtree(dest)


def test_unknown_board_is_refused():
    p = subprocess.run(["make", "-s", "-C", ROOT, f"BUILDDIR={BUILD}", "install",
                        "DESTDIR=/tmp/parley-nowhere", "BOARD=toaster"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "no board 'toaster'" in p.stdout + p.stderr
    assert not os.path.exists("/tmp/parley-nowhere")
