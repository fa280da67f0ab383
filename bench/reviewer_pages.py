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
import random

from laurel_bench import ab_report, ab_rounds, organiser_session, ref_and_new

JSON = {"Accept": "application/json"}


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
        ab_report(ab_rounds(servers, sessions, kinds, o.rounds, "reviewer_pages"), kinds,
                  width=24)


if __name__ == "__main__":
    main()
