#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Word-level speech labels of clean recordings, by forced alignment.

    python3 tools/align-label.py [DIR]      (default build/testdata)

For each clean recording whose Debian package ships its transcript, writes
DIR/NAME.align: one line per 10 ms frame, 1 inside a word, 0 in silence
(before, after and between the words).  The transcripts are read from the
packages fetch-testdata.sh keeps in DIR/../debs:

    pocketsphinx-testdata  librivox/transcription (libri0870 ... 0930),
                           cards/cards.transcription (cards: 001-005 joined),
                           goforward.gram (its first rule, the sentence the
                           package's own tests decode goforward.raw to)
    sphinxtrain            sa1.lsn (TIMIT's sentence SA1)

numbers.raw and something.raw have no transcript in either package, so they
get none.

The aligner is pocketsphinx 0.8 (Debian 12's `pocketsphinx` package; its
command line has no `align` subcommand, that came with pocketsphinx 5): the
transcript becomes a JSGF grammar that accepts exactly its words in order,
and pocketsphinx_batch (-ctm) decodes the recording with it and the
en-us acoustic model, so the only freedom left is where each word starts and
ends and where the decoder puts silence (<sil>) or a filler between words.
Those are the frame labels.  A DIR/.align-done stamp holds this script's
version; a newer one, or a newer fetch of the audio, labels again.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

VERSION = "2"
FRAME_BYTES = 320  # 10 ms of 16 kHz S16_LE
MODEL = "/usr/share/pocketsphinx/model/en-us"


def die(msg):
    sys.exit("align-label: " + msg)


def unpack(debs, pkg, into):
    found = sorted(glob.glob(os.path.join(debs, pkg + "_*.deb")))
    if not found:
        die(f"no {pkg} package in {debs}; run tools/fetch-testdata.sh")
    dest = os.path.join(into, pkg)
    subprocess.run(["dpkg-deb", "-x", found[-1], dest], check=True)
    return dest


def sphinx_lines(path):
    """'<s> words </s> (id)' lines -> {id: [words]}"""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*(.*?)\s*\(([^()]+)\)\s*$", line)
            if not m:
                continue
            words = [w.lower() for w in m.group(1).split()
                     if w not in ("<s>", "</s>")]
            out[m.group(2)] = words
    return out


def first_rule(gram):
    """The words of a JSGF grammar's first public rule, when it is a plain
    sequence of words."""
    with open(gram) as f:
        for line in f:
            m = re.match(r"\s*public\s+<[^>]+>\s*=\s*([^;]*);", line)
            if m:
                words = m.group(1).split()
                if all(re.fullmatch(r"[a-z']+", w) for w in words):
                    return words
                die(f"{gram}: its first rule is not a word sequence")
    die(f"{gram}: no public rule")


def transcripts(debs, tmp):
    ps = os.path.join(unpack(debs, "pocketsphinx-testdata", tmp),
                      "usr/share/pocketsphinx/test/data")
    st = unpack(debs, "sphinxtrain", tmp)
    out = {}
    libri = sphinx_lines(os.path.join(ps, "librivox/transcription"))
    for uid, words in libri.items():
        m = re.search(r"-(\d{4})$", uid)
        if m:
            out["libri" + m.group(1)] = words
    cards = sphinx_lines(os.path.join(ps, "cards/cards.transcription"))
    # fetch-testdata.sh joins 001.wav ... 005.wav into cards.raw
    out["cards"] = [w for i in range(1, 6) for w in cards[f"{i:03d}"]]
    out["goforward"] = first_rule(os.path.join(ps, "goforward.gram"))
    lsn = glob.glob(os.path.join(st, "**", "sa1.lsn"), recursive=True)
    if not lsn:
        die("sphinxtrain has no sa1.lsn")
    out["sa1"] = sphinx_lines(lsn[0])["sa1"]
    return out


def align(raw, words, tmp):
    """-> 0/1 per 10 ms frame of raw"""
    gram = os.path.join(tmp, "align.jsgf")
    with open(gram, "w") as f:
        f.write("#JSGF V1.0;\ngrammar align;\npublic <s> = " +
                " ".join(words) + ";\n")
    name = os.path.basename(raw)[:-len(".raw")]
    ctl, ctm = os.path.join(tmp, "align.ctl"), os.path.join(tmp, "align.ctm")
    with open(ctl, "w") as f:
        f.write(name + "\n")
    # pocketsphinx_batch decodes the whole file as one utterance (the
    # continuous decoder would cut it at long pauses and decode each part
    # against the whole transcript)
    subprocess.run(["pocketsphinx_batch", "-adcin", "yes",
                    "-cepdir", os.path.dirname(raw), "-cepext", ".raw",
                    "-ctl", ctl, "-ctm", ctm,
                    "-hmm", os.path.join(MODEL, "en-us"),
                    "-dict", os.path.join(MODEL, "cmudict-en-us.dict"),
                    "-jsgf", gram, "-logfn", os.devnull],
                   capture_output=True, check=True)
    frames = os.path.getsize(raw) // FRAME_BYTES
    lab = [0] * frames
    got = []
    with open(ctm) as f:
        for line in f:
            # "utt channel start duration word confidence", seconds; the
            # ctm has only the words (no <sil>, no fillers)
            f6 = line.split()
            if len(f6) < 5:
                continue
            start, dur = float(f6[2]), float(f6[3])
            got.append(re.sub(r"\(\d+\)$", "", f6[4]))  # alternatives
            # the duration runs to the word's last frame, not past it:
            # a word of frames 46-63 is "0.46 0.17", the next starts at 64
            for i in range(round(start * 100),
                           min(frames, round((start + dur) * 100) + 1)):
                lab[i] = 1
    if got != words:
        die(f"{raw}: aligned {' '.join(got)!r}, "
            f"transcript {' '.join(words)!r}")
    return lab


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "build/testdata"
    stamp = os.path.join(data, ".align-done")
    # fetch-testdata.sh writes .done after the audio: labels older than it
    # may be of older audio
    fetched = os.path.join(data, ".done")
    try:
        with open(stamp) as f:
            if (f.read().strip() == VERSION and
                    os.path.getmtime(stamp) >= os.path.getmtime(fetched)):
                return
    except FileNotFoundError:
        pass
    if not shutil.which("pocketsphinx_batch"):
        die("pocketsphinx_batch is missing; run: "
            "sudo tools/install-deps.sh bench")
    debs = os.path.join(os.path.dirname(os.path.abspath(data)), "debs")
    with tempfile.TemporaryDirectory() as tmp:
        for name, words in sorted(transcripts(debs, tmp).items()):
            raw = os.path.join(data, name + ".raw")
            if not os.path.exists(raw):
                die(f"{raw} is missing; run tools/fetch-testdata.sh")
            lab = align(raw, words, tmp)
            with open(os.path.join(data, name + ".align"), "w") as f:
                f.write("\n".join(map(str, lab)) + "\n")
            print(f"align-label: {name}: {len(words)} words, "
                  f"{sum(lab)} of {len(lab)} frames in words")
    with open(stamp, "w") as f:
        f.write(VERSION + "\n")


if __name__ == "__main__":
    main()
