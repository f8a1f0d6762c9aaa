# SPDX-License-Identifier: MIT
"""Speculative end of turn (endpoint.speculate_ms): at a short pause the
utterance goes to speech-to-text and its transcript to the model while
the daemon goes on listening; nothing is played before the turn commits
(endpoint.silence_ms of silence, or earlier for a transcript that is
clearly complete), and a speculation is dropped when the user speaks
again.  The utterance is real speech with a 400 ms pause put in at a gap
between its words."""
import os

from common import SPEECH, rig
from rig import FRAME, RATE, active_span, read_raw

LEAD_S = 1.0
PAUSE = int(0.4 * RATE)
CUT = 118 * FRAME  # the quiet gap between "go forward" and "ten meters"


def paused_utterance(r):
    """goforward.raw with 400 ms of silence in its gap, as a file."""
    speech = read_raw(SPEECH)
    out = speech[:CUT] + type(speech)("h", [0] * PAUSE) + speech[CUT:]
    path = os.path.join(r.dir, "paused.raw")
    with open(path, "wb") as f:
        f.write(out.tobytes())
    return path


def question_turn(r, **config):
    """A tapped turn whose transcript is a question, with the fast fakes;
    returns the log."""
    r.start_stt("--transcript", "what time is it?", "--delay-ms", "30")
    r.start_ollama("--answer", "It is noon.", "--token-rate", "0",
                   "--first-token-delay-ms", "20")
    r.start([f"silence:{LEAD_S}", SPEECH, "silence:30"], **config)
    r.wait_frames(50)
    r.tap()
    r.wait_turns(1, 30)
    return r.log_text()


def spec_counts(r):
    words = r.status()["speculation"].split()
    return int(words[0]), int(words[2])


def test_a_pause_mid_sentence_drops_the_speculation_and_nothing_plays_early():
    with rig() as r:
        saved = os.path.join(r.dir, "stt")
        os.mkdir(saved)
        r.start_stt("--transcript", "go forward ten meters", "--delay-ms", "30",
                    "--save-dir", saved)
        r.start_ollama("--answer", "Going forward.", "--token-rate", "0",
                       "--first-token-delay-ms", "20")
        path = paused_utterance(r)
        r.start([f"silence:{LEAD_S}", path, "silence:30"])
        r.wait_frames(50)
        r.tap()
        r.wait_turns(1, 30)
        started, dropped = spec_counts(r)
        r.stop()
        log = r.log_text()
        assert "speculation dropped: the user spoke again" in log, log[-3000:]
        assert "speculation kept" in log, log[-3000:]
        assert (started, dropped) == (2, 1)
        t = r.turns()[0]
        assert t["outcome"] == "ok" and t["answer"] == "Going forward.", t
        # the transcript the turn used came from the whole utterance: the
        # last request carried both halves and the pause
        wavs = sorted(os.listdir(saved))
        # (the dropped one may have been cut off before the server had it)
        assert 1 <= len(wavs) <= 2, wavs
        with open(os.path.join(saved, wavs[-1]), "rb") as f:
            last = len(f.read()) - 44
        _, end = active_span(read_raw(path))
        assert last // 2 >= end - CUT, (last // 2, end)
        # nothing was played before endpoint.silence_ms after the speech
        # (the daemon's own end of speech: the VAD's last speech frame)
        assert t["first_audio_ms"] - t["speech_end_ms"] >= 700, t


def test_a_question_commits_before_the_full_silence():
    with rig() as r:
        # a long endpoint.silence_ms: the early commit, not the silence,
        # must end this turn even on a loaded machine
        log = question_turn(r, endpoint__silence_ms=1500)
        r.stop()
        assert "its transcript is complete" in log, log[-3000:]
        assert "silence after speech" not in log
        t = r.turns()[0]
        assert t["outcome"] == "ok" and t["answer"] == "It is noon.", t
        assert t["stt_sent_ms"] - t["speech_end_ms"] < 1500, t


def test_without_speculation_the_turn_waits_for_the_silence():
    with rig() as r:
        question_turn(r, endpoint__speculate_ms=0)
        assert spec_counts(r) == (0, 0)
        r.stop()
        t = r.turns()[0]
        assert t["outcome"] == "ok"
        assert t["stt_sent_ms"] - t["speech_end_ms"] >= 700, t


def test_a_dropped_speculation_runs_no_tool():
    """The model asks for a timer while the user is still talking: the call
    waits for the commit, so the dropped speculation sets nothing and the
    committed turn sets the timer once."""
    with rig() as r:
        r.start_stt("--transcript", "set a tea timer", "--delay-ms", "30")
        r.start_ollama("--tool-call", "set_timer", '{"seconds": 300, "label": "tea"}',
                       "--answer", "Your tea timer is set.", "--token-rate", "0",
                       "--first-token-delay-ms", "20")
        path = paused_utterance(r)
        r.start([f"silence:{LEAD_S}", path, "silence:30"])
        r.wait_frames(50)
        r.tap()
        r.wait_turns(1, 30)
        rc, out, _ = r.ctl("timers")
        started, dropped = spec_counts(r)
        r.stop()
        assert dropped == 1, (started, dropped)
        assert rc == 0 and "set: 1 " in out, (rc, out)
        assert r.turns()[0]["answer"] == "Your tea timer is set."
