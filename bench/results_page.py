#!/usr/bin/env python3
"""results_page.py — the results page of a published campaign against the case page, in the
same run: throughput (req/s) and the server's CPU per request, and their ratios.

One demo is made and served twice at once: as normally (the page cache on) and with every
page rendered (LAUREL_NO_PAGE_CACHE=1, what --no-page-cache does).  On each server wrk drives,
in alternating rounds (results, case; case, results; ...), either /results or random
/cases/ID (bench/reads.lua).  It prints each round, the medians, and results / case.  A case
page counts a view on every request, the results page counts none; both are the public
pages a visitor reads most after the home page.

  bench/results_page.py [BINARY] [--rounds 6] [--cases 4000] [--duration 5s]
                        [--modes cached,rendered] [--driver wrk|python]

Loopback only; the servers are stopped and the folder removed on exit.  Needs wrk, or
--driver python (16 keep-alive connections from Python threads: on a small machine the
client then takes much of the CPU, so compare the server's CPU per request, not req/s).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import http.client
import random

from laurel_bench import ROOT, Server, cpu_s

HERE = os.path.dirname(os.path.abspath(__file__))


def seconds(duration):
    return float(duration[:-1]) * (60 if duration.endswith("m") else 1)


def python_round(srv, paths, duration, conns=16):
    """As wrk would: conns keep-alive connections, random paths, for duration."""
    with open(paths) as f:
        urls = [line.strip() for line in f if line.strip()]
    end = time.monotonic() + seconds(duration)
    counts, bad = [0] * conns, [0] * conns
    host, port = srv.url.split("//")[1].split(":")

    def run(k):
        c = http.client.HTTPConnection(host, int(port), timeout=60)
        rnd = random.Random(k)
        while time.monotonic() < end:
            c.request("GET", rnd.choice(urls))
            r = c.getresponse()
            r.read()
            counts[k] += 1
            bad[k] += r.status != 200
        c.close()

    c0, t0 = cpu_s(srv.proc.pid), time.monotonic()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c1, t1 = cpu_s(srv.proc.pid), time.monotonic()
    n = sum(counts)
    if sum(bad) or n == 0:
        raise SystemExit("results_page: %d of %d answers were not 200" % (sum(bad), n))
    return n / (t1 - t0), (c1 - c0) / n * 1e6


def round_of(srv, paths, duration, driver="wrk"):
    """One wrk run over the paths in file `paths`: (req/s, CPU us per request)."""
    if driver == "python":
        return python_round(srv, paths, duration)
    c0 = cpu_s(srv.proc.pid)
    out = subprocess.run(["wrk", "-t1", "-c16", "-d" + duration, "-s",
                          os.path.join(HERE, "reads.lua"), srv.url, "--", paths, "random"],
                         capture_output=True, text=True).stdout
    c1 = cpu_s(srv.proc.pid)
    m = re.search(r"RESULT rps=([\d.]+) .*requests=(\d+) errors=(\d+) non2xx=(\d+)", out)
    if not m or int(m.group(4)) or int(m.group(2)) == 0:
        raise SystemExit("results_page: wrk failed:\n" + out)
    return float(m.group(1)), (c1 - c0) / int(m.group(2)) * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "laurel"))
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--duration", default="5s")
    ap.add_argument("--modes", default="cached,rendered")
    ap.add_argument("--driver", default="wrk", choices=("wrk", "python"))
    o = ap.parse_args()
    work = tempfile.mkdtemp(prefix="laurel-results.")
    servers = {}
    try:
        binary = os.path.join(work, "laurel")
        shutil.copy(o.binary, binary)
        subprocess.run([binary, "demo", "--data", os.path.join(work, "demo"), "--cases",
                        str(o.cases)], check=True, capture_output=True)
        pages = {"results": os.path.join(work, "results.paths"),
                 "case": os.path.join(work, "case.paths")}
        with open(pages["results"], "w") as f:
            f.write("/results\n")
        with open(pages["case"], "w") as f:
            f.writelines("/cases/%d\n" % i for i in range(1, o.cases + 1))
        for mode in o.modes.split(","):
            d = os.path.join(work, mode)
            shutil.copytree(os.path.join(work, "demo"), os.path.join(d, "data"))
            if mode == "rendered":
                os.environ["LAUREL_NO_PAGE_CACHE"] = "1"
            srv = Server(binary, os.path.join(d, "data"), d, 2, name="results_page")
            srv.start()
            os.environ.pop("LAUREL_NO_PAGE_CACHE", None)
            servers[mode] = srv
        for mode, srv in servers.items():
            got = {"results": [], "case": []}
            for r in range(o.rounds):
                for page in ("results", "case") if r % 2 == 0 else ("case", "results"):
                    rps, us = round_of(srv, pages[page], o.duration, o.driver)
                    got[page].append((rps, us))
                    print("%-8s round %d  %-7s %8.0f req/s  %7.1f us CPU/req"
                          % (mode, r + 1, page, rps, us), flush=True)
            med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
                   for k, v in got.items()}
            for k in ("results", "case"):
                print("%-8s median  %-7s %8.0f req/s  %7.1f us CPU/req" % (mode, k, *med[k]))
            print("%-8s results / case: req/s %.3f, CPU per request %.3f"
                  % (mode, med["results"][0] / med["case"][0],
                     med["results"][1] / med["case"][1]), flush=True)
    finally:
        for srv in servers.values():
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
