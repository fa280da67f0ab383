#!/usr/bin/env python3
"""votes_instr.py — user-space instructions per durable vote, two builds,
under callgrind: a figure the machine's other load does not change.

On a machine shared with other work, CPU time per vote moves by a tenth
from one run to the next; the instructions a vote executes do not.  One
demo is made and its exhibition stage opened with VOTERS verified voters,
as bench/votes.py does; each build serves its own copy under
`valgrind --tool=callgrind --separate-threads=yes`.  After a warm-up (wrk,
16 connections, WARMUP seconds) the counts are zeroed, wrk POSTs
/api/v1/votes at CONNS connections for SECONDS seconds (bench/votes.lua),
and the counts are dumped; each thread's instructions (Ir) are divided by
the 201s.  Threads are told apart by what they ran: the writer thread
(writer_main), the serving threads (on_request), and the rest.  Kernel time
(system calls, TCP, fsync) is not counted: callgrind sees user space only.
Valgrind runs one thread at a time, so batches are larger than on the bare
machine; both builds run the same way.

Usage: python3 bench/votes_instr.py A_BUILD/laurel [--laurel B_BUILD/laurel]
       [--conns 64] [--seconds 20] [--warmup 3] [--voters 2000] [--cases 4000]
Needs valgrind, wrk and python3-requests.  The last line is `RESULT ...`.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import Workspace, add_laurel_option, free_port, log, run_main  # noqa: E402
from votes import parse, prepare  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def wrk(url, conns, seconds, tok_file, case_file):
    p = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "-s",
                        os.path.join(HERE, "votes.lua"), url, "--", tok_file, case_file],
                       capture_output=True, text=True, timeout=seconds * 4 + 120)
    return parse(p.stdout)


def thread_counts(prefix):
    """{kind: Ir} from the first dump's per-thread files prefix.1-NN."""
    out = {"writer": 0, "serving": 0, "rest": 0}
    for path in glob.glob(prefix + ".1-*"):
        with open(path, errors="replace") as f:
            text = f.read()
        m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        ir = int(m.group(1)) if m else 0
        kind = ("writer" if "writer_main" in text else
                "serving" if "on_request" in text else "rest")
        out[kind] += ir
    return out


def measure(binary, data, work, o, tok_file, case_file):
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    prefix = os.path.join(work, "callgrind.out")
    log_file = open(os.path.join(work, "laurel.log"), "wb")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes",
         "--callgrind-out-file=" + prefix, binary, "serve", "--data", data, "--listen",
         "127.0.0.1:%d" % port, "--threads", "2", "--no-db-check", "--access-log",
         os.path.join(work, "access.log")],
        stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=5).text.strip() == "ok":
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None:
                raise SystemExit("votes_instr: laurel under valgrind exited")
            time.sleep(0.5)
        wrk(url, 16, o.warmup, tok_file, case_file)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True,
                       capture_output=True, timeout=120)
        r = wrk(url, o.conns, o.seconds, tok_file, case_file)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True,
                       capture_output=True, timeout=120)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    counts = thread_counts(prefix)
    n = max(int(r["created"]), 1)
    return n, {k: v / n for k, v in counts.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", help="the reference build (A)")
    add_laurel_option(ap)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--cases", type=int, default=4000)
    o = ap.parse_args()
    for tool in ("valgrind", "callgrind_control", "wrk"):
        if not shutil.which(tool):
            raise SystemExit("votes_instr: %s is missing" % tool)
    with Workspace("votes_instr", o.laurel) as w:
        a_bin = os.path.join(w.work, "laurel-a")
        shutil.copy2(o.a, a_bin)
        w.demo(o.cases)
        _, cases, tokens, _, _ = prepare(w.data, o.voters)
        tok_file, case_file = os.path.join(w.work, "tokens"), os.path.join(w.work, "cases")
        with open(tok_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        with open(case_file, "w") as f:
            f.write("\n".join(map(str, cases)) + "\n")
        got = {}
        for name, binary in (("A", a_bin), ("B", w.binary)):
            d = os.path.join(w.work, name)
            os.makedirs(d)
            shutil.copytree(w.data, os.path.join(d, "data"))
            got[name] = measure(binary, os.path.join(d, "data"), d, o, tok_file, case_file)
            n, per = got[name]
            log("%s: %d votes; instructions per vote: writer %.0f, serving %.0f, rest %.0f"
                % (name, n, per["writer"], per["serving"], per["rest"]))
    total = {k: sum(v[1].values()) for k, v in got.items()}
    print("user-space instructions per durable vote, %d connections, %d s under callgrind"
          % (o.conns, o.seconds))
    for kind in ("writer", "serving", "rest"):
        a, b = got["A"][1][kind], got["B"][1][kind]
        print("  %-8s A %9.0f  B %9.0f  (B/A %.3f)" % (kind, a, b, b / a if a else 0))
    print("  %-8s A %9.0f  B %9.0f  (B/A %.3f)" % ("total", total["A"], total["B"],
                                                  total["B"] / total["A"]))
    print("RESULT a_ir=%.0f b_ir=%.0f a_votes=%d b_votes=%d ratio=%.3f"
          % (total["A"], total["B"], got["A"][0], got["B"][0], total["B"] / total["A"]))
    return 0


if __name__ == "__main__":
    run_main(main)
