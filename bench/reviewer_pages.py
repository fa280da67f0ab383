#!/usr/bin/env python3
"""reviewer_pages.py — an expert's pages of a review round, one binary against another in the
same run: the server's CPU time a request, and the wall time of one.

For the labels kept at the release (stage_label, migration 027): a reviewer's list and case
pages used to number the stage's whole pool at every request.  One demo is made by REF (so
that NEW migrates it, as an upgrade would) and served twice at once, by REF and by NEW.  The
demo's expert signs in on each and reads the list of their cases (/review); then, in
alternating rounds (REF, NEW; NEW, REF; ...), each server answers --requests GETs of the
list and --requests of case pages drawn at random from every case the expert holds, the same
draw on both, one request at a time.  Per kind it prints the medians over the rounds of the
server's CPU microseconds a request and of the wall median, and NEW / REF.  No page here is
cached: a reviewer's pages are never kept.

  bench/reviewer_pages.py REF NEW [--rounds 6] [--requests 40]

Loopback only; the servers are stopped and the folder removed on exit.
"""
import argparse
import os
import random
import statistics
import time

from laurel_bench import cpu_s, organiser_session, ref_and_new

JSON = {"Accept": "application/json"}


def round_of(s, srv, paths):
    """(server CPU µs a request, wall median ms) of GETs of paths, one at a time."""
    times = []
    c0 = cpu_s(srv.proc.pid)
    for path in paths:
        t0 = time.perf_counter()
        r = s.get(srv.url + path, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit("reviewer_pages: %s answered %d" % (path, r.status_code))
    return (cpu_s(srv.proc.pid) - c0) / len(paths) * 1e6, statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40)
    o = ap.parse_args()
    with ref_and_new(o.ref, o.new, "reviewer_pages", made_by="ref") as servers:
        sessions = {k: organiser_session(v.url, "reviewer_pages", "expert@demo.laurel")
                    for k, v in servers.items()}
        cases = {}
        for k in servers:
            listed = sessions[k].get(servers[k].url + "/review", headers=JSON, timeout=60).json()
            cases[k] = sorted(it["href"] for st in listed["stages"] for it in st["items"])
        if not cases["new"] or cases["new"] != cases["ref"]:
            raise SystemExit("reviewer_pages: the expert's cases differ or are none: %d and %d"
                             % (len(cases["ref"]), len(cases["new"])))
        print("the expert holds %d cases" % len(cases["new"]))
        rnd = random.Random(2019)
        kinds = {"/review (list)": lambda: ["/review"] * o.requests,
                 "/review/S/NNNN (case)": lambda: [rnd.choice(cases["new"])
                                                   for _ in range(o.requests)]}
        got = {(k, kind): [] for k in servers for kind in kinds}
        for r in range(o.rounds):
            order = ("ref", "new") if r % 2 == 0 else ("new", "ref")
            for kind, draw in kinds.items():
                paths = draw()
                for k in order:
                    got[(k, kind)].append(round_of(sessions[k], servers[k], paths))
            print("round %d done" % (r + 1), flush=True)
        print("%-24s %10s %10s %7s %9s %9s %7s" % ("page", "REF cpu µs", "NEW cpu µs", "ratio",
                                                  "REF ms", "NEW ms", "ratio"))
        for kind in kinds:
            rc = statistics.median(x[0] for x in got[("ref", kind)])
            nc = statistics.median(x[0] for x in got[("new", kind)])
            rw = statistics.median(x[1] for x in got[("ref", kind)])
            nw = statistics.median(x[1] for x in got[("new", kind)])
            print("%-24s %10.0f %10.0f %7.3f %9.2f %9.2f %7.3f" % (kind, rc, nc, nc / rc, rw, nw,
                                                                  nw / rw))
        print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
