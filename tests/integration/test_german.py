# SPDX-License-Identifier: MIT
"""The speaker in German (speaker.language = "de"), end to end: a German
transcript from the fake STT, the STT hint and the model's instructions in
German, the speaker's own phrases in German with espeak-ng's German voice,
and the offline grammar's German commands with the model host down."""
import math
import os
import sqlite3
import subprocess
import tempfile
import time

from common import SPEECH, Skip, free_port, rig, sound_span
from rig import RATE, read_wav

LEAD_S = 1.5


def need_speech():
    if not os.path.exists(SPEECH):
        raise Skip("no test speech: run make testdata")


def envelope(samples, rate, frames=200):
    """The loudness of samples over its sounding span, as `frames` RMS
    values evenly spread over it (so two renderings at other rates
    compare)."""
    span = sound_span(samples, rate)
    assert span, "silence"
    a, b = span
    step = (b - a) / frames
    out = []
    for k in range(frames):
        seg = samples[int(a + k * step):int(a + (k + 1) * step) + 1]
        out.append(math.sqrt(sum(v * v for v in seg) / len(seg)))
    return out


def correlation(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def espeak_envelope(text, voice):
    """espeak-ng's own rendering of text with voice, as an envelope."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", "175", "-w", f.name, text],
                       check=True, capture_output=True)
        rate, _, _, pcm = read_wav(f.name)
    return envelope(pcm, rate)


def spoken_in_german(r, sentence):
    """sentence is what was played, said by the German voice: the played
    sound's loudness over time follows espeak-ng's German rendering of it,
    and follows it closer than the English one (the same words read by
    the English voice take about as long, so the length alone would not
    tell)."""
    played = envelope(r.playback_samples(), RATE)
    de = correlation(played, espeak_envelope(sentence, "de"))
    en = correlation(played, espeak_envelope(sentence, "en"))
    print(f"    '{sentence}': envelope correlation de {de:.3f}, en {en:.3f}")
    assert de > 0.9 and de > en + 0.1, (de, en)


def timers_rows(r):
    con = sqlite3.connect(r.db)
    rows = con.execute("SELECT kind, label, due_unix_ms FROM timers").fetchall()
    con.close()
    return rows


def test_german_voice_turn():
    """Wie spät ist es? through STT and the model: the STT request carries
    language=de, the system prompt is German, the tts line names the
    German voice."""
    need_speech()
    answer = "Es ist kurz nach zwei."
    with rig() as r:
        r.start_stt("--transcript", "Wie spät ist es?")
        r.start_ollama("--answer", answer, "--token-rate", "0",
                       "--first-token-delay-ms", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:6"], speaker__language="de")
        st = r.status()
        assert "espeak-ng voice de (local)" in st["tts"], st
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 60)
        # a notice of the speaker's own (the long press's)
        assert r.ctl("conversation", "new")[0] == 0
        r.wait_state("idle", 10)
        assert "saying: Neues Gespräch." in r.log_text()
        assert r.stop() == 0
        (req,) = [q for q in r.stt.requests() if "fields" in q]
        assert req["fields"]["language"] == "de", req["fields"]
        (chat,) = [q["body"] for q in r.ollama.requests() if q["path"] == "/api/chat"]
        system = chat["messages"][0]
        assert system["role"] == "system"
        assert system["content"].startswith("Du bist ein Sprachassistent"), system
        assert "Antworte auf Deutsch" in system["content"]
        assert chat["messages"][-1] == {"role": "user", "content": "Wie spät ist es?"}
        (t,) = r.turns()
        assert t["source"] == "voice" and t["outcome"] == "ok", t
        assert t["transcript"] == "Wie spät ist es?" and t["answer"] == answer


def test_german_error_phrase_with_the_model_host_down():
    """A question the grammar does not know, the host down: the German
    error phrase, spoken by the German voice."""
    need_speech()
    with rig() as r:
        r.start_stt("--transcript", "Erzähl mir einen Witz.")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], speaker__language="de",
                llm__url=f"http://127.0.0.1:{free_port()}")
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 60)
        time.sleep(0.5)  # the last of it through the playback file
        assert r.stop() == 0
        (t,) = r.turns()
        assert t["outcome"] == "error", t
        said = "Ich erreiche den Sprachmodell-Server nicht."
        assert said in r.log_text()  # turn_speak_error's warning
        spoken_in_german(r, said)
        assert "I can't reach" not in r.log_text()


def test_german_offline_timer_with_the_host_down():
    """"Stell einen Timer auf fünf Minuten" by voice, the host down: a
    300 s timer labelled in German, confirmed in German; then the time and
    the volume by text, answered in German."""
    need_speech()
    with rig() as r:
        r.start_stt("--transcript", "Stell einen Timer auf fünf Minuten.")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:10"], speaker__language="de",
                llm__url=f"http://127.0.0.1:{free_port()}")
        r.wait_frames(100)
        t0 = time.time()
        r.tap()
        r.wait_turns(1, 60)
        t1 = time.time()
        out = r.ctl("timers")[1]
        assert "5 Minuten" in out, out
        ((kind, label, due),) = timers_rows(r)
        assert kind == 0 and label == "5 Minuten"
        # set for 300 s some time between the tap and now
        assert t0 + 300 < due / 1000 <= t1 + 300, (t0, due, t1)
        (t,) = r.turns()
        assert t["outcome"] == "offline", t
        assert t["transcript"] == "Stell einen Timer auf fünf Minuten."
        assert t["answer"] == "Der Timer für 5 Minuten läuft.", t["answer"]
        time.sleep(0.5)  # the last of it through the playback file
        spoken_in_german(r, t["answer"])

        assert r.ctl("ask", "Wie spät ist es?")[0] == 0
        assert r.ctl("volume", "50")[0] == 0
        r.wait_turns(2, 20)
        assert r.ctl("ask", "Mach mal leiser")[0] == 0
        r.wait_turns(3, 20)
        assert "volume: 40" in r.ctl("volume")[1]
        assert r.stop() == 0
        t = r.turns()
        assert [x["outcome"] for x in t] == ["offline"] * 3, t
        now = time.localtime()
        said = t[1]["answer"]
        assert said.startswith("Es ist ") and said.endswith("."), said
        words = said[len("Es ist "):-1].split(" ")
        assert words[1] == "Uhr" and int(words[0]) in (now.tm_hour, (now.tm_hour - 1) % 24), said
        if len(words) == 3:  # "Es ist 14 Uhr 5."; on the hour "Es ist 14 Uhr."
            assert 1 <= int(words[2]) <= 59, said
        assert t[2]["answer"] == "Lautstärke 40 Prozent."
