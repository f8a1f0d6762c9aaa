# SPDX-License-Identifier: MIT
"""Whole turns through the real parleyd, file-backed ALSA PCMs and the fake
Ollama and STT peers."""
import os
import time

from common import SPEECH, espeak_seconds, rig, sound_span
from rig import FRAME, RATE, active_span, find_offset, read_raw, read_wav

LEAD_S = 1.5  # silence before the speech in the capture input
ANSWER = ("Ten meters is about thirty three feet. "
          "That is roughly the length of a city bus.")


def speech_bounds_in_input():
    """Where the speech lies in the capture input, in samples, measured
    independently of parleyd on the source recording."""
    speech = read_raw(SPEECH)
    a, b = active_span(speech)
    lead = int(LEAD_S * RATE)
    return lead + a, lead + b


def check_utterance(r, tol_ms=300):
    """The utterance the STT peer received starts and ends within tol_ms of
    the speech in the input."""
    saved = sorted(os.listdir(os.path.join(r.dir, "stt")))
    assert len(saved) == 1, saved
    rate, ch, bits, utt = read_wav(os.path.join(r.dir, "stt", saved[0]))
    assert (rate, ch, bits) == (16000, 1, 16)
    hay = read_raw(SPEECH)
    hay = type(hay)("h", bytes(int(LEAD_S * RATE) * 2)) + hay + type(hay)("h", bytes(RATE * 4))
    off = find_offset(utt, hay)
    s0, s1 = speech_bounds_in_input()
    start_err = (off - s0) * 1000 / RATE
    end_err = (off + len(utt) - s1) * 1000 / RATE
    assert abs(start_err) <= tol_ms, f"utterance starts {start_err:.0f} ms from the speech"
    assert abs(end_err) <= tol_ms, f"utterance ends {end_err:.0f} ms from the speech"
    return start_err, end_err


def test_tap_turn_end_to_end():
    with rig() as r:
        r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", ANSWER, "--token-rate", "40")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:6"])
        r.wait_frames(100)
        r.tap()  # a tap: the VAD ends it
        r.wait_state("speaking", 20)
        r.wait_turns(1, 60)
        assert r.status()["state"] == "idle"
        assert r.stop() == 0

        # the STT peer got the speech, trimmed to it
        check_utterance(r)
        # the LLM request: streamed, no thinking, system prompt, transcript
        chats = [q for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert len(chats) == 1
        body = chats[0]["body"]
        assert body["stream"] is True and body["think"] is False
        assert body["model"] == "llama3.2"
        assert body["messages"][0]["role"] == "system"
        assert body["messages"][-1] == {"role": "user", "content": "go forward ten meters"}

        # the turn is stored with every stage in order
        (t,) = r.turns()
        assert t["transcript"] == "go forward ten meters"
        assert t["answer"] == ANSWER
        assert t["outcome"] == "ok" and t["source"] == "voice"
        order = ["speech_end_ms", "stt_sent_ms", "stt_done_ms", "llm_request_ms",
                 "first_token_ms", "first_sentence_ms", "first_audio_ms", "last_audio_ms"]
        times = [t[k] for k in order]
        assert None not in times, times
        assert times == sorted(times), times
        # the end of speech is after the speech really ended (press at ~1.0 s)
        s0, s1 = speech_bounds_in_input()
        press_s = 1.0
        assert abs(t["speech_end_ms"] / 1000 - (s1 / RATE - press_s)) < 0.4

        # the answer was played: non-silent, as long as espeak-ng says it
        pb = r.playback_samples()
        span = sound_span(pb)
        assert span, "playback is silent"
        played = (span[1] - span[0]) / RATE
        expect = espeak_seconds(ANSWER)
        assert 0.75 * expect < played < 1.3 * expect, (played, expect)
        # and it started after the utterance was over
        assert span[0] / RATE > s1 / RATE


def test_hold_to_talk():
    with rig() as r:
        r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", "Okay.", "--token-rate", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:6"])
        s0, s1 = speech_bounds_in_input()
        r.wait_frames(100)
        r.ctl("button", "press")
        # hold until 1 s after the speech ends: the end silence is trimmed
        r.wait_frames(s1 // FRAME + 100)
        r.ctl("button", "release")
        r.wait_turns(1, 30)
        r.stop()
        check_utterance(r)
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["answer"] == "Okay."


def test_barge_in_stops_playback_and_listens():
    long_answer = " ".join(f"This is sentence number {i} of a long answer." for i in range(1, 30))
    with rig() as r:
        r.start_ollama("--answer", long_answer, "--token-rate", "30")
        # the capture runs at the feeder's pace, not the clock's: with the
        # machine busy, this test may see its 100 frames of held button
        # end long after the daemon did, so the no-speech notice must not
        # be able to start while the button is still held
        r.start(["silence:60"], endpoint__no_speech_ms=30000)
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        r.wait_state("speaking", 15)
        # let a couple of seconds play
        played0 = int(r.status()["played_samples"])
        while int(r.status()["played_samples"]) < played0 + 2 * RATE:
            time.sleep(0.02)
        assert r.ctl("button", "press")[0] == 0
        press_frame = r.frames()
        assert r.wait_state("listening", 2) == "listening"
        r.wait_frames(press_frame + 100)
        release_frame = r.frames()
        r.ctl("button", "release")
        r.stop()
        pb = r.playback_samples()
        # playback file: one period of silence, then one period per frame;
        # after the release the speaker says it heard nothing, so the
        # silence that counts ends there
        cut = (press_frame + 1 + 10) * FRAME
        before = sound_span(pb[:cut])
        after = sound_span(pb[cut:(release_frame + 1) * FRAME])
        assert before and before[1] - before[0] > 1.5 * RATE
        assert after is None, f"audio {after[0] / RATE:.2f} s after the press"
        t = r.turns()[0]
        assert t["outcome"] == "barge-in"
        assert t["barge_in_ms"] is not None and t["barge_in_ms"] > t["first_audio_ms"]
        # stored: only what was played, as far as the words go, and a
        # sentence cut while it played is marked so
        stored = t["answer"]
        if not stored.endswith("."):
            assert stored.endswith("\u2026"), stored
            stored = stored[:-1]
        assert stored and long_answer.startswith(stored), stored
        played_s = (cut - 10 * FRAME - before[0]) / RATE
        assert abs(espeak_seconds(stored) - played_s) < 1.0, (stored, played_s)


def test_history_goes_with_the_next_turn():
    with rig() as r:
        r.start_ollama("--answer", "Paris is the capital of France.", "--token-rate", "0")
        r.start(["silence:60"])
        r.ctl("ask", "what is the capital of France?")
        r.wait_turns(1, 30)
        r.wait_state("idle", 10)
        r.ctl("ask", "and how many people live there?")
        r.wait_turns(2, 30)
        r.stop()
        chats = [q["body"] for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert len(chats) == 2
        roles = [(m["role"], m["content"]) for m in chats[1]["messages"]]
        assert roles[1:] == [("user", "what is the capital of France?"),
                             ("assistant", "Paris is the capital of France."),
                             ("user", "and how many people live there?")]
        turns = r.turns()
        assert turns[0]["conversation"] == turns[1]["conversation"]


def test_follow_up_window():
    with rig() as r:
        r.start_stt("--transcript", "and tomorrow?")
        r.start_ollama("--answer", "Okay.", "--token-rate", "0",
                       "--first-token-delay-ms", "0")
        # speech 4 s in: inside the window that opens after the answer
        r.start(["silence:4", SPEECH, "silence:20"], conversation__follow_up_ms=5000)
        r.wait_frames(20)
        r.ctl("ask", "will it rain today?")
        r.wait_turns(1, 20)
        assert r.wait_state("listening", 5) == "listening"  # no press needed
        r.wait_turns(2, 30)
        r.wait_state(["idle", "listening"], 10)
        r.stop()
        a, b = r.turns()
        assert b["source"] == "voice" and b["transcript"] == "and tomorrow?"
        assert a["conversation"] == b["conversation"]
        check_utterance_near(r, 4.0)


def check_utterance_near(r, lead_s, tol_ms=300):
    """As check_utterance, for speech lead_s into the input."""
    saved = sorted(os.listdir(os.path.join(r.dir, "stt")))
    _, _, _, utt = read_wav(os.path.join(r.dir, "stt", saved[-1]))
    speech = read_raw(SPEECH)
    a, b = active_span(speech)
    hay = type(speech)("h", bytes(int(lead_s * RATE) * 2)) + speech + \
        type(speech)("h", bytes(RATE * 4))
    off = find_offset(utt, hay)
    lead = int(lead_s * RATE)
    assert abs(off - (lead + a)) * 1000 / RATE <= tol_ms
    assert abs(off + len(utt) - (lead + b)) * 1000 / RATE <= tol_ms


def test_follow_up_silence_returns_to_idle_quietly():
    with rig() as r:
        r.start_ollama("--answer", "Okay.", "--token-rate", "0")
        r.start(["silence:60"], conversation__follow_up_ms=1500)
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.wait_state("listening", 5)
        t0 = time.monotonic()
        r.wait_state("idle", 5)
        assert 1.2 < time.monotonic() - t0 < 2.5
        time.sleep(0.5)
        r.stop()
        assert len(r.turns()) == 1  # the empty window is not a turn
        assert "I didn't hear anything" not in r.log_text()


def test_retention_keeps_the_newest_turns():
    with rig() as r:
        r.start_ollama("--answer", "Yes.", "--token-rate", "0")
        r.start(["silence:60"], store__max_turns=2)
        for i in range(3):
            r.wait_state("idle", 10)
            r.ctl("ask", f"question {i}")
            r.wait_turns(min(i + 1, 2), 20)
            time.sleep(0.3)
        r.wait_state("idle", 10)
        r.stop()
        assert [t["transcript"] for t in r.turns()] == ["question 1", "question 2"]


def test_first_clause_is_spoken_before_the_sentence_ends():
    answer = ("Well, taking everything you said into account, I think the "
              "best time to plant tomatoes is late spring. Enjoy.")
    with rig() as r:
        r.start_ollama("--answer", answer, "--token-rate", "10")
        r.start(["silence:60"], llm__first_clause_chars=30)
        r.ctl("ask", "when do I plant tomatoes?")
        r.wait_turns(1, 40)
        r.stop()
        log = r.log_text()
        assert "sentence: Well, taking everything you said into account," in log
        (t,) = r.turns()
        # at 10 tokens/s the full first sentence would take about 2 s more
        assert t["first_sentence_ms"] - t["first_token_ms"] < 1200
