# SPDX-License-Identifier: MIT
"""What real servers refuse, and what parley does about it.  Each refusal
is the fake's model of the real server (tools/fake-ollama, fake-stt cite
the source they follow): a model without tool support, llama.cpp without
--jinja, keep_alive given as a string of digits, an answer cut at the
server's length limit, older llama.cpp's bare "error:" line, whisper.cpp's
/health while it loads a model."""
from common import rig
from test_backends import host_ping


def chats(peer, path="/api/chat"):
    return [q for q in peer.requests() if q.get("path") == path]


def ask_and_wait(r, text, n):
    assert r.ctl("ask", text)[0] == 0
    r.wait_turns(n, 60)
    return r.turns()[n - 1]


def test_a_model_without_tools_is_asked_again_without_them():
    with rig() as r:
        r.start_ollama("--answer", "It is sunny.", "--token-rate", "0",
                       "--no-tools-models", "llama3.2")
        r.start(["silence:120"])
        r.wait_frames(20)
        t = ask_and_wait(r, "how is the weather", 1)
        assert t["outcome"] == "ok" and t["answer"] == "It is sunny.", t
        # the fake refused the first with 400 (its log has no status: the
        # daemon's log names the server's words)
        first, again = chats(r.ollama)
        assert first["body"]["tools"] and "tools" not in again["body"]
        assert "registry.ollama.ai/library/llama3.2:latest does not support tools" in r.log_text()
        # remembered for this model: the next turn asks once, without
        t = ask_and_wait(r, "and tomorrow", 2)
        assert t["outcome"] == "ok"
        assert len(chats(r.ollama)) == 3 and "tools" not in chats(r.ollama)[2]["body"]
        st = r.status()
        assert st["tools"].startswith("off for this model: ") and \
            "does not support tools" in st["tools"], st["tools"]
        log = r.log_text()
        assert log.count("refuses tools") == 1, log
        # another model: tools go with the request again
        assert r.ctl("set", "llm.model", "qwen2.5:3b")[0] == 0
        assert r.status()["tools"] == "on"
        ask_and_wait(r, "set a timer", 3)
        assert chats(r.ollama)[3]["body"]["tools"]
        r.stop()


def test_llama_cpp_without_jinja_is_asked_again_without_tools():
    with rig() as r:
        r.start_ollama("--answer", "Hello there.", "--token-rate", "0",
                       "--llamacpp-no-jinja")
        r.start(["silence:60"], llm__backend="openai")
        r.wait_frames(20)
        t = ask_and_wait(r, "hello", 1)
        assert t["outcome"] == "ok" and t["answer"] == "Hello there.", t
        first, again = chats(r.ollama, "/v1/chat/completions")
        assert first["body"]["tools"] and "tools" not in again["body"]
        assert "tools param requires --jinja flag" in r.status()["tools"]
        r.stop()


def test_keep_alive_in_seconds_goes_as_a_number():
    """Ollama refuses the string "3600" (Go's duration parser wants a
    unit); the setting in seconds goes as a JSON number and is taken."""
    for setting, sent in ((3600, 3600), ("-1", -1), ("1h30m", "1h30m")):
        with rig() as r:
            r.start_ollama("--answer", "Okay.", "--token-rate", "0")
            r.start(["silence:60"], llm__keep_alive=setting)
            r.wait_frames(20)
            t = ask_and_wait(r, "hi", 1)
            assert t["outcome"] == "ok", (setting, t["error"])
            (q,) = chats(r.ollama)
            assert q["body"]["keep_alive"] == sent and \
                type(q["body"]["keep_alive"]) is type(sent), q["body"]["keep_alive"]
            r.stop()


def test_an_answer_cut_at_the_servers_limit_is_spoken_to_its_last_sentence():
    answer = "The first part is done. The second part is here. The third part never ends"
    for backend in ("ollama", "openai"):
        with rig() as r:
            # the fake cuts after 14 of its tokens, inside the third sentence
            r.start_ollama("--answer", answer, "--token-rate", "0", "--length-after", "14")
            r.start(["silence:60"], llm__backend=backend)
            r.wait_frames(20)
            t = ask_and_wait(r, "tell me", 1)
            assert t["outcome"] == "truncated", (backend, t["outcome"], t["error"])
            assert "length" in t["error"]
            assert t["answer"] == "The first part is done. The second part is here.", t["answer"]
            assert "The answer was cut off there." in r.log_text()
            r.stop()


def test_older_llama_cpp_error_lines_are_reported_with_their_message():
    with rig() as r:
        r.start_ollama("--answer", "One two three four five.", "--token-rate", "0",
                       "--fault", "llamacpp-error-line")
        r.start(["silence:60"], llm__backend="openai")
        r.wait_frames(20)
        t = ask_and_wait(r, "hi", 1)
        assert t["outcome"] == "error"
        assert t["error"] == "an error was encountered while running the model", t["error"]
        r.stop()


def test_whisper_cpp_loading_a_model_is_named_by_host_ping():
    with rig() as r:
        stt = r.start_stt("--health-loading")
        r.start_ollama()
        r.start(["silence:60"], stt__backend="whispercpp",
                stt__url=f"http://127.0.0.1:{stt.port}/inference")
        rc, lines, _ = host_ping(r)
        assert rc == 1
        assert lines["stt"][0] == "whispercpp"
        assert "HTTP 404" in lines["stt"][1] and "while it loads a model" in lines["stt"][1], lines
        r.stop()
