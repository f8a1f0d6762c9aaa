# SPDX-License-Identifier: MIT
"""The wake words in the running daemon (wake.enable, app/wake.c).

The capture stream holds the real recordings of "alexa" and "hey mycroft"
(../shared/testdata/wakeword, openWakeWord's test clips) between silence
and real speech; the feeder plays the daemon's output back as the room's
echo where a test says so.  Skipped without the shared models and clips.

 - a wake word opens the microphone like a tap; the request after it goes
   to STT, and the word itself does not;
 - the request said in the same breath as the word is kept whole;
 - the word alone is no request: nothing reaches STT;
 - the speaker's own output saying the word does not wake it (with the
   canceller, and without it, where the refusal is what holds it);
 - the word said over the answer interrupts it (barge-in);
 - muted, the detector hears nothing; `wake off WORD` silences one word;
 - two words at once, each waking with its own name;
 - a missing model is said aloud, and the button still works;
 - wake.record keeps the audio of the detections.
"""
import os
import re
import struct
import subprocess
import tempfile
import time

from common import PARLEYD, ROOT, SPEECH, Skip, rig
from rig import read_raw, read_wav, write_wav

SHARED = os.environ.get("PARLEY_SHARED", os.path.join(ROOT, "..", "shared"))
MODELS = os.path.join(SHARED, "models", "micro-wake-word")
CLIPS = os.path.join(SHARED, "testdata", "wakeword")
TMP = tempfile.mkdtemp(prefix="parley-wake-")


def clip(word):
    """The word's recording as a raw file for the feeder."""
    src = os.path.join(CLIPS, word + "_test.wav")
    if not os.path.exists(src) or not os.path.exists(os.path.join(MODELS, "alexa.tflite")):
        raise Skip(f"{src} or the models in {MODELS} missing")
    out = os.path.join(TMP, word + ".raw")
    if not os.path.exists(out):
        _, _, _, pcm = read_wav(src)
        with open(out, "wb") as f:
            f.write(struct.pack(f"<{len(pcm)}h", *pcm))
    return out


def wake_cfg(words="alexa", **more):
    cfg = {"wake__enable": True, "wake__words": words, "wake__models_dir": MODELS}
    cfg.update(more)
    return cfg


def wait_log(r, pattern, timeout=30):
    deadline = time.monotonic() + timeout
    while not re.search(pattern, r.log_text()):
        assert time.monotonic() < deadline, f"no log line like {pattern!r}"
        time.sleep(0.05)


def stt_uploads(r):
    return [q for q in r.stt.requests() if q.get("wav")]


def wait_upload(r, timeout=30):
    deadline = time.monotonic() + timeout
    while not stt_uploads(r):
        assert time.monotonic() < deadline, "nothing reached speech-to-text"
        time.sleep(0.05)
    return stt_uploads(r)[-1]


def speech_seconds():
    x = read_raw(SPEECH)
    loud = [i for i in range(0, len(x) - 160, 160)
            if max(abs(v) for v in x[i:i + 160]) > 500]
    return (loud[-1] - loud[0]) / 16000


def test_wake_word_then_request_is_a_turn():
    alexa = clip("alexa")
    with rig() as r:
        r.start_stt("--transcript", "what time is it")
        r.start_ollama("--answer", "It is noon.")
        r.start(["silence:2", alexa, "silence:0.6", SPEECH, "silence:60"], **wake_cfg())
        r.wait_turns(1)
        up = wait_upload(r)
        r.stop()
        log = r.log_text()
        assert re.search(r"wake: Alexa detected \(0\.\d\d\): listening", log), log[-3000:]
        turn = r.turns()[0]
        assert turn["source"] == "wake" and turn["outcome"] == "ok", turn
        # the request went to STT and the wake word did not: the upload is
        # the speech, not the word's 0.6 s more
        secs = up["wav"]["frames"] / up["wav"]["rate"]
        assert 0.8 * speech_seconds() < secs < speech_seconds() + 0.6, (secs, speech_seconds())


def test_request_in_the_same_breath():
    alexa = clip("alexa")
    with rig() as r:
        r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", "Going.")
        # no pause at all between the word and the request
        r.start(["silence:2", alexa, SPEECH, "silence:60"], **wake_cfg())
        r.wait_turns(1)
        up = wait_upload(r)  # the whole utterance's, after any speculative one
        r.stop()
        secs = up["wav"]["frames"] / up["wav"]["rate"]
        assert secs > 0.8 * speech_seconds(), (secs, speech_seconds())
        assert secs < speech_seconds() + 0.9, (secs, speech_seconds())


def test_the_word_alone_is_not_a_request():
    alexa = clip("alexa")
    with rig() as r:
        r.start_stt("--transcript", "nothing")
        r.start(["silence:2", alexa, "silence:60"], **wake_cfg(endpoint__no_speech_ms=2000))
        wait_log(r, r"wake: Alexa detected")
        wait_log(r, r"utterance ended: no speech")
        r.stop()
        assert stt_uploads(r) == [], "the wake word itself went to STT"


def own_voice(r, aec):
    """The answer's audio is the real "alexa" recording, again and again,
    and the feeder plays it back into the microphone."""
    r.start_ollama("--answer", "A long answer to play for a while, said again and again.")
    tts = r.start_peer("fake-tts", "--rate", "16000", "--speech-file", clip("alexa"),
                       "--ms-per-char", "100")
    r.start(["silence:60"], echo=True, tts__backend="openai",
            tts__url=f"http://127.0.0.1:{tts.port}/v1/audio/speech",
            dsp__aec=aec, **wake_cfg())
    r.wait_frames(20)
    assert r.ctl("ask", "say it")[0] == 0
    r.wait_state("speaking")
    r.wait_state("idle", 60)
    status = r.ctl("wake")[1]
    r.stop()
    return r.log_text(), status


def test_the_speakers_own_voice_does_not_wake_it():
    with rig() as r:
        log, status = own_voice(r, "off")
        # without the canceller the word is loud in the microphone: it is
        # detected, and refused, for no voice stands over the echo
        assert "no voice over the speaker's own output: ignored" in log, status
        assert not re.search(r"Alexa detected \(0\.\d\d\): listening", log)
        assert re.search(r"alexa +on +probability [0-9.]+, window [0-9.]+ of [0-9.]+; "
                         r"detected 0, own output [1-9]", status), status
    with rig() as r:
        log, status = own_voice(r, "fixed")
        assert not re.search(r"Alexa detected \(0\.\d\d\): listening", log)
        assert "detected 0," in status, status


def test_the_word_over_the_answer_interrupts_it():
    alexa = clip("alexa")
    long_answer = " ".join(f"This is sentence number {i} of a long answer." for i in range(1, 30))
    with rig() as r:
        r.start_stt("--transcript", "stop")
        r.start_ollama("--answer", long_answer, "--token-rate", "0")
        r.start(["silence:7", alexa, "silence:0.5", SPEECH, "silence:60"], echo=True,
                **wake_cfg())
        r.wait_frames(20)
        assert r.ctl("ask", "tell me something long")[0] == 0
        r.wait_state("speaking")
        assert r.frames() < 600, "the answer started too late for this test"
        wait_upload(r)
        r.stop()
        log = r.log_text()
        assert re.search(r"wake: Alexa detected \(0\.\d\d\): listening", log), log[-3000:]
        assert "barge-in while speaking" in log
        turns = r.turns()
        assert turns[0]["outcome"] == "barge-in", turns
        assert turns[-1]["source"] == "wake", turns


def test_muted_the_detector_hears_nothing_and_words_switch_off():
    alexa = clip("alexa")
    with rig() as r:
        r.start_stt("--transcript", "nothing")
        # the word at 2 s (turned off), at 7.6 s (wakes it), at 16.2 s (muted)
        r.start(["silence:2", alexa, "silence:5", alexa, "silence:8", alexa, "silence:60"],
                **wake_cfg(endpoint__no_speech_ms=1500))
        rc, out, err = r.ctl("wake", "off", "alexa")
        assert rc == 0 and re.search(r"alexa +off", out), (out, err)
        rc, out, err = r.ctl("wake", "off", "jarvis")
        assert rc != 0 and "no wake word jarvis; there are: alexa" in err, (out, err)
        r.wait_frames(650)  # the first word has passed unheard
        assert r.ctl("wake", "on", "alexa")[0] == 0
        wait_log(r, r"Alexa detected \(0\.\d\d\): listening")
        r.wait_state("idle")
        for _ in range(2):  # a double press mutes (button.double_action)
            assert r.ctl("button", "press")[0] == 0
            time.sleep(0.08)
            assert r.ctl("button", "release")[0] == 0
            time.sleep(0.08)
        wait_log(r, "microphone muted")
        rc, out, _ = r.ctl("wake")
        assert "muted: not listening" in out, out
        r.wait_frames(1624 + 200)  # the third word has passed
        rc, out, _ = r.ctl("stats")
        r.stop()
        log = r.log_text()
        assert len(re.findall(r"Alexa detected", log)) == 1, log[-3000:]
        assert re.search(r"wake words: alexa: 1 detected, 0 own output", out), out


def test_two_words_each_wake_with_their_own_name():
    alexa, mycroft = clip("alexa"), clip("hey_mycroft")
    with rig() as r:
        r.start_stt("--transcript", "hello")
        r.start_ollama("--answer", "Hi.")
        r.start(["silence:2", mycroft, "silence:0.5", SPEECH, "silence:6", alexa,
                 "silence:0.5", SPEECH, "silence:60"], **wake_cfg("alexa, hey_mycroft"))
        r.wait_turns(2, 60)
        rc, out, _ = r.ctl("wake")
        r.stop()
        log = r.log_text()
        order = re.findall(r"wake: (\w[\w ]*) detected \(", log)
        assert order == ["Hey Mycroft", "Alexa"], order
        assert re.search(r"hey_mycroft +on .*detected 1,", out), out
        assert re.search(r"alexa +on .*detected 1,", out), out
        assert re.search(r"\d+s ago +alexa +detected", out), out


def test_a_missing_model_is_said_and_the_button_works():
    with rig() as r:
        r.start_stt("--transcript", "hello")
        r.start_ollama("--answer", "Hi.")
        r.start(["silence:1", SPEECH, "silence:60"], **wake_cfg("no_such_word"))
        wait_log(r, r"no wake word: wake.words: no_such_word: no model "
                    + re.escape(MODELS) + r"/no_such_word.tflite")
        # said aloud: over a second of speech on the speaker, before any turn
        deadline = time.monotonic() + 30
        while sum(1 for v in r.playback_samples() if abs(v) > 1000) < 1600:
            assert time.monotonic() < deadline, "nothing was said"
            time.sleep(0.1)
        assert r.turns() == []
        r.wait_state("idle")
        r.tap()
        r.wait_turns(1)
        r.stop()
        assert r.turns()[0]["outcome"] == "ok"


def test_record_keeps_the_detections():
    alexa = clip("alexa")
    with rig() as r:
        r.start(["silence:3", alexa, "silence:4", alexa, "silence:4", alexa, "silence:60"],
                **wake_cfg(endpoint__no_speech_ms=1500))
        # off by default; turned on live from the console
        rc, out, err = r.ctl("set", "wake.record", "2")
        assert rc == 0, (out, err)
        deadline = time.monotonic() + 60
        while len(re.findall(r"wake.record: kept", r.log_text())) < 3:
            assert time.monotonic() < deadline, r.log_text()[-2000:]
            time.sleep(0.1)
        r.stop()
        d = os.path.dirname(r.recording("x"))
        kept = sorted(f for f in os.listdir(d) if f.startswith("wake-"))
        assert len(kept) == 2, kept  # the oldest of three is gone
        rate, ch, _, pcm = read_wav(os.path.join(d, kept[-1]))
        assert (rate, ch, len(pcm)) == (16000, 1, 32000)
        # the word is in it: loud audio in its last second
        assert max(abs(v) for v in pcm[16000:]) > 2000


def test_wake_stats_in_status_and_the_cutoffs_in_force():
    clip("alexa")
    with rig() as r:
        r.start(["silence:60"], **wake_cfg("alexa, hey_mycroft:0.5"))
        st = r.status()
        r.stop()
        assert st["wake"] == ("alexa: 0 detected, 0 own output, 0 near misses; "
                              "hey_mycroft: 0 detected, 0 own output, 0 near misses"), st
        log = r.log_text()
        # parley's tuned cutoff for a published model (floor(0.87 x 255)
        # / 255), and a word's own
        assert re.search(r"wake: Alexa \(.*\): .*cutoff 0\.87 over 5 outputs", log), log
        assert re.search(r"wake: Hey Mycroft \(.*\): .*cutoff 0\.50 over 5 outputs", log), log
    with rig() as r:
        r.start(["silence:60"], **wake_cfg("alexa", wake__cutoff=0.95))
        r.stop()
        assert re.search(r"wake: Alexa \(.*\): .*cutoff 0\.95 over 5 outputs", r.log_text())
    with rig() as r:
        conf = r.write_config(**wake_cfg("alexa:1.5"))
        p = subprocess.run([PARLEYD, "-t", "-c", conf], capture_output=True, text=True)
        assert p.returncode != 0 and "'alexa:1.5': the cutoff after ':' must be a " \
            "probability between 0 and 1" in p.stderr, p.stderr
    with rig() as r:
        r.start(["silence:60"])
        st = r.status()
        r.stop()
        assert st["wake"] == "off", st


def test_the_word_stops_a_ringing_timer():
    """A timer rings (its earcon and label through the speaker, played back
    by the room); the word said over it stops the ringing, as a press
    does, and opens no turn."""
    alexa = clip("alexa")
    with rig() as r:
        r.start_ollama("--tool-call", "set_timer", '{"seconds": 2, "label": "tea"}',
                       "--answer", "Done.")
        r.start(["silence:9", alexa, "silence:60"], echo=True, **wake_cfg())
        r.wait_frames(20)
        assert r.ctl("ask", "a timer for two seconds")[0] == 0
        wait_log(r, r"timers: timer 'tea' rings", 20)
        assert r.frames() < 800, "the timer rang too late for this test"
        wait_log(r, r"wake: Alexa detected \(0\.\d\d\): the ringing stops", 20)
        wait_log(r, r"timers: 'tea' stopped")
        rc, out, _ = r.ctl("timers")
        r.stop()
        assert "ringing: no" in out, out
        assert len(r.turns()) == 1  # the ask; the word opened none
