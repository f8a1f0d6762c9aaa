#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make soak TURNS=N: N text turns through the real parleyd against the fake
peers, with faults sprinkled in (every seventh turn goes to a peer that
fails mid-stream, every eleventh to one that is down).  Reports resident
memory, heap in use, open fds and threads at intervals, and fails if any of
them grows after the warm-up (the first tenth of the turns)."""
import argparse
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from common import free_port  # noqa: E402
from rig import Rig  # noqa: E402


def sample(r):
    pid = r.daemon.pid
    with open(f"/proc/{pid}/status") as f:
        st = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", st).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", st).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    heap = r.status()["heap"]
    curl, json_ = re.search(r"curl (\d+) .* json (\d+)", heap).groups()
    sqlite = re.search(r"sqlite (\d+)", heap).group(1)
    return {"rss_kb": rss, "curl_heap": int(curl), "json_arena": int(json_),
            "sqlite_heap": int(sqlite), "fds": fds, "threads": threads}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--turns", type=int, default=200)
    args = ap.parse_args()
    r = Rig(build=os.path.abspath(args.build))
    rows = []
    try:
        good = r.start_ollama("--answer", "Yes.", "--token-rate", "0",
                              "--first-token-delay-ms", "0")
        bad = r.start_peer("fake-ollama", "--fault", "error-midstream", "--token-rate", "0")
        down = free_port()
        r.start(["silence:3600"], debug=False)
        every = max(1, args.turns // 20)
        for i in range(args.turns):
            url = good.port
            if i % 7 == 6:
                url = bad.port
            elif i % 11 == 10:
                url = down
            r.reload(llm__url=f"http://127.0.0.1:{url}")
            r.wait_state("idle", 30)
            r.ctl("ask", f"question {i}")
            r.wait_turns(min(i + 1, 10000), 30)
            if i % every == 0 or i == args.turns - 1:
                r.wait_state("idle", 30)
                s = sample(r)
                s["turn"] = i + 1
                rows.append(s)
                print(" ".join(f"{k}={v}" for k, v in s.items()), flush=True)
        r.stop()
    finally:
        r.close()
    warm = [x for x in rows if x["turn"] > args.turns // 10]
    first, last = warm[0], warm[-1]
    problems = []
    if last["rss_kb"] - first["rss_kb"] > 1024:
        problems.append(f"RSS grew {last['rss_kb'] - first['rss_kb']} kB")
    # fds move by one or two with curl's connection cache and the console
    # client asking; a leak keeps climbing
    third = max(1, len(warm) // 3)
    for k, slack in (("fds", 2), ("threads", 0)):
        early = max(x[k] for x in warm[:third])
        late = max(x[k] for x in warm[-third:])
        if late > early + slack:
            problems.append(f"{k} went from {early} to {late}")
    if last["curl_heap"] > first["curl_heap"] + 65536:
        problems.append("curl heap grew")
    print(f"soak: {args.turns} turns; after warm-up RSS {first['rss_kb']} -> "
          f"{last['rss_kb']} kB, fds {first['fds']} -> {last['fds']}, threads "
          f"{first['threads']} -> {last['threads']}")
    if problems:
        print("soak: FAILED: " + "; ".join(problems))
        return 1
    print("soak: flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
