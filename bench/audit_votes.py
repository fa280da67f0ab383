#!/usr/bin/env python3
"""audit_votes.py — what the audit chain's vote batches cost the vote path:
durable votes per second and server CPU per vote, a build without the chain
against a build with it, interleaved on the same machine in the same run.

One demo is made (with the build before), its exhibition stage opened and
VOTERS voters written with their tokens (as bench/votes.py does); it is
copied once per build, so both serve the same data.  Then, ROUNDS times and
alternating which goes first, each build serves its copy while wrk POSTs
/api/v1/votes at CONNS connections for DURATION seconds (bench/votes.lua);
the 201s count (laurel answers 201 only after the group commit holding the
vote is durable), and the server's user+system CPU seconds over the run.
With the chain, every writer batch that holds votes appends a row whose hash
is the Merkle root of its votes; alternating the builds round by round keeps
a busy machine's drift out of the ratio.  At the end the chain's rows are
re-checked with `laurel audit verify` on the build with it.

Reports the medians and the ratios (after / before); the last line is
`RESULT key=value ...`.

Usage: python3 bench/audit_votes.py --before OLD_BUILD/laurel [--laurel build/laurel]
       [--rounds 6] [--duration 5] [--conns 64] [--voters 2000] [--cases 4000]
Needs wrk and python3-requests.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import Server, Workspace, add_laurel_option, cpu_s, log, run_main  # noqa: E402
from votes import parse, prepare  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run(binary, data, work, o, tok_file, case_file):
    """One round of one build: (votes/s, CPU ms per 1000 votes)."""
    server = Server(binary, data, work, o.threads, "audit_votes")
    server.start()
    try:
        cpu0 = cpu_s(server.proc.pid)
        p = subprocess.run(["wrk", "-t1", "-c%d" % o.conns, "-d%ds" % o.duration, "--latency",
                            "-s", os.path.join(HERE, "votes.lua"), server.url, "--", tok_file,
                            case_file], capture_output=True, text=True,
                           timeout=o.duration * 4 + 60)
        cpu = cpu_s(server.proc.pid) - cpu0
    finally:
        server.stop()
    r = parse(p.stdout)
    created = max(r["created"], 1)
    return created / o.duration, 1000.0 * cpu * 1000.0 / created


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--before", required=True, help="a laurel build without the audit chain")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cases", type=int, default=4000)
    o = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("audit_votes: wrk is missing")
    with Workspace("audit_votes", o.before) as w:
        w.demo(o.cases)
        stage, cases, tokens, _, _ = prepare(w.data, o.voters)
        tok_file, case_file = os.path.join(w.work, "tokens"), os.path.join(w.work, "cases")
        with open(tok_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        with open(case_file, "w") as f:
            f.write("\n".join(map(str, cases)) + "\n")
        builds = {}
        for name, binary in (("before", w.binary), ("after", o.laurel)):
            d = os.path.join(w.work, name)
            shutil.copytree(w.data, d)
            copy = os.path.join(w.work, "laurel-" + name)
            shutil.copy2(binary, copy)
            builds[name] = (copy, d)
        got = {"before": [], "after": []}
        for rnd in range(o.rounds):
            order = ("before", "after") if rnd % 2 == 0 else ("after", "before")
            for name in order:
                binary, data = builds[name]
                vps, cpu = run(binary, data, w.work, o, tok_file, case_file)
                got[name].append((vps, cpu))
                log("round %d %-6s: %6.0f votes/s, %5.1f ms CPU per 1000 votes"
                    % (rnd + 1, name, vps, cpu))
        binary, data = builds["after"]
        v = subprocess.run([binary, "audit", "verify", "--data", data], capture_output=True,
                           text=True, timeout=300)
        log(v.stdout.strip())
        if v.returncode != 0:
            raise SystemExit("audit_votes: the chain did not verify:\n" + v.stdout + v.stderr)
    med = {k: (statistics.median(x[0] for x in got[k]), statistics.median(x[1] for x in got[k]))
           for k in got}
    ratio_vps = med["after"][0] / med["before"][0]
    ratio_cpu = med["after"][1] / med["before"][1]
    print("durable votes at %d connections, medians of %d interleaved rounds of %d s"
          % (o.conns, o.rounds, o.duration))
    for k in ("before", "after"):
        print("  %-6s %8.0f votes/s   %6.1f ms CPU per 1000 votes" % (k, *med[k]))
    print("  after/before: votes/s %.3f, CPU per vote %.3f" % (ratio_vps, ratio_cpu))
    print("RESULT before_vps=%.0f after_vps=%.0f ratio_vps=%.3f before_cpu_ms_per_1000=%.1f "
          "after_cpu_ms_per_1000=%.1f ratio_cpu=%.3f"
          % (med["before"][0], med["after"][0], ratio_vps, med["before"][1], med["after"][1],
             ratio_cpu))


if __name__ == "__main__":
    run_main(main)
