#!/usr/bin/env python3
"""review_pages.py — the organiser's pages of a review round, one binary against another in the
same run: the server's CPU time a request, and the wall time of one.

For the store of the review rounds (store/review.c, issue 15) moved over the driver: its
reads behind the pages of the 2020 demo edition's stages (初评 advanced, 复评 released).
One demo is made with NEW and served twice at once, by REF (e.g. a build of main) and by NEW.
An organiser signs in on each; then, in alternating rounds (REF, NEW; NEW, REF; ...), each
server answers --requests GETs of each page, one at a time.  Per page it prints the medians
over the rounds of the server's CPU microseconds a request (user + system from /proc/PID/stat
over the round: the figure a loaded machine moves least) and of the wall median, and NEW / REF.

  bench/review_pages.py REF NEW [--rounds 6] [--requests 40]

Loopback only; the servers are stopped and the folder removed on exit.
"""
import argparse
import os
import statistics
import time

from laurel_bench import cpu_s, organiser_session, ref_and_new

PAGES = ["/admin/stages", "/admin/stages/9/pool", "/admin/stages/9/reviewers",
         "/admin/stages/9/conflicts", "/admin/stages/9/assignments", "/admin/stages/11/progress",
         "/admin/stages/11/assignments"]


def round_of(s, srv, path, n):
    """(server CPU µs a request, wall median ms) of n GETs of path, one at a time."""
    times = []
    c0 = cpu_s(srv.proc.pid)
    for _ in range(n):
        t0 = time.perf_counter()
        r = s.get(srv.url + path, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit("review_pages: %s answered %d" % (path, r.status_code))
    return (cpu_s(srv.proc.pid) - c0) / n * 1e6, statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40)
    o = ap.parse_args()
    with ref_and_new(o.ref, o.new, "review_pages") as servers:
        sessions = {k: organiser_session(v.url, "review_pages") for k, v in servers.items()}
        got = {(k, p): [] for k in servers for p in PAGES}
        for r in range(o.rounds):
            order = ("ref", "new") if r % 2 == 0 else ("new", "ref")
            for p in PAGES:
                for k in order:
                    got[(k, p)].append(round_of(sessions[k], servers[k], p, o.requests))
            print("round %d done" % (r + 1), flush=True)
        print("%-30s %10s %10s %7s %9s %9s %7s" % ("page", "REF cpu µs", "NEW cpu µs", "ratio",
                                                  "REF ms", "NEW ms", "ratio"))
        for p in PAGES:
            rc = statistics.median(x[0] for x in got[("ref", p)])
            nc = statistics.median(x[0] for x in got[("new", p)])
            rw = statistics.median(x[1] for x in got[("ref", p)])
            nw = statistics.median(x[1] for x in got[("new", p)])
            print("%-30s %10.0f %10.0f %7.3f %9.2f %9.2f %7.3f" % (p, rc, nc, nc / rc, rw, nw,
                                                                  nw / rw))
        print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
