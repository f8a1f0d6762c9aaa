# SPDX-License-Identifier: MIT
"""What the speaker keeps to itself: socket permissions, keys, transcripts
and TLS."""
import os
import stat
import subprocess

from common import rig


def test_socket_is_owner_and_group_only():
    with rig() as r:
        r.start(["silence:30"])
        mode = stat.S_IMODE(os.stat(r.socket).st_mode)
        assert mode == 0o660, oct(mode)


def test_transcripts_and_answers_are_logged_at_debug_only():
    secret_q, secret_a = "my bank pin is 4321", "I will not repeat that."
    with rig() as r:
        r.start_ollama("--answer", secret_a, "--token-rate", "0")
        r.start(["silence:30"], debug=False)
        r.ctl("ask", secret_q)
        r.wait_turns(1, 20)
        r.stop()
        log = r.log_text()
        assert "4321" not in log and "repeat that" not in log, log
        assert "stored: outcome ok" in log  # it did log the turn itself
    with rig() as r:
        r.start_ollama("--answer", secret_a, "--token-rate", "0")
        r.start(["silence:30"], debug=True)
        r.ctl("ask", secret_q)
        r.wait_turns(1, 20)
        r.stop()
        assert "4321" in r.log_text()  # debug shows them, on purpose


def test_a_token_file_others_can_read_is_flagged():
    with rig() as r:
        token = os.path.join(r.dir, "token")
        with open(token, "w") as f:
            f.write("abc123\n")
        os.chmod(token, 0o644)
        r.start_ollama()
        r.start(["silence:30"], llm__token_file=token, llm__allow_insecure_token=True)
        assert "can be read by others (mode 644); make it 0600" in r.log_text()
        assert "abc123" not in r.log_text()


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_tls_peers_are_verified_against_the_configured_bundle():
    with rig() as r:
        cert, key = make_cert(r.dir)
        o = r.start_ollama("--tls-cert", cert, "--tls-key", key, "--answer", "Secure.",
                           "--token-rate", "0")
        url = f"https://127.0.0.1:{o.port}"
        # not in the system's bundle: refused
        r.start(["silence:30"], llm__url=url)
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "certificate" in t["error"].lower(), t["error"]
    with rig() as r:
        cert, key = make_cert(r.dir)
        o = r.start_ollama("--tls-cert", cert, "--tls-key", key, "--answer", "Secure.",
                           "--token-rate", "0")
        r.start(["silence:30"], llm__url=f"https://127.0.0.1:{o.port}", tls__ca_file=cert)
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["answer"] == "Secure.", t
