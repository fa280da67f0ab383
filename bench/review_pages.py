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

from laurel_bench import ab_report, ab_rounds, organiser_session, ref_and_new

PAGES = ["/admin/stages", "/admin/stages/9/pool", "/admin/stages/9/reviewers",
         "/admin/stages/9/conflicts", "/admin/stages/9/assignments", "/admin/stages/11/progress",
         "/admin/stages/11/assignments"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40)
    o = ap.parse_args()
    with ref_and_new(o.ref, o.new, "review_pages") as servers:
        sessions = {k: organiser_session(v.url, "review_pages") for k, v in servers.items()}
        kinds = {p: (lambda p=p: [p] * o.requests) for p in PAGES}
        ab_report(ab_rounds(servers, sessions, kinds, o.rounds, "review_pages"), kinds)


if __name__ == "__main__":
    main()
