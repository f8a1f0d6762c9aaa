# SPDX-License-Identifier: MIT
"""Transcripts that are no speech (issue 14, item 8): what whisper writes
for silence and noise ("[BLANK_AUDIO]", a lone "Thank you.") ends the turn
as "I didn't catch that." with no question sent to the model; a real
question that starts with the same words is answered."""

from common import SPEECH, rig, sound_span

DIDNT_CATCH = "I didn't catch that."


def voice_turn(transcript, whispercpp=False):
    """One tapped voice turn whose STT peer hears `transcript`.  Returns
    the stored turn, the model's chat requests, the STT's requests and
    the daemon's log."""
    with rig() as r:
        stt = r.start_stt("--transcript", transcript)
        r.start_ollama("--answer", "Here is some jazz.", "--token-rate", "0")
        config = {}
        if whispercpp:  # whisper.cpp's server: POST /inference
            config = {"stt__backend": "whispercpp",
                      "stt__url": f"http://127.0.0.1:{stt.port}/inference"}
        r.start(["silence:1.5", SPEECH, "silence:8"], **config)
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 30)
        r.wait_state("idle", 20)
        r.stop()
        (t,) = r.turns()
        chats = [q for q in r.ollama.requests() if q["path"] == "/api/chat"]
        heard = [q for q in stt.requests()
                 if q["path"] in ("/v1/audio/transcriptions", "/inference")]
        return t, chats, heard, r.log_text(), r.playback_samples()


def check_dropped(transcript, why, whispercpp=False):
    t, chats, heard, log, played = voice_turn(transcript, whispercpp)
    # the utterance did reach the recogniser, and its answer was dropped
    assert len(heard) == 1, heard
    assert not chats, chats
    assert t["outcome"] == "error", t
    assert t["error"] == f'no speech: the transcript "{transcript}" {why}', t
    assert not t["transcript"], t
    assert t["stt_done_ms"] is not None and t["llm_request_ms"] is None, t
    # the speaker said so, out loud
    assert DIDNT_CATCH in log, log[-2000:]
    assert sound_span(played), "nothing was played"


def test_blank_audio_is_no_speech():
    check_dropped("[BLANK_AUDIO]", "is only sound annotations")


def test_a_lone_thank_you_is_no_speech_with_whispercpp_too():
    check_dropped("Thank you.", 'is "Thank you." on stt.no_speech',
                  whispercpp=True)


def test_a_question_that_starts_with_thank_you_is_answered():
    said = "Thank you for the music, play jazz."
    t, chats, heard, log, _ = voice_turn(said)
    assert len(heard) == 1, heard
    assert len(chats) == 1, chats
    assert chats[0]["body"]["messages"][-1] == {"role": "user", "content": said}
    assert t["outcome"] == "ok" and t["transcript"] == said, t
    assert t["answer"] == "Here is some jazz.", t
    assert DIDNT_CATCH not in log
