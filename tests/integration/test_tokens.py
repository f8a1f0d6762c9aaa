# SPDX-License-Identifier: MIT
"""Peer addresses and the LLM's bearer token (issue 16): the console cannot
send the speaker, or its token, to another host; the token never crosses
the network in clear unless the file says so; it comes from llm.token_file
or systemd's credentials, and a process holding it is not dumpable.  And a
Wyoming peer given by name is looked up off the control loop."""
import os
import pwd
import subprocess
import threading
import time

from common import PARLEYD, Skip, rig, shim
from rig import ROOT, emulated

TOKEN = "s3cret-token"
LAN_HTTP = "http://192.0.2.1:11434"  # TEST-NET-1: never reached by -t


def token_file(r, mode=0o600):
    path = os.path.join(r.dir, "token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(path, mode)
    return path


def chats(peer):
    return [q for q in peer.requests() if q["path"] == "/api/chat"]


def test_peer_addresses_cannot_be_set_from_the_console():
    with rig() as r:
        home = r.start_ollama("--require-token", TOKEN, "--answer", "Home.",
                              "--token-rate", "0")
        evil = r.start_peer("fake-ollama", "--require-token", TOKEN,
                            "--answer", "Gotcha.", "--token-rate", "0")
        r.start(["silence:60"], llm__token_file=token_file(r), llm__allow_insecure_token=True)
        elsewhere = f"http://127.0.0.1:{evil.port}"
        for key, value in [("llm.url", elsewhere),
                           ("stt.url", elsewhere + "/v1/audio/transcriptions"),
                           ("tts.url", elsewhere + "/v1/audio/speech"),
                           ("llm.token_file", "/etc/hostname"),
                           ("tls.ca_file", "/etc/hostname"),
                           ("llm.allow_insecure_token", "true")]:
            rc, out, err = r.ctl("set", key, value)
            assert rc == 1, (key, out)
            assert f"{key} is set only in the config file: edit it there and" in err, err
        # nor hidden among keys the console may set
        rc, _, err = r.ctl("set", "llm.model", "llama3.2", "llm.url", elsewhere)
        assert rc == 1 and "llm.url is set only in the config file" in err, err
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["answer"] == "Home.", t
        assert [q["auth"] for q in chats(home)] == ["Bearer " + TOKEN]
        assert evil.requests() == []


def check(conf):
    p = subprocess.run([PARLEYD, "-t", "-c", conf], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_a_token_over_plain_http_is_refused_unless_the_file_allows_it():
    with rig() as r:
        tok = token_file(r)
        r.write_config(llm__url=LAN_HTTP, llm__token_file=tok)
        rc, out = check(r.conf)
        assert rc == 1, out
        assert (f'llm.url = "{LAN_HTTP}": the bearer token (llm.token_file) would go as '
                "plain http, readable on the way and by whoever listens there; use "
                "https://, or set llm.allow_insecure_token = true") in out, out
        r.write_config(llm__url=LAN_HTTP, llm__token_file=tok,
                       llm__allow_insecure_token=True)
        assert check(r.conf)[0] == 0
        # https needs no switch; loopback does (whoever listens on the
        # port gets the token)
        r.write_config(llm__url="https://192.0.2.1:11434", llm__token_file=tok)
        assert check(r.conf)[0] == 0, check(r.conf)[1]
        for url in ["http://127.0.0.1:11434", "http://localhost:11434", "http://[::1]:11434"]:
            r.write_config(llm__url=url, llm__token_file=tok)
            assert check(r.conf)[0] == 1, url
        # no token, no rule
        r.write_config(llm__url=LAN_HTTP)
        assert check(r.conf)[0] == 0
        # schemes other than http(s) and tcp are refused, used or not
        r.write_config(tts__url="file:///etc/passwd")
        rc, out = check(r.conf)
        assert rc == 1 and ('tts.url = "file:///etc/passwd": only http://, https:// '
                            "and tcp:// addresses are allowed") in out, out
        # a reload that would send the loaded token in clear is refused
        r.start_ollama("--require-token", TOKEN, "--answer", "Fine.", "--token-rate", "0")
        r.start(["silence:60"], llm__token_file=tok, llm__allow_insecure_token=True)
        r.reload(llm__url=LAN_HTTP, llm__allow_insecure_token=False)
        log = r.log_text()
        assert "reload of" in log and "refused" in log, log[-2000:]
        assert "the bearer token (llm.token_file) would go as plain http" in log
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 20)
        (t,) = r.turns()
        assert t["outcome"] == "ok", t


def dump_owner(pid):
    """The owner of /proc/PID's files: the process's own uid while it is
    dumpable, root once it is not (the kernel's task_dump_owner)."""
    return os.stat(f"/proc/{pid}/environ").st_uid


def write_credential(r):
    creds = os.path.join(r.dir, "credentials")
    os.mkdir(creds)
    path = os.path.join(creds, "llm-token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    return creds, path


def test_the_token_comes_from_systemd_credentials_and_is_not_dumpable():
    if os.geteuid() != 0:
        raise Skip("running the daemon as another user needs root")
    nobody = pwd.getpwnam("nobody").pw_uid
    # without a token the process is dumpable: the check can tell
    with rig() as r:
        r.start_ollama()
        r.start(["silence:30"], run_as="nobody")
        assert dump_owner(r.daemon.pid) == nobody
    with rig() as r:
        creds, path = write_credential(r)
        os.chown(creds, nobody, -1)
        os.chown(path, nobody, -1)
        os.chmod(path, 0o400)  # as systemd leaves it
        o = r.start_ollama("--require-token", TOKEN, "--answer", "Credentials work.",
                           "--token-rate", "0")
        r.start(["silence:60"], run_as="nobody", llm__allow_insecure_token=True,
                extra_env={"CREDENTIALS_DIRECTORY": creds})
        assert dump_owner(r.daemon.pid) == 0
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["answer"] == "Credentials work.", t
        assert [q["auth"] for q in chats(o)] == ["Bearer " + TOKEN]
        assert TOKEN not in r.log_text()
    # the credential is held to the same rule as the file
    with rig() as r:
        creds, _ = write_credential(r)
        try:
            r.start(["silence:5"], extra_env={"CREDENTIALS_DIRECTORY": creds},
                    llm__url=LAN_HTTP)
        except RuntimeError as e:
            assert "the bearer token (the credential llm-token) would go as plain http" in str(e), e
        else:
            raise AssertionError("parleyd started with a token over plain http")


def slow_resolve_shim(d):
    """The look-up shim: built beside the daemon's other shims, or here."""
    built = shim("slow_resolve.so")
    if os.path.exists(built):
        return built
    if emulated():
        raise Skip("no slow_resolve.so built for the emulated daemon")
    out = os.path.join(d, "slow_resolve.so")
    subprocess.run([os.environ.get("CC", "cc"), "-std=gnu11", "-O2", "-Wall", "-Wextra",
                    "-Werror", "-fPIC", "-shared", "-o", out,
                    os.path.join(ROOT, "tests", "resolve", "slow_resolve.c"), "-ldl"],
                   check=True)
    return out


def wait_file(path, timeout=20):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{os.path.basename(path)} did not appear")
        time.sleep(0.01)


def test_a_wyoming_host_name_is_looked_up_off_the_control_loop():
    if os.environ.get("PARLEY_SANITIZED"):
        raise Skip("the resolver shim cannot be preloaded ahead of AddressSanitizer")
    with rig() as r:
        gate = os.path.join(r.dir, "resolve")
        os.mkdir(gate)
        held, release, returned = (os.path.join(gate, n)
                                   for n in ("held", "release", "returned"))
        lib = slow_resolve_shim(r.dir)
        wy = r.start_peer("fake-wyoming", "--mode", "tts")
        r.start_ollama("--answer", "The light is on.", "--token-rate", "0")
        r.start(["silence:120"], extra_env={"LD_PRELOAD": lib, "PARLEY_RESOLVE_DIR": gate},
                tts__backend="wyoming", tts__url=f"tcp://speaker.parley.test:{wy.port}",
                tts__remote_voice="")
        r.wait_frames(20)
        assert r.ctl("ask", "is the light on?")[0] == 0
        wait_file(held)
        with open(held) as f:
            assert f.read() == "speaker.parley.test"
        # the name is still being looked up, and the loop goes on: the
        # console answers and the audio's frames keep arriving
        f0 = r.frames()
        r.wait_frames(f0 + 50)
        assert not os.path.exists(returned)
        open(release, "w").close()
        r.wait_turns(1, 30)
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        syn = [e for e in wy.requests() if e["type"] == "synthesize"]
        assert [e["data"]["text"] for e in syn] == ["The light is on."]

        # a connect given up while its name is looked up never calls
        # back: host ping's probe times out, the look-up ends later
        for p in (held, returned):
            os.unlink(p)
        ping = threading.Thread(target=r.ctl, args=("host", "ping"))
        ping.start()
        wait_file(held)
        ping.join(30)
        assert not ping.is_alive()
        open(release, "w").close()
        wait_file(returned)
        os.unlink(held)
        # the next ping is answered; had the forgotten look-up called
        # back, its describe would have come first
        ping = threading.Thread(target=r.ctl, args=("host", "ping"))
        ping.start()
        wait_file(held)
        open(release, "w").close()
        ping.join(30)
        assert [e["type"] for e in wy.requests()].count("describe") == 1, wy.requests()
        assert r.status()["state"] == "idle"
