# SPDX-License-Identifier: MIT
"""The audio engine's formats and levels, measured on the file-backed
devices: playback at 48 kHz with an echo reference that is what was written
(checked against sox's own resampling of the playback file), capture at 44.1
and 48 kHz resampled to 16 kHz, stereo capture with a channel picked or
mixed, software volume measured on the playback file, and the earcons at
the start and end of listening."""
import array
import math
import os
import signal
import subprocess
import time

from common import SPEECH, Skip, rig
from rig import read_raw, read_wav


# The capture path alone: no canceller, noise suppressor or AGC to change
# the tones and echoes these tests measure (nor the chain's latency).
RAW = dict(dsp__aec="off", dsp__ns_db=0, dsp__agc=False)

def goertzel(x, hz, rate):
    """Amplitude of the hz component of x (a sine of peak A gives ~A)."""
    w = 2 * math.pi * hz / rate
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - c * s1 * s2
    return 2 * math.sqrt(max(power, 0.0)) / len(x)


def sine(hz, rate, secs, amp):
    return [int(amp * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(rate * secs))]


def write_raw(path, samples):
    with open(path, "wb") as f:
        f.write(array.array("h", samples).tobytes())


def record(r, secs, name, what="mic"):
    rc, out, err = r.ctl("record", str(secs), name, what)
    assert rc == 0, err
    return read_wav(r.recording(name))[3]


def loud(x, rate, hz, secs):
    """secs of x from the middle of its sounding part (where 10 ms frames
    are within 12 dB of the loudest)."""
    peaks = [max(abs(v) for v in x[i:i + 160]) for i in range(0, len(x) - 159, 160)]
    top = max(peaks)
    on = [i for i, p in enumerate(peaks) if p > top / 4]
    mid = (on[0] + on[-1]) * 160 // 2
    n = int(secs * rate)
    assert (on[-1] - on[0]) * 160 >= n, "the sound is shorter than the window"
    return x[mid - n // 2:mid - n // 2 + n]


def test_playback_at_48k_and_its_16k_reference():
    with rig() as r:
        r.start(["silence:60"], audio__playback_rate=48000)
        r.wait_frames(30)
        ref_path = r.recording("ref.wav")
        rec = subprocess.Popen([os.path.join(r.build, "parleyctl"), "-s", r.socket,
                                "record", "4", "ref.wav", "ref"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.2)
        assert r.ctl("say", "Seven silver swans swam south.")[0] == 0
        assert rec.wait(20) == 0, rec.stderr.read()
        r.wait_state("idle", 20)
        assert r.stop() == 0
        rate, ch, bits, ref = read_wav(ref_path)
        assert (rate, ch, bits) == (16000, 1, 16)
        # the played file, brought to 16 kHz by sox: an independent resampler
        sox16 = os.path.join(r.dir, "played16.raw")
        subprocess.run(["sox", "-t", "raw", "-r", "48000", "-e", "signed", "-b", "16",
                        "-c", "1", r.playback, "-t", "raw", "-r", "16000", sox16],
                       check=True)
        played = read_raw(sox16)
        assert max(abs(v) for v in ref) > 3000, "no speech in the reference"
        # where the reference sits in what was played
        best, best_err = None, None
        seg = loud(ref, 16000, 0, 1.0)
        start = ref.tobytes().find(seg.tobytes()) // 2
        energy = sum(v * v for v in seg)
        for off in range(0, len(played) - len(seg)):
            # coarse search on a decimated sum first
            if off % 4:
                continue
            e = sum((seg[i] - played[off + i]) ** 2 for i in range(0, len(seg), 8))
            if best_err is None or e < best_err:
                best, best_err = off, e
        fine = min(range(max(0, best - 4), min(len(played) - len(seg), best + 5)),
                   key=lambda o: sum((seg[i] - played[o + i]) ** 2 for i in range(len(seg))))
        err = sum((seg[i] - played[fine + i]) ** 2 for i in range(len(seg)))
        snr = 10 * math.log10(energy / max(err, 1))
        # the reference is the played signal, sample for sample, at 16 kHz
        print(f"reference vs sox-resampled playback: {snr:.1f} dB")
        assert snr > 20, snr
        # and the whole recording follows at the same offset (same rate)
        off = fine - start
        tail = ref[start + len(seg):start + len(seg) + 8000]
        if len(tail) > 1000 and sum(v * v for v in tail) > 1e6 * len(tail) / 100:
            e2 = sum((tail[i] - played[off + start + len(seg) + i]) ** 2 for i in range(len(tail)))
            assert 10 * math.log10(sum(v * v for v in tail) / max(e2, 1)) > 15


def test_volume_scales_playback():
    with rig() as r:
        # no such hardware control here: said once, software volume instead
        r.start(["silence:60"], audio__volume=100, audio__mixer_control="NoSuchVolume")
        r.wait_frames(30)
        assert "audio.mixer_control 'NoSuchVolume'" in r.log_text()
        assert "using software volume" in r.log_text()
        for v in ("100", "50"):
            assert r.ctl("volume", v)[0] == 0
            assert r.ctl("tone", "1000", "300")[0] == 0
            r.wait_state("speaking", 5)
            r.wait_state("idle", 10)
        rc, out, err = r.ctl("volume", "101")
        assert rc == 1 and "usage: volume [0..100]" in err
        assert r.ctl("set", "audio.volume", "30")[0] == 0
        assert r.status()["volume"] == "30"
        # and from the file on SIGHUP
        r.write_config(audio__volume=70, audio__mixer_control="NoSuchVolume")
        os.kill(r.daemon.pid, signal.SIGHUP)
        deadline = time.monotonic() + 5
        while r.status()["volume"] != "70" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.status()["volume"] == "70"
        assert r.stop() == 0
        pb = r.playback_samples()
        # two tone bursts, back to back: the first 100 ms and the last
        on = [i for i, v in enumerate(pb) if abs(v) > 20]
        bursts = [max(abs(v) for v in pb[on[0]:on[0] + 1600]),
                  max(abs(v) for v in pb[on[-1] - 1600:on[-1]])]
        db = 20 * math.log10(bursts[1] / bursts[0])
        # 50 % is 25 dB down (0.5 dB a step)
        assert abs(db + 25) < 0.3, db


def test_stereo_capture_picks_or_mixes_a_channel():
    left, right = sine(500, 16000, 3, 8000), sine(1500, 16000, 3, 8000)
    for ch, want500, want1500 in ((0, 8000, 0), (1, 0, 8000), (-1, 4000, 4000)):
        with rig() as r:
            stereo = [0] * (2 * len(left))
            stereo[0::2], stereo[1::2] = left, right
            path = os.path.join(r.dir, "stereo.raw")
            write_raw(path, stereo)
            r.start(["silence:0.3", path, "silence:60"],
                    feeder_args=["--channels", "2"],
                    audio__capture_channels=2, audio__capture_channel=ch, **RAW)
            x = loud(record(r, 3, "mic.wav"), 16000, 0, 1.0)
            a500, a1500 = goertzel(x, 500, 16000), goertzel(x, 1500, 16000)
            assert abs(a500 - want500) < 400, (ch, a500, a1500)
            assert abs(a1500 - want1500) < 400, (ch, a500, a1500)
            assert r.stop() == 0


def test_capture_at_44k1_and_48k_is_resampled():
    for rate in (48000, 44100):
        with rig() as r:
            path = os.path.join(r.dir, "tone.raw")
            write_raw(path, sine(1000, rate, 2, 8000))
            r.start(["silence:0.3", path, "silence:60"],
                    feeder_args=["--rate", str(rate)], audio__capture_rate=rate, **RAW)
            x = loud(record(r, 3, "mic.wav"), 16000, 0, 1.0)
            # a 1 kHz tone at 16 kHz, at its level; at the wrong rate it
            # would sit at 1000 * rate / 16000 Hz
            a = goertzel(x, 1000, 16000)
            wrong = goertzel(x, 1000 * rate / 16000, 16000)
            assert abs(20 * math.log10(a / 8000)) < 1.0, (rate, a)
            assert wrong < a / 100, (rate, a, wrong)
            assert r.stop() == 0


def test_earcons_mark_listening():
    with rig() as r:
        r.start_stt("--delay-ms", "600")  # the answer comes after the chimes
        r.start_ollama("--answer", "Fine.", "--token-rate", "0")
        r.start(["silence:0.6", SPEECH, "silence:60"], audio__earcons=True)
        r.wait_frames(30)
        r.ctl("button", "press")
        r.wait_state("listening", 5)
        time.sleep(3.0)
        r.ctl("button", "release")
        r.wait_turns(1, 20)
        r.wait_state("idle", 20)
        assert int(r.status()["earcons"]) == 2
        assert r.stop() == 0
        pb = r.playback_samples()
        first = next(i for i, v in enumerate(pb) if abs(v) > 64)
        start = pb[first:first + 3000]
        # listen start: E5 then A5
        assert goertzel(start[100:1000], 659, 16000) > 4 * goertzel(start[100:1000], 880, 16000)
        assert goertzel(start[1300:2700], 880, 16000) > 4 * goertzel(start[1300:2700], 659, 16000)
        # it is short and ends in silence before the user is heard
        assert max(abs(v) for v in pb[first + 2900:first + 3300]) < 64
        # the stop earcon comes next: A5 then E5
        second = next(i for i in range(first + 3300, len(pb)) if abs(pb[i]) > 64)
        stop = pb[second:second + 3000]
        assert goertzel(stop[100:1000], 880, 16000) > 4 * goertzel(stop[100:1000], 659, 16000)
        assert goertzel(stop[1300:2700], 659, 16000) > 4 * goertzel(stop[1300:2700], 880, 16000)


def test_error_earcon_when_nothing_was_heard():
    with rig() as r:
        r.start(["silence:60"], audio__earcons=True)
        r.wait_frames(30)
        r.ctl("button", "press")
        r.wait_state("listening", 5)
        time.sleep(0.5)
        r.ctl("button", "release")
        r.wait_turns(1, 20)
        r.wait_state("idle", 20)
        # start chime, then the error chime (which replaces the stop chime)
        assert int(r.status()["earcons"]) == 2
        assert r.stop() == 0
        pb = r.playback_samples()
        first = next(i for i, v in enumerate(pb) if abs(v) > 64)
        second = next(i for i in range(first + 3300, len(pb)) if abs(pb[i]) > 64)
        # A4 leads the error chime, over the start of the spoken notice
        assert goertzel(pb[second + 200:second + 1800], 440, 16000) > 2500


def test_realtime_priority_and_mlock_are_applied_or_logged():
    with rig() as r:
        r.start(["silence:60"], audio__rt_priority=10, audio__mlock=True)
        r.wait_frames(50)
        log = r.log_text()
        # either granted (said at info) or refused (said as a warning);
        # the engine runs on in both cases
        assert ("audio thread at SCHED_FIFO priority 10" in log or
                "audio.rt_priority 10: SCHED_FIFO refused" in log), log[-2000:]
        # AddressSanitizer intercepts mlockall and makes it a no-op that
        # reports success, so only an unsanitised daemon shows locked pages
        if not os.environ.get("PARLEY_SANITIZED"):
            with open("/proc/%d/status" % r.daemon.pid) as f:
                locked = [l for l in f if l.startswith("VmLck:")][0]
            assert (int(locked.split()[1]) > 0 or
                    "audio.mlock: mlockall refused" in log), locked
        r.wait_frames(r.frames() + 30)
        assert r.stop() == 0


def test_reference_leads_the_echo_it_explains():
    """The feeder plays the playback file back into the microphone 30 ms
    later (a one-tap room).  The reference recorded beside the microphone
    ("record ... both") must come before that echo (the canceller can only
    model a causal path) and by no more than the tap plus the playback
    buffer (3 periods): further off would be an alignment bug."""
    if os.environ.get("PARLEY_VALGRIND"):
        raise Skip("the feeder's room waits 20 ms for each playback period")
    for rate in (16000, 48000):
        with rig() as r:
            r.start(["silence:60"], echo=["30:0.5"], audio__playback_rate=rate, **RAW)
            r.wait_frames(30)
            path = r.recording("both.wav")
            rec = subprocess.Popen([os.path.join(r.build, "parleyctl"), "-s", r.socket,
                                    "record", "4", "both.wav", "both"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.2)
            assert r.ctl("say", "Seven silver swans swam south.")[0] == 0
            assert rec.wait(20) == 0, rec.stderr.read()
            assert r.stop() == 0
            srate, ch, _, pcm = read_wav(path)
            assert (srate, ch) == (16000, 2)
            mic, ref = pcm[0::2], pcm[1::2]

            def corr(lag, step):
                return sum(mic[i] * ref[i - lag] for i in range(2000, len(mic) - 2000, step))

            coarse = max(range(-800, 1600, 4), key=lambda L: corr(L, 3))
            lag = max(range(coarse - 4, coarse + 5), key=lambda L: corr(L, 1))
            assert 480 <= lag <= 480 + 480, (rate, lag)


def test_audio_limits_are_named():
    import tempfile
    from common import PARLEYD
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "parley.conf")
        with open(conf, "w") as f:
            f.write("audio = {\n\tplayback_periods = 4;\n\tcapture_rate = 44150;\n"
                    "\tcapture_channels = 9;\n};\n")
        p = subprocess.run([PARLEYD, "-t", "-c", conf],
                           capture_output=True, text=True)
        assert p.returncode != 0
        assert f"{conf}:2: audio.playback_periods = 4: must be an integer from 2 to 3" in p.stderr
        assert f"{conf}:3: audio.capture_rate = 44150: must be a multiple of 100 Hz" in p.stderr
        assert f"{conf}:4: audio.capture_channels = 9: must be an integer from 1 to 8" in p.stderr
        with open(conf, "w") as f:
            f.write("audio = {\n\tcapture_channels = 2;\n\tcapture_channel = 2;\n};\n")
        p = subprocess.run([PARLEYD, "-t", "-c", conf],
                           capture_output=True, text=True)
        assert p.returncode != 0
        assert ("audio.capture_channel = 2: must be -1 (mix) or below "
                "audio.capture_channels (2)") in p.stderr, p.stderr
