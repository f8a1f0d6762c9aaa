#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make demo: one whole spoken turn through the real parleyd.

The capture device is an ALSA `file` PCM fed in real time with a real
recording of human speech ("go forward ten meters", CMU Sphinx test data);
the playback device is an ALSA `file` PCM written to build/demo/.  The LLM
and STT peers are the fake test instruments in tools/ unless OLLAMA_URL
(and OLLAMA_MODEL) or STT_URL name real servers: tools/fake-stt replies
with the recording's known words and tools/fake-ollama with a scripted
answer to them, and the demo says so.
"""
import argparse
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from rig import RATE, Rig, write_wav  # noqa: E402

LEAD_S = 1.5
WORDS = "go forward ten meters"  # what the recording says
# fake-ollama's scripted answer to those words
ANSWER = ("I can't go anywhere: I'm a speaker, with no wheels and no legs. "
          "Ten meters is about thirteen steps, if you'd like to walk it yourself.")
STAGES = [("speech_end_ms", "end of speech"), ("stt_sent_ms", "utterance sent to STT"),
          ("stt_done_ms", "STT reply"), ("llm_request_ms", "LLM request"),
          ("first_token_ms", "first token"), ("first_sentence_ms", "first sentence ready"),
          ("first_audio_ms", "first audio written"), ("last_audio_ms", "last audio written")]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    speech = os.path.join(build, "testdata", "goforward.raw")
    out = os.path.join(build, "demo")
    shutil.rmtree(out, ignore_errors=True)
    r = Rig(build=build, workdir=out, keep=True)
    cfg = {}
    fake_llm = not os.environ.get("OLLAMA_URL")
    fake_stt = not os.environ.get("STT_URL")
    try:
        if fake_llm:
            r.start_ollama("--token-rate", "25", "--answer", ANSWER)
            print(f"LLM: tools/fake-ollama on 127.0.0.1:{r.ollama.port}, a test instrument:"
                  " no model, a scripted answer (OLLAMA_URL names a real Ollama)")
        else:
            cfg["llm__url"] = os.environ["OLLAMA_URL"].rstrip("/")
            cfg["llm__model"] = os.environ.get("OLLAMA_MODEL", "llama3.2")
            print(f"LLM: {cfg['llm__url']} model {cfg['llm__model']}")
        if fake_stt:
            r.start_stt("--transcript", WORDS)
            print(f"STT: tools/fake-stt on 127.0.0.1:{r.stt.port}, a test instrument:"
                  " checks the WAV, recognises nothing (STT_URL names a real server)")
        else:
            cfg["stt__url"] = os.environ["STT_URL"]
            print(f"STT: {cfg['stt__url']}")
        r.start([f"silence:{LEAD_S}", speech, "silence:30"], **cfg)
        print("parleyd is running; capture plays a real recording of speech")
        r.wait_frames(100)
        r.ctl("button", "press")
        print("button: tap (press and release) at 1.0 s; speech starts at 1.5 s")
        time.sleep(0.1)
        r.ctl("button", "release")
        r.wait_state(["transcribing", "thinking", "speaking"], 30)
        r.wait_turns(1, 120)
        r.stop()
    except Exception as e:
        r.stop()
        print(f"demo failed: {e}\nparleyd log: {r.stderr_path}")
        return 1
    finally:
        for p in r.peers:
            p.stop()

    (t,) = r.turns()
    pb = r.playback_samples()
    nz = [i for i, v in enumerate(pb) if abs(v) > 64]
    answer_wav = os.path.join(out, "answer.wav")
    if nz:
        write_wav(answer_wav, RATE, pb[nz[0]:nz[-1] + 1])
    print()
    print(f"transcript: {t['transcript']}")
    if fake_stt:
        print("            (fake-stt's fixed reply: the words the recording says)")
    print(f"answer:     {t['answer']}")
    if fake_llm:
        print("            (scripted in tools/demo.py and streamed by fake-ollama;"
              " OLLAMA_URL=http://HOST:11434 asks a real model)")
    if t["outcome"] != "ok":
        print(f"outcome:    {t['outcome']}: {t['error']}")
    print("stages (ms from the button press):")
    for key, label in STAGES:
        v = t[key]
        print(f"  {label:<24} {'-' if v is None else v:>6}")
    if nz:
        print(f"answer audio: {answer_wav} ({(nz[-1] - nz[0]) / RATE:.1f} s)")
    print(f"daemon log: {r.stderr_path}; store: {r.db}")
    return 0 if t["outcome"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
