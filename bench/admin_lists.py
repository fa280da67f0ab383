#!/usr/bin/env python3
"""admin_lists.py — the organiser's ranking page of the 2020 demo edition (初评, 1,152 ranked
cases), one binary against another in the same run: the time of one request, HTML and JSON.

One demo is made with the first binary and served twice at once, by a reference binary
(REF, e.g. a build of main) and by the one measured (NEW).  An organiser signs in on each;
then, in alternating rounds (REF, NEW; NEW, REF; ...), each server answers --requests GETs of
/admin/stages/ID/ranking?page=P with P drawn at random over the new server's pages (a binary
without paging ignores the parameter and sends the whole table), one at a time.  It prints
each round's median, the medians of the rounds, and NEW / REF.

  bench/admin_lists.py REF NEW [--rounds 6] [--requests 60] [--stage 9]
  bench/admin_lists.py REF NEW --path '/admin/screening?status=passed'   (another list)

Loopback only; the servers are stopped and the folder removed on exit.
"""
import argparse
import os
import random
import statistics
import time

from laurel_bench import organiser_session, ref_and_new


def round_of(s, url, paths):
    """The median time (ms) of one GET of each path, one at a time."""
    times = []
    for p in paths:
        t0 = time.perf_counter()
        r = s.get(url + p, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit("admin_lists: %s answered %d" % (p, r.status_code))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--stage", type=int, default=9)
    ap.add_argument("--path", help="another paged list than the stage's ranking")
    o = ap.parse_args()
    with ref_and_new(o.ref, o.new, "admin_lists") as servers:
        sessions = {k: organiser_session(v.url, "admin_lists") for k, v in servers.items()}
        base = o.path or "/admin/stages/%d/ranking" % o.stage
        page = "&page=" if "?" in base else "?page="
        first = sessions["new"].get(servers["new"].url + "/api/v1" + base, timeout=60).json()
        pages = first.get("pager", {}).get("pages", 1)
        print("pages on NEW: %d" % pages, flush=True)
        rng = random.Random(2020)
        got = {(k, f): [] for k in servers for f in ("html", "json")}
        for r in range(o.rounds):
            order = ("ref", "new") if r % 2 == 0 else ("new", "ref")
            for fmt in ("html", "json"):
                paths = ["%s%s%s%d" % ("/api/v1" if fmt == "json" else "", base, page,
                                         rng.randint(1, pages)) for _ in range(o.requests)]
                for k in order:
                    ms = round_of(sessions[k], servers[k].url, paths)
                    got[(k, fmt)].append(ms)
                    print("round %d  %-4s %-4s median %8.2f ms" % (r + 1, k, fmt, ms), flush=True)
        for fmt in ("html", "json"):
            ref = statistics.median(got[("ref", fmt)])
            new = statistics.median(got[("new", fmt)])
            print("%-4s  REF %8.2f ms  NEW %8.2f ms  NEW/REF %.3f" % (fmt, ref, new, new / ref))
        print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
