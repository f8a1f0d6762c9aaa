# SPDX-License-Identifier: MIT
"""make install lays out a board's tree: binaries, the rootfs overlay, the
board's files; it never overwrites a configuration that is there; the unit
passes systemd-analyze verify, keeps its hardening (systemd-analyze
security) and the installed configuration passes parleyd -t."""
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
    return p.stdout


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
                            ("etc/udev/rules.d/60-parley-gpio.rules", 0o644),
                            ("usr/share/parley/avahi/parley-satellite.service", 0o644)]:
                path = os.path.join(dest, f)
                assert os.path.isfile(path), f"{board}: {f} missing"
                assert os.stat(path).st_mode & 0o777 == mode, f"{board}: {f} mode"
            board_asound = os.path.join(ROOT, "board", board, "asound.conf")
            assert os.path.exists(os.path.join(dest, "etc/asound.conf")) == \
                os.path.exists(board_asound), board
            # the satellite's Avahi service: what Home Assistant browses
            # for (homeassistant/components/wyoming/manifest.json,
            # _wyoming._tcp.local.) on satellite.port's default
            import xml.etree.ElementTree as ET
            svc = ET.parse(os.path.join(dest, "usr/share/parley/avahi/parley-satellite.service"))
            assert svc.findtext("service/type") == "_wyoming._tcp"
            sample = open(os.path.join(dest, "etc/parley/parley.conf")).read()
            assert f"#port = {svc.findtext('service/port')};" in sample.split("satellite = {")[1]
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
        # a console quit comes back; only systemctl stop stops it
        assert settings["Restart"] == "always"
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
        # issue 16: no System V IPC with others, files not the group's to
        # change, no core files holding the token or what was said, only
        # the process's own /proc, and no IP port to bind
        assert settings["PrivateIPC"] == "yes"
        assert settings["UMask"] == "0027"
        assert settings["LimitCORE"] == "0"
        assert settings["ProcSubset"] == "pid"
        assert settings["SocketBindDeny"] == "any"
        assert "SocketBindAllow" not in settings
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
        # systemd's own reading of the hardening, offline: what it checks
        # of the above, and the exposure not worse than before (1.6)
        p = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", check],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert re.search(r"^\S+ ProcSubset=\s+Service has no access to non-process /proc", p.stdout, re.M), p.stdout
        assert "group-writable" not in p.stdout, p.stdout
        exposure = re.search(r"Overall exposure level for parleyd.service: ([0-9.]+)", p.stdout)
        assert exposure and float(exposure.group(1)) <= 1.6, p.stdout
    finally:
        shutil.rmtree(dest)


def test_install_keeps_a_configuration_that_is_there():
    """An administrator's parley.conf and asound.conf survive a second
    install; the new ones go beside them as .dist, and install says so."""
    board = "rpi4-usb"
    assert os.path.exists(os.path.join(ROOT, "board", board, "asound.conf"))
    dest = tempfile.mkdtemp(prefix="parley-reinstall-")
    try:
        out = install(board, dest)
        kept = {f: os.path.join(dest, f) for f in ("etc/parley/parley.conf", "etc/asound.conf")}
        for f, path in kept.items():
            assert os.path.isfile(path), f
            assert not os.path.exists(path + ".dist"), f"{f}.dist on a first install"
            assert ".dist" not in out, out
        shipped = {f: open(path).read() for f, path in kept.items()}
        for f, path in kept.items():
            with open(path, "a") as fp:
                fp.write("# the administrator's own line\n")
        out = install(board, dest)
        for f, path in kept.items():
            with open(path) as fp:
                assert fp.read() == shipped[f] + "# the administrator's own line\n", f
            with open(path + ".dist") as fp:
                assert fp.read() == shipped[f], f
            assert os.stat(path + ".dist").st_mode & 0o777 == 0o644
            assert f"{path} is kept; the new one is {path}.dist" in out, out
        # what is not the administrator's is brought up to date as before
        assert not os.path.exists(os.path.join(dest, "etc/parley/board.conf.dist"))
        assert not os.path.exists(os.path.join(dest, "usr/lib/systemd/system/parleyd.service.dist"))
    finally:
        shutil.rmtree(dest)


def test_unknown_board_is_refused():
    p = subprocess.run(["make", "-s", "-C", ROOT, f"BUILDDIR={BUILD}", "install",
                        "DESTDIR=/tmp/parley-nowhere", "BOARD=toaster"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "no board 'toaster'" in p.stdout + p.stderr
    assert not os.path.exists("/tmp/parley-nowhere")


def test_wake_models_install_where_the_boards_look():
    """make install WAKE_MODELS=DIR puts the models (and their licence) in
    wake.models_dir's default; the boards listen for okay_nabu, and the
    installed daemon's -t takes the board's wake settings."""
    models = os.path.join(ROOT, "..", "shared", "models", "micro-wake-word")
    if not os.path.exists(os.path.join(models, "okay_nabu.tflite")):
        from common import Skip
        raise Skip(f"no models in {models}")
    dest = tempfile.mkdtemp(prefix="parley-install-wake-")
    try:
        p = subprocess.run(["make", "-s", "-C", ROOT, f"BUILDDIR={BUILD}", "install",
                            f"DESTDIR={dest}", "PREFIX=/usr", "BOARD=respeaker-2mic",
                            f"WAKE_MODELS={models}"], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        wake = os.path.join(dest, "usr/share/parley/wake")
        for f in ("okay_nabu.tflite", "okay_nabu.json", "alexa.tflite", "LICENSE"):
            assert os.path.isfile(os.path.join(wake, f)), sorted(os.listdir(wake))
            assert os.stat(os.path.join(wake, f)).st_mode & 0o777 == 0o644
        board = open(os.path.join(dest, "etc/parley/board.conf")).read()
        assert re.search(r'wake = \{[^}]*enable = true;[^}]*words = "okay_nabu";', board), board
        p = subprocess.run([os.path.join(dest, "usr/sbin/parleyd"), "-t", "-c",
                            os.path.join(dest, "etc/parley/parley.conf")],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        # without the models, the install says what is missing
        shutil.rmtree(dest)
        dest = tempfile.mkdtemp(prefix="parley-install-wake-")
        out = install("respeaker-2mic", dest)
        assert "install the models with WAKE_MODELS=DIR" in out, out
    finally:
        shutil.rmtree(dest)
