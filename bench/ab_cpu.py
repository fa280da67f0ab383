#!/usr/bin/env python3
"""ab_cpu.py — two laurel binaries side by side: server CPU per rendered case page.

For a change whose cost is small next to the noise of a shared machine (the CHECKs of
core/check.h, say), req/s from separate runs say little.  This script makes one demo, serves
a copy of it with each binary at once (LAUREL_NO_PAGE_CACHE=1, so every request renders), and drives
them in alternating rounds (A B, B A, ...) with wrk over random /cases/ID (bench/reads.lua).
It reports per round and as medians: req/s and the server's CPU microseconds per request
(user + system from /proc/PID/stat over the round, divided by wrk's count), the figure that
depends least on what else the machine runs; then the ratios B / A.

  bench/ab_cpu.py A_BINARY B_BINARY [--rounds 8] [--cases 4000] [--duration 5s] [--page-cache]
                  [--lists]

--page-cache serves with the page cache on instead (each server first visits every case page
once, so the rounds measure hits): the cost of a hit.  --lists drives list URLs instead of
case pages: /cases newest first and most viewed, every page; each region, tier, track and tag
alone, first and second page; two filters combined; /regions/R and /tags/T (list_paths).

Loopback only; every server it starts is stopped and its folder removed on exit.  Needs wrk.
"""
import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import urllib.parse

from laurel_bench import Server, cpu_s

HERE = os.path.dirname(os.path.abspath(__file__))


def list_paths(db_path):
    """The list URLs of a demo: filter values read from its kept counts (pub_count)."""
    db = sqlite3.connect(db_path)

    def rows(sql):
        return db.execute(sql).fetchall()
    one = "pc.region = 0 AND pc.tier_id = 0 AND pc.track_id = 0 AND pc.tag_id = 0"
    regions = rows("SELECT printf('%06d', region), n FROM pub_count pc WHERE region > 0 AND "
                   "tier_id = 0 AND track_id = 0 AND tag_id = 0")
    tiers = rows("SELECT t.slug, pc.n FROM tier t JOIN pub_count pc ON pc.tier_id = t.id AND "
                 + one.replace("pc.tier_id = 0", "1"))
    tracks = rows("SELECT t.slug, pc.n FROM track t JOIN pub_count pc ON pc.track_id = t.id AND "
                  + one.replace("pc.track_id = 0", "1"))
    tags = rows("SELECT t.name, pc.n FROM tag t JOIN pub_count pc ON pc.tag_id = t.id AND "
                + one.replace("pc.tag_id = 0", "1"))
    pages = (rows("SELECT max(n) FROM pub_count pc WHERE " + one)[0][0] + 19) // 20
    db.close()
    q = urllib.parse.quote
    paths = ["/cases?page=%d" % p for p in range(1, pages + 1)]
    paths += ["/cases?sort=views&page=%d" % p for p in range(1, pages + 1)]
    for key, vals in (("region", regions), ("tier", tiers), ("track", tracks), ("tag", tags)):
        for v, n in vals:
            paths += ["/cases?%s=%s" % (key, q(v))]
            paths += ["/cases?%s=%s&page=2" % (key, q(v))] if n > 20 else []
    for r, _ in regions:
        paths += ["/regions/%s" % r] + ["/cases?region=%s&track=%s" % (r, q(t))
                                        for t, _ in tracks]
    paths += ["/tags/%s" % q(t) for t, _ in tags]
    return paths


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--duration", default="5s")
    ap.add_argument("--page-cache", action="store_true")
    ap.add_argument("--lists", action="store_true")
    o = ap.parse_args()
    if not o.page_cache:
        os.environ["LAUREL_NO_PAGE_CACHE"] = "1"  # what --no-page-cache does: every page renders
    work = tempfile.mkdtemp(prefix="laurel-ab.")
    servers = {}
    try:
        subprocess.run([o.a, "demo", "--data", os.path.join(work, "demo"), "--cases",
                        str(o.cases)], check=True, capture_output=True)
        paths = os.path.join(work, "paths")
        with open(paths, "w") as f:
            if o.lists:
                f.writelines(p + "\n" for p in list_paths(
                    os.path.join(work, "demo", "laurel.db")))
            else:
                f.writelines("/cases/%d\n" % i for i in range(1, o.cases + 1))
        for name, binary in (("A", o.a), ("B", o.b)):
            d = os.path.join(work, name)
            shutil.copytree(os.path.join(work, "demo"), os.path.join(d, "data"))
            srv = Server(binary, os.path.join(d, "data"), d, 2, name=name)
            servers[name] = srv
            srv.start()
            if o.page_cache:  # every page once, in order: the rounds then measure hits
                subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % max(2, o.cases // 2000), "-s",
                                os.path.join(HERE, "reads.lua"), srv.url, "--", paths, "seq"],
                               capture_output=True)
        got = {"A": [], "B": []}
        for r in range(o.rounds):
            for name in ("A", "B") if r % 2 == 0 else ("B", "A"):
                srv = servers[name]
                c0 = cpu_s(srv.proc.pid)
                out = subprocess.run(["wrk", "-t1", "-c16", "-d" + o.duration, "-s",
                                      os.path.join(HERE, "reads.lua"), srv.url, "--", paths,
                                      "random"], capture_output=True, text=True).stdout
                c1 = cpu_s(srv.proc.pid)
                m = re.search(r"RESULT rps=([\d.]+) .*requests=(\d+) errors=(\d+) non2xx=(\d+)",
                              out)
                if not m or int(m.group(4)) or int(m.group(2)) == 0:
                    raise SystemExit("ab_cpu: wrk failed against %s:\n%s" % (name, out))
                rps, us = float(m.group(1)), (c1 - c0) / int(m.group(2)) * 1e6
                got[name].append((rps, us))
                print("round %d  %s  %8.0f req/s  %6.1f us CPU/req" % (r + 1, name, rps, us),
                      flush=True)
        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
               for k, v in got.items()}
        for k in ("A", "B"):
            print("%s median  %8.0f req/s  %6.1f us CPU/req" % (k, *med[k]))
        print("B / A: req/s %.3f, CPU per request %.3f" % (med["B"][0] / med["A"][0],
                                                           med["B"][1] / med["A"][1]))
    finally:
        for srv in servers.values():
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
