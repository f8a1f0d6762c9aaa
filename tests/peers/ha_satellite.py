# SPDX-License-Identifier: MIT
"""Home Assistant's side of a Wyoming satellite, for the tests: built on the
real `wyoming` library (its AsyncTcpClient and event classes) and scripted
as Home Assistant's wyoming integration behaves
(homeassistant/components/wyoming/assist_satellite.py in home-assistant/core).
It is a test instrument, not Home Assistant: there is no STT, no intent
and no TTS engine behind it; the transcript and the answer are given, the
answer's audio is a tone at the TTS rate Home Assistant asks its engines
for (_TTS_SAMPLE_RATE, 22050 Hz).

It runs on its own asyncio loop in a thread, so a test drives parleyd and
this "HA" at once; every event it reads or writes is kept with the
monotonic time it was seen (the benchmark measures with them)."""
import asyncio
import math
import threading
import time

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.pipeline import RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.snd import Played
from wyoming.tts import Synthesize, SynthesizeVoice
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detection

# assist_satellite.py: _TTS_SAMPLE_RATE, _AUDIO_CHUNK_BYTES (1024 samples)
TTS_RATE = 22050
AUDIO_CHUNK_BYTES = 2048
# assist_satellite.py: _PING_SEND_DELAY; _PING_TIMEOUT
PING_DELAY_S = 2
PING_TIMEOUT_S = 5


def tone(ms, rate=TTS_RATE, hz=440, amp=8000):
    n = int(rate * ms / 1000)
    return b"".join(int(amp * math.sin(2 * math.pi * hz * i / rate)).to_bytes(2, "little", signed=True)
                    for i in range(n))


class HA:
    """One Home Assistant connection to the satellite at port.

    answer: "tts" (transcript, synthesize, the audio, as a pipeline that
    ends at the TTS stage does), "error" (its pipeline's error event, as
    on_pipeline_event sends for PipelineEventType.ERROR), or "none" (it
    says nothing after the audio ends).  vad_ms: after that much
    microphone audio, its VAD ends the speech (voice-stopped, as for
    STT_VAD_END), else our audio-stop does."""

    def __init__(self, port, transcript="turn on the kitchen light",
                 answer_text="Turned on the kitchen light.", tts_ms=800,
                 tts_rate=TTS_RATE, answer="tts", vad_ms=None, ping=True,
                 run_satellite=True, greet=True):
        self.port = port
        self.transcript = transcript
        self.answer_text = answer_text
        self.tts_ms = tts_ms
        self.tts_rate = tts_rate
        self.answer = answer
        self.vad_ms = vad_ms
        self.ping = ping
        self.run_satellite = run_satellite
        # greet False: it only listens (a client the satellite refuses
        # must not have written anything, or the close becomes a reset
        # that may take the refusal with it)
        self.greet = greet
        self.got = []  # (monotonic time, type, data, payload bytes)
        self.sent = []  # (monotonic time, type)
        self.mic_bytes = 0
        self.closed = False
        self.info = None
        self.wake_phrase = None  # wake_word_phrase of its event loop
        self.run_phrases = []  # the phrase each run-pipeline ran with
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.client = None
        self._run(self._connect())

    # -- from the test's thread --
    def _run(self, coro, timeout=15):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def send(self, event):
        self._run(self._write(event))

    def send_raw(self, data):
        """Bytes that are not Wyoming (a broken Home Assistant)."""
        async def raw():
            self.client._writer.write(data)
            await self.client._writer.drain()
        self._run(raw())

    def close(self):
        if not self._thread.is_alive():
            return  # closed already
        async def shut():
            for t in list(self._tasks):
                t.cancel()
            try:
                await self.client.disconnect()
            except Exception:
                pass
        try:
            self._run(shut())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def types(self):
        with self._cond:
            return [g[1] for g in self.got]

    def events(self, kind):
        with self._cond:
            return [g for g in self.got if g[1] == kind]

    def wait(self, kind, count=1, timeout=20):
        """Waits until count events of kind have come; returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [g for g in self.got if g[1] == kind]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"HA: no {count} '{kind}' in {timeout} s; got {[g[1] for g in self.got][-20:]}")
                self._cond.wait(left)

    def wait_closed(self, timeout=20):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("HA: the satellite did not close the connection")
                self._cond.wait(left)

    def sent_at(self, kind):
        return [t for t, k in self.sent if k == kind]

    # -- on the loop --
    async def _write(self, event):
        self.sent.append((time.monotonic(), event.type))
        await self.client.write_event(event)

    async def _connect(self):
        self._tasks = set()
        self.client = AsyncTcpClient("127.0.0.1", self.port)
        await self.client.connect()
        # _connect_and_loop: RunSatellite once connected; then each
        # _run_pipeline_loop begins with Describe
        if self.greet and self.run_satellite:
            await self._write(RunSatellite().event())
        if self.greet:
            await self._write(Describe().event())
        self._spawn(self._reader())
        if self.ping:
            self._spawn(self._pinger())

    def _spawn(self, coro):
        t = self._loop.create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def _pinger(self):
        # _send_delayed_ping after each pong; no pong in _PING_TIMEOUT is a
        # lost satellite
        while True:
            await asyncio.sleep(PING_DELAY_S)
            before = len(self.events("pong"))
            await self._write(Ping(text="ha").event())
            deadline = time.monotonic() + PING_TIMEOUT_S
            while len(self.events("pong")) == before:
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.05)

    async def _reader(self):
        pipeline = None
        try:
            while True:
                ev = await self.client.read_event()
                if ev is None:
                    break
                with self._cond:
                    self.got.append((time.monotonic(), ev.type, ev.data,
                                     len(ev.payload or b"")))
                    self._cond.notify_all()
                if Ping.is_type(ev.type):
                    await self._write(Pong(text=Ping.from_event(ev).text).event())
                elif Info.is_type(ev.type):
                    self.info = Info.from_event(ev)
                elif Detection.is_type(ev.type):
                    # the Detection branch: the name, resolved to its
                    # phrase through the wake models of the info
                    self.wake_phrase = Detection.from_event(ev).name
                    for prog in (self.info.wake if self.info else None) or []:
                        for model in prog.models:
                            if model.name == self.wake_phrase:
                                self.wake_phrase = model.phrase or model.name
                elif RunPipeline.is_type(ev.type):
                    # the run is given the last detection's phrase
                    self.run_phrases.append(self.wake_phrase)
                    # _run_pipeline_once: a new run; RunPipeline.from_event
                    # raises on stages it does not know, as HA does
                    RunPipeline.from_event(ev)
                    pipeline = {"audio": 0, "stopped": False, "vad_sent": False}
                    # STT_START: Transcribe with the pipeline's language
                    await self._write(Transcribe(language="en").event())
                elif AudioChunk.is_type(ev.type) and pipeline is not None:
                    pipeline["audio"] += len(ev.payload or b"")
                    self.mic_bytes += len(ev.payload or b"")
                    if pipeline["audio"] == len(ev.payload or b""):
                        await self._write(VoiceStarted(timestamp=0).event())
                    if (self.vad_ms is not None and not pipeline["vad_sent"]
                            and pipeline["audio"] >= self.vad_ms * 32):
                        pipeline["vad_sent"] = True
                        await self._write(VoiceStopped(timestamp=self.vad_ms).event())
                        self._spawn(self._respond())
                elif AudioStop.is_type(ev.type) and pipeline is not None:
                    # the audio queue ends: STT, intent, TTS go on
                    if not pipeline["vad_sent"]:
                        self._spawn(self._respond())
                    pipeline = None
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    async def _respond(self):
        if self.answer == "error":
            # PipelineEventType.ERROR: Error(text=message, code=code)
            await self._write(Error(text="No text recognized", code="stt-no-text-recognized").event())
            return
        if self.answer == "none":
            return
        # STT_END, TTS_START, then TTS_END's stream (_stream_tts)
        await self._write(Transcript(text=self.transcript).event())
        await self._write(Synthesize(text=self.answer_text,
                                     voice=SynthesizeVoice(name=None, language="en")).event())
        await self.stream_tts(tone(self.tts_ms, self.tts_rate), self.tts_rate)

    async def stream_tts(self, pcm, rate):
        await self._write(AudioStart(rate=rate, width=2, channels=1, timestamp=0).event())
        ts = 0
        for i in range(0, len(pcm), AUDIO_CHUNK_BYTES):
            c = AudioChunk(rate=rate, width=2, channels=1,
                           audio=pcm[i:i + AUDIO_CHUNK_BYTES], timestamp=ts)
            await self._write(c.event())
            ts += c.milliseconds
        await self._write(AudioStop(timestamp=ts).event())

    def pause(self):
        self.send(PauseSatellite().event())
