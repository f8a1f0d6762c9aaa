# SPDX-License-Identifier: MIT
"""parleyd as a Wyoming satellite of Home Assistant (issue 18), against an
"HA" built on the real `wyoming` library and scripted as Home Assistant's
wyoming integration behaves (tests/peers/ha_satellite.py): whole turns from
a tap to `played`, Home Assistant leaving mid-turn, sending garbage, a
second client, a timer, satellite.allow, and Home Assistant away.
Skipped when the library is not beside the repository."""
import contextlib
import os
import subprocess
import sys
import tempfile
import time

from common import PARLEYD, SPEECH, rig, sound_span
from rig import ROOT
from test_real_wyoming import need_library
from test_turn import LEAD_S

SAT = {"satellite__enable": True, "satellite__port": 0,
       "satellite__bind": "127.0.0.1", "satellite__name": "kitchen speaker",
       "satellite__area": "Kitchen",
       # HA here is on loopback: the list lets it in (the refusal is tested
       # with another list)
       "satellite__allow": "127.0.0.0/8, ::1"}


def ha_module():
    need_library()
    peers = os.path.join(ROOT, "tests", "peers")
    if peers not in sys.path:
        sys.path.insert(0, peers)
    import ha_satellite
    return ha_satellite


def sat_port(r):
    """The port parleyd listens on (satellite.port = 0: the kernel's)."""
    line = r.status()["satellite"]
    addr = line.split("listening on ", 1)[1].split(",", 1)[0]
    return int(addr.rsplit(":", 1)[1])


def wait_status(r, key, want, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        v = r.status()[key]
        if want(v):
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"status {key}: {v}")
        time.sleep(0.02)


def wait_log(r, text, timeout=20):
    deadline = time.monotonic() + timeout
    while text not in r.log_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no '{text}' in the log\n" + r.log_text()[-3000:])
        time.sleep(0.02)


def error_said(r, detail, spoken):
    """The turn is stored as an error with detail, spoken is said, and the
    speaker is idle again."""
    r.wait_turns(1)
    (t,) = r.turns()
    assert t["outcome"] == "error" and detail in t["error"], t
    wait_log(r, spoken)
    r.wait_state("idle")


def connect(r, hs, **kw):
    """HA connects and runs the satellite (it has sent run-satellite)."""
    ha = hs.HA(sat_port(r), **kw)
    if kw.get("run_satellite", True):
        wait_status(r, "satellite_stage", lambda v: v == "ready")
    return ha


@contextlib.contextmanager
def tapped(silence_s=8, **ha_kw):
    """parleyd with the recording in its capture and HA connected, then a
    tap before the speech: yields (rig, ha, the HA module)."""
    hs = ha_module()
    with rig() as r:
        r.start([f"silence:{LEAD_S}", SPEECH, f"silence:{silence_s}"], **SAT)
        ha = connect(r, hs, **ha_kw)
        try:
            r.wait_frames(100)
            r.tap()
            yield r, ha, hs
        finally:
            ha.close()


def test_a_whole_turn_through_home_assistant():
    with tapped(tts_ms=900) as (r, ha, hs):
        # describe -> info with the satellite entry (wyoming/info.py)
        ha.wait("info")
        sat = ha.info.satellite
        assert sat is not None and sat.name == "kitchen speaker", ha.info
        assert sat.area == "Kitchen" and sat.installed
        assert ha.info.mic[0].mic_format.rate == 16000
        st = r.status()
        assert "connected from 127.0.0.1:" in st["satellite"], st
        (run,) = ha.wait("run-pipeline")
        assert run[2]["start_stage"] == "asr" and run[2]["end_stage"] == "tts", run
        ha.wait("audio-stop")
        # the utterance reached HA: over a second of 16 kHz audio
        assert ha.mic_bytes > 16000 * 2, ha.mic_bytes
        starts = ha.events("audio-start")
        assert starts[0][2]["rate"] == 16000 and starts[0][2]["width"] == 2
        # its answer is played, then played goes back
        ha.wait("played", timeout=30)
        r.wait_state("idle")
        r.wait_turns(1)
        (t,) = r.turns()
        assert t["outcome"] == "ok", t
        assert t["source"] == "ha"
        assert t["transcript"] == ha.transcript
        assert t["answer"] == ha.answer_text
        # played comes after the last chunk HA sent
        assert ha.events("played")[0][0] > ha.sent_at("audio-stop")[-1]
        assert "listening on" in r.status()["satellite"]
        r.stop()
        # the 22 050 Hz tone, resampled to 16 kHz, plays at its length
        span = sound_span(r.playback_samples())
        assert span, "nothing was played"
        secs = (span[1] - span[0]) / 16000
        assert abs(secs - ha.tts_ms / 1000) < 0.1, secs


def test_home_assistant_ending_the_speech_with_its_vad():
    with tapped(vad_ms=600) as (r, ha, hs):
        ha.wait("audio-stop")
        # voice-stopped ends the stream: no more than what came before it
        # and the chunks already on their way
        assert ha.mic_bytes < 16000 * 2 * 1.5, ha.mic_bytes
        ha.wait("played", timeout=30)
        r.wait_turns(1)
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["transcript"] == ha.transcript, t
        assert "Home Assistant heard" in r.log_text()


def test_home_assistant_leaving_mid_turn_is_said():
    with tapped(answer="none") as (r, ha, hs):
        ha.wait("audio-stop")
        ha.close()
        error_said(r, "went away", "Home Assistant went away.")
        assert r.status()["satellite_stage"] == "waiting for Home Assistant"
        # the next connection is taken
        connect(r, hs).close()


def test_garbage_from_home_assistant_drops_it_and_the_next_one_is_served():
    hs = ha_module()
    with rig() as r:
        r.start(["silence:20"], **SAT)
        ha = connect(r, hs)
        ha.send_raw(b"this is not a wyoming header\n")
        ha.wait_closed()
        wait_log(r, "sent what is not Wyoming")
        assert "not a JSON object" in r.log_text()
        ha.close()
        wait_status(r, "satellite_stage", lambda v: v == "waiting for Home Assistant")
        ha2 = connect(r, hs)
        ha2.wait("info")
        ha2.close()


def test_a_second_client_is_refused():
    hs = ha_module()
    with rig() as r:
        r.start(["silence:20"], **SAT)
        ha = connect(r, hs)
        try:
            other = hs.HA(sat_port(r), ping=False, greet=False)
            other.wait_closed()
            (err,) = other.events("error")
            assert err[2]["code"] == "busy", err
            other.close()
            wait_log(r, "refused: another Home Assistant connection")
            # the first is still served
            ha.send(hs.Ping(text="still here").event())
            deadline = time.monotonic() + 10
            while not any(e[2].get("text") == "still here" for e in ha.events("pong")):
                assert time.monotonic() < deadline, ha.types()
                time.sleep(0.02)
            assert "connected from" in r.status()["satellite"]
        finally:
            ha.close()


def test_satellite_allow_refuses_other_addresses():
    hs = ha_module()
    with rig() as r:
        # on "::", an IPv4 client comes as ::ffff:127.0.0.1 and is judged
        # as 127.0.0.1
        r.start(["silence:20"], **dict(SAT, satellite__bind="::",
                                       satellite__allow="10.0.0.0/8, fd00::/8"))
        assert "listening on [::]:" in r.status()["satellite"]
        ha = hs.HA(sat_port(r), ping=False, greet=False)
        ha.wait_closed()
        (err,) = ha.events("error")
        assert err[2]["code"] == "not-allowed", err
        ha.close()
        wait_log(r, "not in satellite.allow")
        assert "connection from 127.0.0.1:" in r.log_text()
        assert "waiting for Home Assistant" in r.status()["satellite_stage"]


def test_a_timer_from_home_assistant_rings_here():
    hs = ha_module()
    from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted
    with rig() as r:
        r.start(["silence:30"], **SAT)
        ha = connect(r, hs)
        try:
            ha.send(TimerStarted(id="01J1", total_seconds=600, name="pasta").event())
            ha.send(TimerStarted(id="01J2", total_seconds=600, name="tea").event())
            deadline = time.monotonic() + 10
            while "tea" not in r.ctl("timers")[1]:
                assert time.monotonic() < deadline, r.ctl("timers")
                time.sleep(0.02)
            # idle with timers pending: the LED shows the timer pattern
            wait_status(r, "led", lambda v: v == "timer")
            ha.send(TimerCancelled(id="01J1").event())
            ha.send(TimerFinished(id="01J2").event())
            wait_status(r, "ringing", lambda v: v == "tea")
            assert "pasta" not in r.ctl("timers")[1]
            # the ring's earcon and the spoken label reach the speaker
            deadline = time.monotonic() + 10
            while not sound_span(r.playback_samples()):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert r.status()["led"] in ("ringing", "idle")
            assert r.ctl("timers", "stop")[0] == 0
            wait_status(r, "ringing", lambda v: v == "no")
            # none pending any more: idle again
            wait_status(r, "led", lambda v: v == "idle")
        finally:
            ha.close()


def test_an_error_from_home_assistant_is_said():
    with tapped(answer="error") as (r, ha, hs):
        error_said(r, "stt-no-text-recognized", "Home Assistant says: No text recognized")
        assert not ha.events("played")


def test_a_press_stops_home_assistants_answer():
    with tapped(silence_s=12, tts_ms=2500) as (r, ha, hs):
        r.wait_state("speaking", 30)
        # half a second of the answer is out, then the press
        start = int(r.status()["played_samples"])
        wait_status(r, "played_samples", lambda v: int(v) > start + 8000)
        assert r.ctl("button", "press")[0] == 0
        ha.wait("played")
        ha.wait("run-pipeline", 2)  # the press listens again, to HA
        r.wait_state("listening")
        assert r.ctl("button", "release")[0] == 0
        (t,) = r.turns()[:1]
        assert t["outcome"] == "barge-in", t
        ha.close()
        r.stop()
        # the answer stopped: far less than its 2.5 s was played
        span = sound_span(r.playback_samples())
        assert span and 0.4 < (span[1] - span[0]) / 16000 < 2.0, span


def test_home_assistant_away_parley_answers_itself():
    with rig() as r:
        r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", "Going forward now.", "--token-rate", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], **SAT)
        assert r.status()["satellite_stage"] == "waiting for Home Assistant"
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 40)
        (t,) = r.turns()
        assert t["outcome"] == "ok" and t["source"] == "voice", t
        assert t["answer"] == "Going forward now."


def test_home_assistant_away_is_said_when_asked_to():
    with rig() as r:
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], **SAT,
                satellite__away="say")
        r.wait_frames(100)
        r.tap()
        r.wait_turns(1, 40)
        (t,) = r.turns()
        assert t["outcome"] == "error" and "not connected" in t["error"], t
        wait_log(r, "I can't reach Home Assistant.")


def test_paused_by_home_assistant_turns_stay_here():
    hs = ha_module()
    with rig() as r:
        r.start_stt("--transcript", "go forward ten meters")
        r.start_ollama("--answer", "Going forward now.", "--token-rate", "0")
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:8"], **SAT)
        ha = connect(r, hs)
        try:
            ha.pause()
            wait_status(r, "satellite_stage", lambda v: v == "paused")
            r.wait_frames(100)
            r.tap()
            r.wait_turns(1, 40)
            (t,) = r.turns()
            assert t["source"] == "voice" and t["outcome"] == "ok", t
            assert not ha.events("run-pipeline")
        finally:
            ha.close()


def test_a_follow_up_is_a_second_run_pipeline():
    hs = ha_module()
    with rig() as r:
        # a question, a pause while the answer plays, then the follow-up
        r.start([f"silence:{LEAD_S}", SPEECH, "silence:3", SPEECH, "silence:8"],
                **SAT, conversation__follow_up_ms=5000)
        ha = connect(r, hs, tts_ms=300)
        try:
            r.wait_frames(100)
            r.tap()
            ha.wait("played", timeout=30)
            # no press: the follow-up window hears the second question
            runs = ha.wait("run-pipeline", 2, timeout=30)
            assert runs[1][0] > ha.events("played")[0][0]
            ha.wait("played", 2, timeout=30)
            r.wait_turns(2)
            assert [t["source"] for t in r.turns()] == ["ha", "ha"]
            assert all(t["outcome"] == "ok" for t in r.turns()), r.turns()
        finally:
            ha.close()


def test_bad_satellite_settings_are_named_and_peers_stay_in_the_file():
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write('satellite = {\n\tenable = true;\n\tallow = "10.0.0.0/33";\n'
                '\tbind = "eth0:1";\n\taway = "maybe";\n};\n')
        f.flush()
        p = subprocess.run([PARLEYD, "-t", "-c", f.name], capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    assert ':3: satellite.allow = "10.0.0.0/33": \'10.0.0.0/33\': the prefix must be 0 to 32 bits' in p.stderr, p.stderr
    assert ':4: satellite.bind = "eth0:1": must be an IPv4 or IPv6 address' in p.stderr, p.stderr
    assert ':5: satellite.away = "maybe": must be one of "local", "say"' in p.stderr, p.stderr
    with rig() as r:
        r.start(["silence:10"], **SAT)
        # where Home Assistant may connect from is the file's alone
        for key, value in (("satellite.allow", "0.0.0.0/0"), ("satellite.bind", "0.0.0.0"),
                           ("satellite.port", "10700")):
            rc, out, err = r.ctl("set", key, value)
            assert rc == 1 and key in out + err, (key, out, err)
        assert r.ctl("set", "satellite.away", "say")[0] == 0


def test_a_wake_word_sends_its_detection_before_the_run():
    """Our own wake word starts Home Assistant's pipeline at speech-to-text:
    `detection` with the model's name first, which HA resolves to the
    phrase the info offered, then `run-pipeline` naming it; the word's own
    audio stays here."""
    from test_wake_daemon import clip, wake_cfg
    hs = ha_module()
    alexa = clip("alexa")
    with rig() as r:
        r.start(["silence:3", alexa, "silence:0.5", SPEECH, "silence:10"],
                **SAT, **wake_cfg("alexa,hey_mycroft"))
        ha = connect(r, hs)
        try:
            ha.wait("info")
            sat = ha.info.satellite
            assert sat.active_wake_words == ["alexa", "hey_mycroft"], sat
            assert sat.max_active_wake_words == 2
            models = {m.name: m.phrase for m in ha.info.wake[0].models}
            assert models == {"alexa": "Alexa", "hey_mycroft": "Hey Mycroft"}, models
            (run,) = ha.wait("run-pipeline", timeout=30)
            assert run[2]["start_stage"] == "asr" and run[2]["wake_word_name"] == "alexa", run
            kinds = [k for _, k, _, _ in ha.got]
            det = kinds.index("detection")
            assert det < kinds.index("run-pipeline"), kinds
            assert ha.got[det][2]["name"] == "alexa"
            assert ha.run_phrases == ["Alexa"], ha.run_phrases
            ha.wait("played", timeout=30)
            r.wait_turns(1)
            (t,) = r.turns()
            assert t["source"] == "ha-wake" and t["outcome"] == "ok", t
            # the request reached HA, not the word: about the speech's length
            assert 16000 * 2 * 1.2 < ha.mic_bytes < 16000 * 2 * 3.5, ha.mic_bytes
            # a word turned off leaves HA's list
            assert r.ctl("wake", "off", "hey_mycroft")[0] == 0
            ha.send(hs.Describe().event())
            ha.wait("info", 2)
            assert ha.info.satellite.active_wake_words == ["alexa"], ha.info.satellite
        finally:
            ha.close()
        r.stop()
