#!/usr/bin/env python3
"""ab_session.py — two laurel binaries side by side: server CPU per signed-in personal page.

Every signed-in request loads its session and the account's roles (store_user_by_session);
roles per campaign made that load join the recommender's role of the campaign being run.
Like ab_cpu.py, this makes one demo with binary A, serves a copy with each binary at once
(B migrates its copy on start, as an upgrade would), signs in the same account on both, and
drives them in alternating rounds (A B, B A, ...) over one personal page, reporting req/s
and the server's CPU microseconds per request (the figure that depends least on the client
and the machine's load), per round and as medians, then B / A.  The client is Python
(http.client keep-alive, 4 threads), so req/s is the client's ceiling; the CPU per request
is the server's own.

  bench/ab_session.py A_BINARY B_BINARY [--rounds 8] [--duration 5]
                      [--email shanghai@demo.laurel] [--path /me]

Loopback only; every server it starts is stopped and its folder removed on exit.
"""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse

import requests

from laurel_bench import Server, cpu_s

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def session_cookie(url, email, password):
    s = requests.Session()
    token = CSRF_RE.search(s.get(url + "/login", timeout=30).text).group(1)
    r = s.post(url + "/login", data={"csrf": token, "email": email, "password": password},
               allow_redirects=False, timeout=30)
    if r.status_code != 303:
        raise SystemExit("ab_session: cannot sign in as %s (%d)" % (email, r.status_code))
    return "; ".join("%s=%s" % (k, v) for k, v in s.cookies.items())


def drive(url, path, cookie, seconds, threads=4):
    """(requests, non-200 answers) of `threads` keep-alive clients for `seconds`."""
    host = urllib.parse.urlsplit(url)
    counts = [[0, 0] for _ in range(threads)]
    end = time.monotonic() + seconds

    def run(k):
        c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        while time.monotonic() < end:
            c.request("GET", path, headers={"Cookie": cookie})
            r = c.getresponse()
            r.read()
            counts[k][0] += 1
            counts[k][1] += r.status != 200
        c.close()

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(n for n, _ in counts), sum(b for _, b in counts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--email", default="shanghai@demo.laurel")
    ap.add_argument("--path", default="/me")
    o = ap.parse_args()
    work = tempfile.mkdtemp(prefix="laurel-ab-session.")
    servers, cookies = {}, {}
    try:
        subprocess.run([o.a, "demo", "--data", os.path.join(work, "demo")], check=True,
                       capture_output=True)
        for name, binary in (("A", o.a), ("B", o.b)):
            d = os.path.join(work, name)
            shutil.copytree(os.path.join(work, "demo"), os.path.join(d, "data"))
            srv = Server(binary, os.path.join(d, "data"), d, 2, name=name)
            servers[name] = srv
            srv.start()
            cookies[name] = session_cookie(srv.url, o.email, "laurel-demo-2019")
        got = {"A": [], "B": []}
        for r in range(o.rounds):
            for name in ("A", "B") if r % 2 == 0 else ("B", "A"):
                srv = servers[name]
                c0, t0 = cpu_s(srv.proc.pid), time.monotonic()
                n, bad = drive(srv.url, o.path, cookies[name], o.duration)
                c1, t1 = cpu_s(srv.proc.pid), time.monotonic()
                if bad or n == 0:
                    raise SystemExit("ab_session: %d of %d answers were not 200 (%s)"
                                     % (bad, n, name))
                rps, us = n / (t1 - t0), (c1 - c0) / n * 1e6
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
