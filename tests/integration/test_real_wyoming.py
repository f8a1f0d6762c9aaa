# SPDX-License-Identifier: MIT
"""Whole turns through parleyd against Wyoming servers built on the real
`wyoming` library (tests/peers/wyoming-real), each doing what a real server
does and our fake did not model: a default voice and piper's rejection of
an unknown one, audio chunks over 64 KiB, a transcript before audio-stop
(a server with its own VAD), and streamed transcripts.  Skipped when the
library is not beside the repository."""
import json
import os
import socket
import sys

from common import SPEECH, Skip, rig
from test_backends import answer_audio_seconds, voice_turn
from test_turn import LEAD_S

MS_PER_CHAR = 50  # the peer's "speech" per character of text (wyoming-real)
WORDS = "go forward ten meters"  # the peer's transcript: the recording's words


def need_library():
    """Skips without the library; with it, makes it importable here too
    (the tests that talk to peers directly use its reader and writer)."""
    from rig import WYOMING_PY
    if not os.path.isdir(os.path.join(WYOMING_PY, "wyoming")):
        raise Skip(f"the real wyoming library is not beside the repository ({WYOMING_PY})")
    if WYOMING_PY not in sys.path:
        sys.path.insert(0, WYOMING_PY)


def wy(peer):
    return {"stt__backend": "wyoming", "stt__url": f"tcp://127.0.0.1:{peer.port}"} \
        if peer.mode.startswith("stt") else \
        {"tts__backend": "wyoming", "tts__url": f"tcp://127.0.0.1:{peer.port}"}


def start(r, mode):
    p = r.start_real_wyoming(mode)
    p.mode = mode
    return p


def sent(peer):
    """The events the peer wrote, as it logged them."""
    path = peer.log + ".sent"
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_a_whole_turn_through_real_library_stt_and_tts():
    need_library()
    answer = "The light is on. The door is locked."
    with rig() as r:
        stt, tts = start(r, "stt"), start(r, "tts")
        r.start_ollama("--answer", answer, "--token-rate", "0")
        voice_turn(r, **wy(stt), **wy(tts))
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        assert t["transcript"] == WORDS
        got = [e["type"] for e in stt.requests()]
        assert got[:2] == ["transcribe", "audio-start"] and got[-1] == "audio-stop", got
        stop = stt.requests()[-1]
        assert stop["audio"]["bytes"] > 16000 * 2, stop  # over a second heard
        syn = [e for e in tts.requests() if e["type"] == "synthesize"]
        assert [e["data"]["text"] for e in syn] == ["The light is on.", "The door is locked."]
        # no voice set: no voice object at all, the server's default is used
        assert all("voice" not in e["data"] for e in syn), syn
        starts = [e for e in sent(tts) if e["type"] == "audio-start"]
        assert [e["data"]["rate"] for e in starts] == [22050, 22050]
        # the 22 050 Hz audio, resampled, plays at its own length
        expect = MS_PER_CHAR / 1000 * (len("The light is on.") + len("The door is locked."))
        secs = answer_audio_seconds(r)
        assert 0.9 * expect < secs < expect + 0.6, (secs, expect)
        assert "local voice" not in r.log_text()


def test_a_chunk_over_64_kib_is_played_whole():
    need_library()
    # 3.05 s of audio at 22 050 Hz: chunks of 96 000 bytes and the rest
    answer = "A single sentence that is long enough for a very large chunk."
    with rig() as r:
        tts = start(r, "tts-big")
        r.start_ollama("--answer", answer, "--token-rate", "0")
        r.start(["silence:60"], **wy(tts))
        r.ctl("ask", "say something long")
        r.wait_turns(1, 30)
        r.stop()
        chunks = [e["payload_length"] for e in sent(tts) if e["type"] == "audio-chunk"]
        assert max(chunks) > 65536, chunks
        log = r.log_text()
        assert "local voice" not in log and "sentence is lost" not in log, log[-2000:]
        expect = MS_PER_CHAR / 1000 * len(answer)
        secs = answer_audio_seconds(r)
        assert 0.9 * expect < secs < expect + 0.6, (secs, expect)
        (t,) = r.turns()
        assert t["outcome"] == "ok", t


def test_an_unknown_voice_falls_back_with_the_servers_words():
    """wyoming-piper answers a voice it does not have with an error event
    (text: the name, code: VoiceNotFoundError); the sentence is said with
    the local voice, and the turn records the fallback with those words."""
    from common import espeak_seconds
    need_library()
    answer = "The door is locked."
    with rig() as r:
        tts = start(r, "tts")
        r.start_ollama("--answer", answer, "--token-rate", "0")
        r.start(["silence:60"], **wy(tts), tts__remote_voice="alloy")
        r.ctl("ask", "is the door locked?")
        r.wait_turns(1, 30)
        r.stop()
        (syn,) = [e for e in tts.requests() if e["type"] == "synthesize"]
        assert syn["data"]["voice"] == {"name": "alloy"}
        assert [e["type"] for e in sent(tts)] == ["error"]
        assert ("wyoming: the server says: alloy (VoiceNotFoundError); "
                "saying it with the local voice") in r.log_text()
        expect = espeak_seconds(answer)
        secs = answer_audio_seconds(r)
        assert 0.75 * expect < secs < 1.3 * expect, (secs, expect)
        # the turn tells the truth: the answer was not said by the server
        (t,) = r.turns()
        assert t["outcome"] != "ok", t
        assert "alloy (VoiceNotFoundError)" in (t["error"] or ""), t


def test_a_transcript_before_audio_stop_ends_listening():
    """A server with its own VAD ends the utterance itself.  The button is
    held throughout, so only the server can end it before the 12 s cap."""
    need_library()
    with rig() as r:
        stt = start(r, "stt-vad")
        r.start_ollama("--answer", "Okay.", "--token-rate", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:20"], **wy(stt),
                button__long_ms=10000, endpoint__max_utterance_ms=12000)
        r.wait_frames(100)
        r.ctl("button", "press")
        r.wait_state("listening")
        r.wait_turns(1, 30)
        # still held, and the turn is over: the server's transcript ended it
        assert r.status()["state"] != "listening"
        r.ctl("button", "release")
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        assert t["transcript"] == WORDS
        types = [e["type"] for e in stt.requests()]
        assert "audio-stop" not in types, types
        assert [e["type"] for e in sent(stt)] == ["transcript"]
        chats = [q["body"] for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert chats and chats[0]["messages"][-1]["content"] == WORDS
        assert "the server ended the utterance itself" in r.log_text()


def test_streamed_transcript_chunks_are_joined():
    need_library()
    with rig() as r:
        stt = start(r, "stt-stream")
        r.start_ollama("--answer", "Okay.", "--token-rate", "0")
        voice_turn(r, **wy(stt))
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        assert t["transcript"] == WORDS
        kinds = [e["type"] for e in sent(stt)]
        assert kinds == ["transcript-start"] + ["transcript-chunk"] * 4 + ["transcript-stop"], kinds


def exchange(port, events):
    """Sends events to a Wyoming server with the real library's writer and
    reads what comes back with its reader, until the server closes or
    audio-stop comes: [(type, data, payload length)]."""
    from wyoming.event import read_event, write_event
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        out, inp = s.makefile("wb"), s.makefile("rb")
        for e in events:
            write_event(e, out)
        out.flush()
        got = []
        while True:
            e = read_event(inp)
            if e is None:
                return got
            got.append((e.type, e.data, len(e.payload or b"")))
            if e.type == "audio-stop":
                return got


def test_the_fake_answers_voices_as_the_real_library_peer():
    """tools/fake-wyoming's claim about wyoming-piper's voices, checked
    against the peer on the real library: the same error for an unknown
    voice, the same flow with no voice and with the server's own."""
    need_library()
    from wyoming.tts import Synthesize, SynthesizeVoice
    with rig() as r:
        real = start(r, "tts")
        fake = r.start_peer("fake-wyoming", "--mode", "tts", "--voice", "en_US-test")
        for voice in (SynthesizeVoice(name="alloy"), None, SynthesizeVoice(name="en_US-test")):
            ev = Synthesize(text="Hello there.", voice=voice).event()
            a, b = exchange(real.port, [ev]), exchange(fake.port, [ev])
            if voice and voice.name == "alloy":
                # an error, and the server closes
                assert a == [("error", {"text": "alloy", "code": "VoiceNotFoundError"}, 0)], a
                assert b == a, b
            else:
                assert a[0][0] == b[0][0] == "audio-start"
                assert (a[0][1]["rate"], a[0][1]["width"], a[0][1]["channels"]) == \
                    (b[0][1]["rate"], b[0][1]["width"], b[0][1]["channels"]) == (22050, 2, 1)
                assert a[-1][0] == b[-1][0] == "audio-stop"
