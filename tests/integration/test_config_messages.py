# SPDX-License-Identifier: MIT
"""Configuration messages (issue 15): what `parleyd -t` says about a file
that cannot work, and how a change made at the console is kept (config
save, the drop-in beside the store) and shown (config show's sources)."""
import os
import subprocess
import tempfile

from common import PARLEYD, rig


def check(text):
    """parleyd -t on a file holding text: (exit status, stderr lines, path)."""
    fd, path = tempfile.mkstemp(prefix="parley-msg-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    try:
        p = subprocess.run([PARLEYD, "-t", "-c", path], capture_output=True,
                           text=True, timeout=10)
    finally:
        os.unlink(path)
    return p.returncode, p.stderr.splitlines(), path


def test_syntax_error_shows_the_line_and_a_caret():
    rc, lines, path = check('llm = {\n\tmodel = llama3;\n};\n')
    assert rc == 1
    assert lines[:3] == [
        f'{path}:2: syntax error: llama3 is not a value: a string needs quotes, "llama3"',
        "    2 | \tmodel = llama3;",
        "      | \t        ^",
    ], lines
    # the error libconfig finds only at the end of the file
    rc, lines, path = check('audio = {\n  volume = 40;\n')
    assert rc == 1
    assert lines[:3] == [
        f"{path}:3: syntax error: the file ends inside the group opened on line 1 (its '}}' is missing)",
        "    1 | audio = {",
        "      |         ^",
    ], lines
    assert "syntax error: syntax error" not in "\n".join(lines)


def test_wrong_kinds_and_misspelled_keys():
    rc, lines, path = check('audio = 5;\nllm = { url = { host = "h"; }; modle = "x"; };\n'
                            'endpoint = { silense_ms = 700; };\n')
    assert rc == 1
    assert lines == [
        f"{path}:1: audio = 5: audio must be a group: audio = {{ KEY = VALUE; ... }};",
        f"{path}:2: llm.url must be a string, not a group",
        f'{path}:2: llm.modle = "x": unknown key; did you mean llm.model?',
        f"{path}:3: endpoint.silense_ms = 700: unknown key; did you mean endpoint.silence_ms?",
        f"parleyd: {path}: 4 problems; not starting",
    ], lines


def test_urls_that_cannot_work():
    rc, lines, path = check('stt = { url = "http://192.168.1.20:8080"; };\n')
    assert rc == 1
    assert lines[0] == (f'{path}: stt.url = "http://192.168.1.20:8080": stt.backend = "openai" '
                        "posts to the URL as given: add its path, "
                        "http://192.168.1.20:8080/v1/audio/transcriptions"), lines
    rc, lines, path = check('stt = { backend = "whispercpp"; url = "http://h:8080/"; };\n')
    assert rc == 1
    assert lines[0] == (f'{path}: stt.url = "http://h:8080/": stt.backend = "whispercpp" '
                        "posts to the URL as given: add its path, http://h:8080/inference"), lines
    rc, lines, path = check('llm = { url = "http://192.168.1.20:11434/api/chat"; };\n')
    assert rc == 1
    assert lines[0] == (f'{path}: llm.url = "http://192.168.1.20:11434/api/chat": give the '
                        "server's base URL, http://192.168.1.20:11434: llm.backend = "
                        '"ollama" adds /api/chat itself'), lines
    rc, lines, path = check('llm = { url = "file:///etc/passwd"; };\n')
    assert rc == 1
    assert lines[0] == (f'{path}: llm.url = "file:///etc/passwd": only http://, https:// '
                        "and tcp:// addresses are allowed"), lines


def test_voices_and_languages_that_do_not_exist():
    # espeak-ng 1.51 has Klingon (lang/art/piqd, "name Klingon"): it is a
    # real voice, so it passes; a voice espeak-ng lacks does not
    rc, lines, _ = check('tts = { voice = "klingon"; };\n')
    assert rc == 0, lines
    rc, lines, path = check('tts = { voice = "vulcan"; };\n')
    assert rc == 1
    head = f'{path}:1: tts.voice = "vulcan": espeak-ng has no such voice; it has: af '
    assert lines[0].startswith(head), lines
    listed = lines[0][len(head) - 3:].split()
    assert {"de", "en", "en-US", "piqd"} <= set(listed), listed
    assert listed == sorted(listed, key=str.lower)
    rc, lines, path = check('stt = { language = "xx-notalang"; };\n')
    assert rc == 1
    assert lines[0].startswith(
        f'{path}:1: stt.language = "xx-notalang": must be "" (speaker.language\'s), '
        '"auto" (none), or an ISO 639-1 code, a region after \'-\' allowed ("en-US"): '
        "aa ab ae af ak am an ar"), lines
    assert lines[0].endswith(" wa wo xh yi yo za zh zu"), lines
    assert len(lines[0].split(": ")[-1].split()) == 184
    rc, lines, _ = check('stt = { language = "de-AT"; };\ntts = { voice = "en-US+f3"; };\n')
    assert rc == 0, lines


def console_values(r):
    rc, out, err = r.ctl("config", "show")
    assert rc == 0, err
    return {line.split(" = ")[0]: line.split(" = ", 1)[1] for line in out.splitlines()}


def test_set_lasts_until_reload_and_config_save_keeps_it():
    with rig() as r:
        r.start(["silence:60"], llm__model="mistral")
        rc, out, err = r.ctl("set", "endpoint.silence_ms", "900", "llm.temperature", "0.2")
        assert rc == 0, err
        assert out.splitlines() == [
            "endpoint.silence_ms = 900",
            "llm.temperature = 0.2",
            "until the next reload or restart; config save keeps it",
        ], out
        shown = console_values(r)
        assert shown["endpoint.silence_ms"] == "900  (runtime)"
        assert shown["llm.model"] == '"mistral"  (file)'
        assert shown["endpoint.tail_ms"] == "150  (default)"
        assert shown["audio.playback_rate"] == "16000  (default; restart to change)"
        # one key's line is as before
        assert r.ctl("config", "show", "endpoint.silence_ms")[1] == "endpoint.silence_ms = 900\n"
        # saved: the drop-in beside the store
        dropin = os.path.join(r.dir, "console.conf")
        rc, out, err = r.ctl("config", "save")
        assert rc == 0, err
        assert out == (f"2 settings saved in {dropin}, read after the config file "
                       "at start-up and on reload\n"), out
        with open(dropin) as f:
            text = f.read()
        assert "endpoint = {\n\tsilence_ms = 900;\n};\n" in text, text
        assert "llm = {\n\ttemperature = 0.2;\n};\n" in text, text
        assert console_values(r)["endpoint.silence_ms"] == "900  (drop-in)"
        # a later set is runtime until saved; a reload drops it
        assert r.ctl("set", "endpoint.tail_ms", "200")[0] == 0
        assert console_values(r)["endpoint.tail_ms"] == "200  (runtime)"
        r.reload()
        shown = console_values(r)
        assert shown["endpoint.tail_ms"] == "150  (default)"
        assert shown["endpoint.silence_ms"] == "900  (drop-in)"
        # and a restart keeps the saved value, over the file's
        r.stop()
        r.start(["silence:60"], llm__model="mistral", endpoint__silence_ms=500)
        shown = console_values(r)
        assert shown["endpoint.silence_ms"] == "900  (drop-in)"
        assert shown["llm.temperature"] == "0.2  (drop-in)"
        assert shown["llm.model"] == '"mistral"  (file)'


def test_the_drop_in_cannot_move_a_peer():
    with rig() as r:
        r.start(["silence:60"])
        dropin = os.path.join(r.dir, "console.conf")
        with open(dropin, "w") as f:
            f.write('llm = {\n\tmodel = "m";\n\turl = "http://203.0.113.9:11434";\n};\n')
        r.reload()
        log = r.log_text()
        assert (f"{dropin}:3: llm.url: set only in the main config file, not in the "
                "console's drop-in") in log, log[-2000:]
        assert f"reload of {r.conf} refused: 1 problem; the running settings stay" in log
        assert r.ctl("config", "show", "llm.url")[1].startswith('llm.url = "http://127.0.0.1:')
        # -t says the same, and a misspelling in it gets its suggestion
        with open(dropin, "w") as f:
            f.write('llm = { modl = "m"; };\n')
        p = subprocess.run([PARLEYD, "-t", "-c", r.conf], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 1
        assert f'{dropin}:1: llm.modl = "m": unknown key; did you mean llm.model?' in \
            p.stderr.splitlines(), p.stderr
