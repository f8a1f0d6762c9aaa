# SPDX-License-Identifier: MIT
"""Bad input gets a clear error, the speaker says what happened, and
nothing is lost."""
import os
import subprocess

from common import PARLEYD, ROOT, espeak_seconds, free_port, rig, sound_span
from rig import RATE

SAMPLE = os.path.join(ROOT, "rootfs-overlay", "etc", "parley", "parley.conf")


def run_parleyd(*args):
    return subprocess.run([PARLEYD] + list(args), capture_output=True, text=True, timeout=10)


def test_sample_config_is_valid_and_complete():
    p = run_parleyd("-t", "-c", SAMPLE)
    assert p.returncode == 0, p.stderr
    # the sample lists every key at its default: it is what -p prints
    with open(SAMPLE) as f:
        assert f.read() == run_parleyd("-p").stdout


def test_missing_config_file():
    p = run_parleyd("-t", "-c", "/nonexistent/parley.conf")
    assert p.returncode == 1
    assert "/nonexistent/parley.conf: cannot read the config file: No such file" in p.stderr


def test_invalid_config_names_file_line_key_value_range(tmp="/tmp"):
    path = os.path.join(tmp, f"parley-bad-{os.getpid()}.conf")
    with open(path, "w") as f:
        f.write("audio = {\n\tplayback_rate = 96000;\n};\nbutton = { tap_ms = 5; };\n")
    try:
        p = run_parleyd("-t", "-c", path)
        assert p.returncode == 1
        lines = p.stderr.splitlines()
        assert f"{path}:2: audio.playback_rate = 96000: must be an integer from 8000 to 48000" in lines
        assert f"{path}:4: button.tap_ms = 5: must be an integer from 50 to 1000" in lines
        # and the daemon refuses to start on it
        p = run_parleyd("-f", "-c", path)
        assert p.returncode == 1 and "not starting" in p.stderr
    finally:
        os.unlink(path)


def spoken_error(r, sentence):
    """The error sentence was spoken: logged, and played for as long as
    espeak-ng takes to say it."""
    assert sentence in r.log_text(), r.log_text()[-2000:]
    span = sound_span(r.playback_samples())
    assert span, "nothing was played"
    played = (span[1] - span[0]) / RATE
    expect = espeak_seconds(sentence)
    assert 0.75 * expect < played < 1.3 * expect, (played, expect)


def test_unreachable_ollama_is_spoken():
    with rig() as r:
        r.start(["silence:60"], llm__url=f"http://127.0.0.1:{free_port()}")
        assert r.ctl("ask", "hello there")[0] == 0
        r.wait_turns(1, 30)
        r.wait_state("idle", 15)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error"
        assert "connect" in t["error"].lower()
        assert t["transcript"] == "hello there"  # nothing lost
        spoken_error(r, "I can't reach the language model server.")


def test_unknown_model_names_the_model():
    with rig() as r:
        r.start_ollama()
        r.start(["silence:60"], llm__model="nosuchmodel")
        r.ctl("ask", "hello")
        r.wait_turns(1, 30)
        r.wait_state("idle", 15)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error"
        assert "HTTP 404" in t["error"] and "nosuchmodel" in t["error"]
        spoken_error(r, "The model nosuchmodel is not installed on the language model server.")


def test_after_an_error_the_next_turn_works():
    port = free_port()
    with rig() as r:
        r.start(["silence:60"], llm__url=f"http://127.0.0.1:{port}")
        r.ctl("ask", "hello")
        r.wait_turns(1, 30)
        r.wait_state("idle", 15)
        # the host comes back: the same daemon answers the next turn
        r.start_ollama("--port", str(port), "--answer", "Hello again.", "--token-rate", "0")
        assert r.ctl("ask", "hello")[0] == 0
        r.wait_turns(2, 30)
        r.stop()
        first, second = r.turns()
        assert first["outcome"] == "error"
        assert second["outcome"] == "ok" and second["answer"] == "Hello again."


def test_stt_failure_is_spoken_and_the_utterance_kept():
    from common import SPEECH
    with rig() as r:
        r.start_stt("--fault", "http500")
        r.start_ollama()
        r.start(["silence:1.5", SPEECH, "silence:8"])
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 30)
        r.wait_state("idle", 15)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "HTTP 500" in t["error"]
        assert t["stt_sent_ms"] is not None and t["speech_end_ms"] is not None
        # no question reached the model
        assert not [q for q in r.ollama.requests() if q["path"] == "/api/chat"]
        spoken_error(r, "Speech recognition failed.")


def test_tap_with_no_speech():
    with rig() as r:
        r.start_ollama()
        r.start(["silence:60"], endpoint__no_speech_ms=1500)
        r.wait_frames(50)
        r.tap()
        r.wait_turns(1, 30)
        r.wait_state("idle", 15)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "no-speech"
        spoken_error(r, "I didn't hear anything.")
