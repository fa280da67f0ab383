#!/usr/bin/env python3
"""votes_ab.py — two laurel builds side by side on the vote path: server CPU
per durable vote (split into the serving threads and the rest, which is
the writer thread), votes/s and p99, at each connection count, in
alternating rounds of the same run.

One demo is made, its exhibition stage opened for voting with limits high
enough that none refuses (every limit is still checked in the vote's
transaction) and VOTERS verified voters written with their tokens, as
bench/votes.py does; the data folder is copied once per build and each build
serves its copy for the whole run.  Then, ROUNDS times, for each connection
count, wrk POSTs /api/v1/votes {"case": C} for DURATION seconds to one build
and then to the other (which goes first alternates from run to run, so a
busy machine's drift falls on both).  A vote counts when it is answered
201, which laurel sends only after the group commit holding it is durable.
CPU time is read from /proc for each thread of the server before and after
each run: threads named MHD-worker serve HTTP; the others are the writer
thread (and idle helpers).  Each build first takes a one-second warm-up
that is not reported.  After the last round each server is stopped and
its vote rows counted against its 201s, as votes.py does.

The figures to compare are the ratios B / A of the same run; on a shared
machine votes/s depends on the other load, CPU per vote much less.

Usage: python3 bench/votes_ab.py A_BUILD/laurel [--laurel B_BUILD/laurel]
       [--rounds 3] [--duration 5] [--conns 1,16,64,256] [--voters 2000]
       [--cases 4000] [--threads NPROC]
Needs wrk and python3-requests.  The last line is `RESULT key=value ...`.
"""
import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import Server, Workspace, add_laurel_option, log, run_main  # noqa: E402
from votes import parse, prepare  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def thread_cpu(pid):
    """{'serve': s, 'other': s}: CPU seconds of the process's threads by kind."""
    out = {"serve": 0.0, "other": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                head, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        x = rest.split()
        kind = "serve" if head.split("(", 1)[1].startswith("MHD-worker") else "other"
        out[kind] += (int(x[11]) + int(x[12])) / tick
    return out


def load(server, conns, o, tok_file, case_file):
    """One wrk run against server: the parsed RESULT plus CPU µs per vote by kind."""
    before = thread_cpu(server.proc.pid)
    p = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % o.duration, "--latency", "-s",
                        os.path.join(HERE, "votes.lua"), server.url, "--", tok_file, case_file],
                       capture_output=True, text=True, timeout=o.duration * 4 + 60)
    after = thread_cpu(server.proc.pid)
    r = parse(p.stdout)
    n = max(r["created"], 1)
    r["vps"] = r["created"] / o.duration
    r["us_serve"] = (after["serve"] - before["serve"]) / n * 1e6
    r["us_other"] = (after["other"] - before["other"]) / n * 1e6
    r["us_cpu"] = r["us_serve"] + r["us_other"]
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", help="the reference build (A)")
    add_laurel_option(ap)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", default="1,16,64,256")
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cases", type=int, default=4000)
    o = ap.parse_args()
    conns = [int(c) for c in o.conns.split(",")]
    if not shutil.which("wrk"):
        raise SystemExit("votes_ab: wrk is missing")
    with Workspace("votes_ab", o.laurel) as w:
        a_bin = os.path.join(w.work, "laurel-a")
        shutil.copy2(o.a, a_bin)  # a rebuild during the run cannot change it either
        w.demo(o.cases)
        stage, cases, tokens, _, before = prepare(w.data, o.voters)
        tok_file, case_file = os.path.join(w.work, "tokens"), os.path.join(w.work, "cases")
        with open(tok_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        with open(case_file, "w") as f:
            f.write("\n".join(map(str, cases)) + "\n")
        builds = {"A": a_bin, "B": w.binary}
        servers, runs, acked = {}, {}, {"A": 0, "B": 0}
        try:
            for name, binary in builds.items():
                d = os.path.join(w.work, name)
                os.makedirs(d)
                shutil.copytree(w.data, os.path.join(d, "data"))
                servers[name] = Server(binary, os.path.join(d, "data"), d, o.threads, "votes_ab")
                servers[name].start()
                runs[name] = {c: [] for c in conns}
            for name in builds:  # a short warm-up each, not counted: tokens, caches, the WAL
                saved, o.duration = o.duration, 1
                acked[name] += int(load(servers[name], 16, o, tok_file, case_file)["created"])
                o.duration = saved
            turn = 0
            for rnd in range(o.rounds):
                for c in conns:
                    for name in ("A", "B") if turn % 2 == 0 else ("B", "A"):
                        r = load(servers[name], c, o, tok_file, case_file)
                        runs[name][c].append(r)
                        acked[name] += int(r["created"])
                        log("round %d %s %3d connections: %6.0f votes/s p99 %6.2f ms, "
                            "%5.1f us CPU/vote (serving %4.1f, writer and rest %4.1f)"
                            % (rnd + 1, name, c, r["vps"], r["p99_ms"], r["us_cpu"],
                               r["us_serve"], r["us_other"]))
                    turn += 1
        finally:
            for s in servers.values():
                s.stop()
        rows = {}
        for name in builds:
            db = sqlite3.connect(os.path.join(w.work, name, "data", "laurel.db"))
            rows[name] = db.execute("SELECT count(*) FROM vote WHERE stage_id = ?",
                                    (stage,)).fetchone()[0] - before
            db.close()
    med = statistics.median
    print("durable votes over HTTP, A = %s, B = %s; medians of %d rounds of %d s"
          % (o.a, o.laurel, o.rounds, o.duration))
    fields = []
    for c in conns:
        m = {n: {k: med([r[k] for r in runs[n][c]]) for k in
                 ("vps", "p99_ms", "us_cpu", "us_serve", "us_other")} for n in builds}
        a, b = m["A"], m["B"]
        print("  %3d connections: votes/s A %6.0f  B %6.0f (B/A %.2f)   p99 A %6.2f  B %6.2f ms   "
              "us CPU/vote A %5.1f  B %5.1f (B/A %.2f; serving %.1f -> %.1f, writer and rest "
              "%.1f -> %.1f)" % (c, a["vps"], b["vps"], b["vps"] / max(a["vps"], 1), a["p99_ms"],
                                 b["p99_ms"], a["us_cpu"], b["us_cpu"],
                                 b["us_cpu"] / max(a["us_cpu"], 1e-9), a["us_serve"],
                                 b["us_serve"], a["us_other"], b["us_other"]))
        for n in builds:
            fields += ["%s_c%d_vps=%.0f" % (n.lower(), c, m[n]["vps"]),
                       "%s_c%d_p99_ms=%.2f" % (n.lower(), c, m[n]["p99_ms"]),
                       "%s_c%d_us_cpu=%.1f" % (n.lower(), c, m[n]["us_cpu"])]
    inflight = o.rounds * sum(conns) + 16  # and the warm-up's
    ok = True
    for n in builds:
        good = acked[n] <= rows[n] <= acked[n] + inflight
        ok = ok and good
        print("  %s: vote rows added %d, acknowledged %d, in flight at most %d: %s"
              % (n, rows[n], acked[n], inflight, "ok" if good else "MISMATCH"))
    print("RESULT " + " ".join(fields))
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
