# SPDX-License-Identifier: MIT
"""Whole turns through each LLM and STT backend against fake peers that
speak the exact protocols."""
import os
import time

from common import SPEECH, Skip, rig
from test_turn import LEAD_S, check_utterance


def voice_turn(r, **config):
    r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], **config)
    r.wait_frames(100)
    r.tap()
    r.wait_turns(1, 40)
    r.stop()


def test_openai_sse_llm_with_whispercpp_stt():
    with rig() as r:
        stt = r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", "Going forward now. Ten meters.", "--token-rate", "30")
        voice_turn(r, llm__backend="openai", stt__backend="whispercpp",
                   stt__url=f"http://127.0.0.1:{stt.port}/inference")
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        # whisper.cpp's " text\n" is trimmed
        assert t["transcript"] == "go forward ten meters"
        assert t["answer"] == "Going forward now. Ten meters."
        check_utterance(r)
        (q,) = [q for q in r.ollama.requests() if q["path"] == "/v1/chat/completions"]
        assert q["body"]["stream"] is True and q["body"]["model"] == "llama3.2"
        assert q["body"]["messages"][-1] == {"role": "user",
                                             "content": "go forward ten meters"}
        (s,) = [q for q in stt.requests() if q["path"] == "/inference"]
        assert "model" not in s.get("fields", {})


def test_openai_sse_stream_without_done_is_an_error():
    with rig() as r:
        r.start_ollama("--fault", "no-done", "--token-rate", "0")
        r.start(["silence:60"], llm__backend="openai")
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "without [DONE]" in t["error"]


def test_ollama_options_and_bearer_token():
    with rig() as r:
        token = os.path.join(r.dir, "token")
        with open(token, "w") as f:
            f.write("s3cret-token\n")
        os.chmod(token, 0o600)
        r.start_ollama("--require-token", "s3cret-token", "--answer", "Hi.",
                       "--token-rate", "0")
        r.start(["silence:60"], llm__token_file=token, llm__allow_insecure_token=True,
                llm__temperature=0.2,
                llm__num_ctx=2048, llm__num_predict=64, llm__keep_alive="30m")
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        (q,) = [q for q in r.ollama.requests() if q["path"] == "/api/chat"]
        assert q["auth"] == "Bearer s3cret-token"
        assert q["body"]["options"] == {"temperature": 0.2, "num_ctx": 2048,
                                        "num_predict": 64}
        assert q["body"]["keep_alive"] == "30m" and q["body"]["think"] is False
        # the token never reaches the log, even at debug level
        assert "s3cret" not in r.log_text()


def test_wrong_token_is_an_error_and_a_missing_file_stops_the_start():
    with rig() as r:
        token = os.path.join(r.dir, "token")
        with open(token, "w") as f:
            f.write("wrong\n")
        r.start_ollama("--require-token", "right")
        r.start(["silence:60"], llm__token_file=token, llm__allow_insecure_token=True)
        r.ctl("ask", "hello")
        r.wait_turns(1, 20)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "HTTP 401" in t["error"]
    with rig() as r:
        try:
            r.start(["silence:5"], llm__token_file="/nonexistent/token",
                    llm__allow_insecure_token=True)
        except RuntimeError as e:
            assert "llm.token_file '/nonexistent/token': No such file or directory" in str(e)
        else:
            raise AssertionError("parleyd started without its token file")


def test_missing_model_is_named_at_start_up_with_the_models_present():
    with rig() as r:
        r.start_ollama("--model", "qwen2.5:3b", "--model", "phi3:mini")
        r.start(["silence:60"], llm__model="llama3.2")
        deadline = time.monotonic() + 5
        while "is not on the host" not in r.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "model llama3.2 is not on the host" in r.log_text()
        assert "it has: qwen2.5:3b, phi3:mini" in r.log_text()
        assert r.status()["host"] == "model missing at start-up"


def test_wyoming_stt_streams_while_the_user_speaks():
    from rig import RATE, active_span, find_offset, read_raw, read_wav
    with rig() as r:
        save = os.path.join(r.dir, "wy")
        wy = r.start_peer("fake-wyoming", "--mode", "stt", "--transcript",
                          "go forward ten meters", "--save-dir", save)
        r.start_ollama("--answer", "Okay.", "--token-rate", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], stt__backend="wyoming",
                 stt__url=f"tcp://127.0.0.1:{wy.port}")
        r.wait_frames(100)
        r.tap()
        # 1.5 s after the speech began, it is still being heard, and the
        # server already has audio
        r.wait_frames(int((LEAD_S + 1.5) * 100))
        assert r.status()["state"] == "listening"
        early = [e["type"] for e in wy.requests()]
        assert early[:2] == ["transcribe", "audio-start"], early
        assert early.count("audio-chunk") >= 40, early.count("audio-chunk")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["transcript"] == "go forward ten meters"
        types = [e["type"] for e in wy.requests()]
        assert types[-1] == "audio-stop"
        (saved,) = os.listdir(save)
        rate, ch, bits, utt = read_wav(os.path.join(save, saved))
        assert (rate, ch, bits) == (16000, 1, 16)
        speech = read_raw(SPEECH)
        a, b = active_span(speech)
        hay = type(speech)("h", bytes(int(LEAD_S * RATE) * 2)) + speech + \
            type(speech)("h", bytes(RATE * 8))
        off = find_offset(utt, hay)
        s0 = int(LEAD_S * RATE) + a
        assert abs(off - s0) * 1000 / RATE <= 300
        assert off + len(utt) >= int(LEAD_S * RATE) + b


def test_wyoming_stt_errors_are_spoken():
    with rig() as r:
        wy = r.start_peer("fake-wyoming", "--mode", "stt", "--fault", "error")
        r.start_ollama()
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], stt__backend="wyoming",
                stt__url=f"tcp://127.0.0.1:{wy.port}")
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "error" and "the server says" in t["error"]
        assert "Speech recognition failed." in r.log_text()


def answer_audio_seconds(r):
    from common import sound_span
    from rig import RATE
    span = sound_span(r.playback_samples())
    assert span, "nothing was played"
    return (span[1] - span[0]) / RATE


ANSWER2 = "The light is on. The door is locked."


def test_openai_tts_streams_a_wav_at_its_own_rate():
    with rig() as r:
        tts = r.start_peer("fake-tts", "--rate", "24000", "--ms-per-char", "50")
        r.start_ollama("--answer", ANSWER2, "--token-rate", "0")
        r.start(["silence:60"], tts__backend="openai",
                tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech",
                audio__playback_rate=48000)
        r.ctl("ask", "status of the house?")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok"
        reqs = [q["body"] for q in tts.requests() if q["path"] == "/v1/audio/speech"]
        assert [q["input"] for q in reqs] == ["The light is on.", "The door is locked."]
        assert all(q["response_format"] == "wav" and q["model"] == "tts-1" for q in reqs)
        # 24 kHz WAVs played at 48 kHz: their length is kept
        from rig import RATE
        pb = r.playback_samples()
        nz = [i for i, v in enumerate(pb) if abs(v) > 64]
        secs = (nz[-1] - nz[0]) / 48000
        expect = 0.05 * (len("The light is on.") + len("The door is locked."))
        assert 0.9 * expect < secs < expect + 0.6, (secs, expect)
        assert "local voice" not in r.log_text()


def test_wyoming_tts_plays_chunks_as_they_arrive():
    with rig() as r:
        wy = r.start_peer("fake-wyoming", "--mode", "tts", "--rate", "22050",
                          "--ms-per-char", "50")
        r.start_ollama("--answer", ANSWER2, "--token-rate", "0")
        r.start(["silence:60"], tts__backend="wyoming",
                tts__url=f"tcp://127.0.0.1:{wy.port}", tts__remote_voice="en_US-lessac-medium")
        r.ctl("ask", "status of the house?")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        assert t["outcome"] == "ok"
        syn = [e for e in wy.requests() if e["type"] == "synthesize"]
        assert [e["data"]["text"] for e in syn] == ["The light is on.", "The door is locked."]
        assert syn[0]["data"]["voice"] == {"name": "en_US-lessac-medium"}
        expect = 0.05 * (len("The light is on.") + len("The door is locked."))
        secs = answer_audio_seconds(r)
        assert 0.9 * expect < secs < expect + 0.6, (secs, expect)


def test_remote_tts_failure_falls_back_to_the_local_voice():
    from common import espeak_seconds
    with rig() as r:
        tts = r.start_peer("fake-tts", "--fault", "not-wav")
        r.start_ollama("--answer", "The door is locked.", "--token-rate", "0")
        r.start(["silence:60"], tts__backend="openai",
                tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech")
        r.ctl("ask", "is the door locked?")
        r.wait_turns(1, 30)
        r.stop()
        (t,) = r.turns()
        # the answer was said, by the local voice: the turn says so
        assert t["outcome"] == "tts-fallback" and t["answer"] == "The door is locked."
        assert "the reply is not a WAV file" in t["error"], t["error"]
        assert "the reply is not a WAV file; saying it with the local voice" in r.log_text()
        expect = espeak_seconds("The door is locked.")
        secs = answer_audio_seconds(r)
        assert 0.75 * expect < secs < 1.3 * expect, (secs, expect)


def test_a_voice_turn_through_every_pair_of_backends():
    """Each STT backend with each TTS backend (the LLM backend alternates),
    a whole voice turn each, from real speech to played answer."""
    pairs = [(stt, tts) for stt in ("openai", "whispercpp", "wyoming")
             for tts in ("espeak", "openai", "wyoming")]
    for i, (stt_name, tts_name) in enumerate(pairs):
        llm_name = ("ollama", "openai")[i % 2]
        with rig() as r:
            cfg = {"llm__backend": llm_name, "stt__backend": stt_name,
                   "tts__backend": tts_name}
            if stt_name == "wyoming":
                p = r.start_peer("fake-wyoming", "--mode", "stt", "--transcript",
                                 "go forward ten meters")
                cfg["stt__url"] = f"tcp://127.0.0.1:{p.port}"
            else:
                p = r.start_stt("--transcript", "go forward ten meters")
                path = "/inference" if stt_name == "whispercpp" else "/v1/audio/transcriptions"
                cfg["stt__url"] = f"http://127.0.0.1:{p.port}{path}"
            if tts_name == "wyoming":
                p = r.start_peer("fake-wyoming", "--mode", "tts")
                cfg["tts__url"] = f"tcp://127.0.0.1:{p.port}"
            elif tts_name == "openai":
                p = r.start_peer("fake-tts")
                cfg["tts__url"] = f"http://127.0.0.1:{p.port}/v1/audio/speech"
            r.start_ollama("--answer", "Moving forward. Ten meters it is.",
                           "--token-rate", "50", "--first-token-delay-ms", "100")
            voice_turn(r, **cfg)
            (t,) = r.turns()
            label = f"{stt_name} + {llm_name} + {tts_name}"
            assert t["outcome"] == "ok", (label, t["error"])
            assert t["transcript"] == "go forward ten meters", label
            assert t["answer"] == "Moving forward. Ten meters it is.", label
            assert answer_audio_seconds(r) > 1.0, label
            assert "local voice" not in r.log_text(), label


def host_ping(r):
    """host ping's lines by peer: {"llm": (backend, text), ...}."""
    rc, out, err = r.ctl("host", "ping")
    lines = {}
    for line in out.splitlines():
        head, _, text = line.partition(": ")
        peer, _, backend = head.partition(" ")
        lines[peer] = (backend, text)
    return rc, lines, err


def test_status_and_host_ping_tell_the_truth_for_an_openai_llm():
    with rig() as r:
        r.start_ollama("--model", "qwen2.5:3b")
        r.start(["silence:60"], llm__backend="openai", llm__model="qwen2.5:3b")
        assert r.status()["llm"] == f"openai http://127.0.0.1:{r.ollama.port} model qwen2.5:3b"
        rc, lines, _ = host_ping(r)
        backend, text = lines["llm"]
        # asked in its own protocol: the OpenAI model list, not /api/tags
        assert backend == "openai" and "/v1/models: HTTP 200" in text, text
        assert text.endswith("model qwen2.5:3b present"), text
        paths = [q["path"] for q in r.ollama.requests()]
        assert "/v1/models" in paths and "/api/version" not in paths, paths
        rc, out, _ = r.ctl("models")
        assert rc == 0 and out.split() == ["qwen2.5:3b"], out
        # a model the server does not have is named as missing
        assert r.ctl("set", "llm.model", "mistral")[0] == 0
        rc, lines, err = host_ping(r)
        assert rc == 1 and lines["llm"][1].endswith("model mistral MISSING")


def test_status_and_host_ping_tell_the_truth_for_wyoming_stt_and_tts():
    with rig() as r:
        stt = r.start_peer("fake-wyoming", "--mode", "stt")
        tts = r.start_peer("fake-wyoming", "--mode", "tts")
        r.start_ollama()
        r.start(["silence:60"], stt__backend="wyoming", stt__url=f"tcp://127.0.0.1:{stt.port}",
                tts__backend="wyoming", tts__url=f"tcp://127.0.0.1:{tts.port}",
                tts__remote_voice="")
        st = r.status()
        assert st["stt"] == f"wyoming tcp://127.0.0.1:{stt.port}"
        assert st["tts"] == f"wyoming tcp://127.0.0.1:{tts.port}"
        rc, lines, err = host_ping(r)
        assert rc == 0, (lines, err)
        # probed with describe/info, not through libcurl
        assert lines["stt"][0] == "wyoming" and "Wyoming info in" in lines["stt"][1]
        assert "; asr " in lines["stt"][1], lines["stt"]
        assert lines["tts"][0] == "wyoming" and "; tts " in lines["tts"][1], lines["tts"]
        assert "describe" in [e["type"] for e in stt.requests()]
        assert "describe" in [e["type"] for e in tts.requests()]
        # an STT server that is a TTS server is not what it should be
        r.reload(stt__url=f"tcp://127.0.0.1:{tts.port}")
        rc, lines, _ = host_ping(r)
        assert rc == 1 and "no speech-to-text (asr) service" in lines["stt"][1]


def test_status_and_host_ping_tell_the_truth_for_openai_tts_and_whispercpp():
    with rig() as r:
        tts = r.start_peer("fake-tts")
        stt = r.start_stt()
        r.start_ollama()
        r.start(["silence:60"], tts__backend="openai",
                tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech",
                stt__backend="whispercpp", stt__url=f"http://127.0.0.1:{stt.port}/inference")
        st = r.status()
        assert st["tts"] == (f"openai http://127.0.0.1:{tts.port}/v1/audio/speech "
                             "model tts-1 voice alloy")
        assert st["stt"] == f"whispercpp http://127.0.0.1:{stt.port}/inference"
        rc, lines, err = host_ping(r)
        assert rc == 0, (lines, err)
        assert lines["tts"][0] == "openai"
        assert f"http://127.0.0.1:{tts.port}/v1/models: HTTP 200" in lines["tts"][1]
        # whisper.cpp's server has its own health route
        assert lines["stt"][0] == "whispercpp"
        assert f"http://127.0.0.1:{stt.port}/health: HTTP 200" in lines["stt"][1]
    # with no TTS server there, the ping says so
    with rig() as r:
        r.start_ollama()
        r.start(["silence:60"], tts__backend="openai", tts__url="http://127.0.0.1:9/v1/audio/speech")
        rc, lines, _ = host_ping(r)
        assert rc == 1 and "unreachable" in lines["tts"][1]


def test_a_backend_changed_live_is_the_one_used():
    with rig() as r:
        wy = r.start_peer("fake-wyoming", "--mode", "tts")
        r.start_ollama("--answer", "The light is on.", "--token-rate", "0")
        r.start(["silence:60"])
        assert r.status()["tts"].startswith("espeak-ng")
        # the backend and its URL change together; the URL rule holds
        rc, _, err = r.ctl("set", "tts.backend", "wyoming")
        assert rc == 1 and "tts.url" in err and "tcp://HOST:PORT" in err, err
        # the URL is the file's alone: set refuses it, a reload takes both
        rc, out, err = r.ctl("set", "tts.backend", "wyoming", "tts.url",
                             f"tcp://127.0.0.1:{wy.port}")
        assert rc == 1 and "tts.url is set only in the config file" in err, err
        r.reload(tts__backend="wyoming", tts__url=f"tcp://127.0.0.1:{wy.port}")
        assert r.status()["tts"].startswith("wyoming tcp://")
        r.ctl("ask", "is the light on?")
        r.wait_turns(1, 30)
        syn = [e for e in wy.requests() if e["type"] == "synthesize"]
        assert [e["data"]["text"] for e in syn] == ["The light is on."]


def test_host_ping_against_the_real_wyoming_library():
    """The probe is checked against the real wyoming library's server side
    (Describe, Info, AsyncEventHandler), not only against our fake."""
    from rig import WYOMING_PY
    if not os.path.isdir(os.path.join(WYOMING_PY, "wyoming")):
        raise Skip(f"the real wyoming library is not beside the repository ({WYOMING_PY})")
    with rig() as r:
        stt = r.start_real_wyoming("stt")
        tts = r.start_real_wyoming("tts")
        r.start_ollama()
        r.start(["silence:60"], stt__backend="wyoming", stt__url=f"tcp://127.0.0.1:{stt.port}",
                tts__backend="wyoming", tts__url=f"tcp://127.0.0.1:{tts.port}",
                tts__remote_voice="")
        rc, lines, err = host_ping(r)
        assert rc == 0, (lines, err)
        assert lines["stt"][1].endswith("; asr real-asr"), lines["stt"]
        assert lines["tts"][1].endswith("; tts real-tts, 1 voice"), lines["tts"]
        assert [e["type"] for e in stt.requests()] == ["describe"]
        # the speech server is no speech-to-text server: said so
        r.reload(stt__url=f"tcp://127.0.0.1:{tts.port}")
        rc, lines, _ = host_ping(r)
        assert rc == 1 and "no speech-to-text (asr) service" in lines["stt"][1]
