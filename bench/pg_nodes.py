#!/usr/bin/env python3
"""pg_nodes.py — Laurel on PostgreSQL beside Laurel on SQLite, in one run (issue 15).

One demo of --cases cases with --voters verified voters (bench/votes.py's), copied by
`laurel migrate-db` into a throwaway PostgreSQL server (tests/e2e/pgcluster.py: initdb in a
temporary folder, fsync and synchronous_commit on, its other settings Debian's defaults).
Then, round after round, the same loads against each set-up, one set-up up at a time:

  sqlite   one node on the demo's SQLite database;
  pg       one node on PostgreSQL;
  pg x2    two nodes on that PostgreSQL, sharing the data folder, the load split evenly.

  case     GET /cases/ID over every published case at random (wrk, bench/reads.lua), the
           page cache off (--no-page-cache): the real cost of a page; one node;
  search   GET /search?q= of 1 to 4 characters, half from titles, half rare (reads.py's),
           every request a different query, the page cache off: p95; one node;
  votes    durable votes at --conns connections in all (bench/votes_load.c): a vote counts
           when answered 201, after its commit.

  beside  two nodes on PostgreSQL, node a with its page cache: case pages read from node a
           at random (as `case`), first alone, then while node b takes votes at --conns / 4
           connections; node a's page-cache hit ratio over each (from its /metrics) says
           whether another node's writes emptied its cache (they did before page_change).

Prints the medians over rounds, the CPU each vote cost the nodes and the PostgreSQL server
(user + system of every process), and the ratios: PostgreSQL to SQLite, two nodes to one
(the cost of a node added).  The last line is `RESULT key=value ...`.

Usage: python3 bench/pg_nodes.py [--laurel build/laurel] [--cases 4000] [--rounds 3]
       [--duration 5] [--conns 256] [--voters 2000] [--threads NPROC]
Needs gcc, wrk, python3-requests and Debian's postgresql.
"""
import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from laurel_bench import Server, Workspace, add_laurel_option, cpu_s, log, run_main  # noqa: E402
from pgcluster import pg_cluster  # noqa: E402
from reads import make_paths, write_list  # noqa: E402
from votes import parse, prepare  # noqa: E402


def pg_cpu_s():
    """CPU seconds so far of every PostgreSQL server process."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read().strip() != "postgres":
                    continue
            total += cpu_s(int(pid))
        except OSError:
            pass
    return total


def wrk(url, paths_file, mode, duration, conns):
    r = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % duration, "--timeout", "30s",
                        "-s", os.path.join(HERE, "reads.lua"), url, "--", paths_file, mode],
                       capture_output=True, text=True, timeout=duration + 120)
    m = re.search(r"^RESULT (.*)$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        raise SystemExit("pg_nodes: wrk failed: %s %s" % (r.stdout[-800:], r.stderr[-800:]))
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def votes(load_bin, nodes, conns, duration, tok_file, case_file):
    """Votes at conns connections split over nodes at once: (votes/s, p99 ms, CPU us/vote)."""
    pids = [n.proc.pid for n in nodes]
    cpu0, pg0 = sum(cpu_s(p) for p in pids), pg_cpu_s()
    procs = []
    for n in nodes:
        host, port = n.url.rsplit("/", 1)[1].split(":")
        procs.append(subprocess.Popen([load_bin, host, port, str(conns // len(nodes)),
                                       str(duration), tok_file, case_file],
                                      stdout=subprocess.PIPE, text=True))
    res = [parse(p.communicate(timeout=duration * 4 + 60)[0]) for p in procs]
    created = sum(r["created"] for r in res)
    node_us = (sum(cpu_s(p) for p in pids) - cpu0) / max(created, 1) * 1e6
    pg_us = (pg_cpu_s() - pg0) / max(created, 1) * 1e6
    return created / duration, max(r["p99_ms"] for r in res), node_us, pg_us


def cache_counts(url):
    """Node url's page-cache (hits, misses) so far."""
    text = requests.get(url + "/metrics", timeout=30).text
    get = lambda k: float(re.search(r"^%s (\S+)$" % k, text, re.M).group(1))  # noqa: E731
    return get("laurel_pagecache_hits_total"), get("laurel_pagecache_misses_total")


def beside(w, o, uri, case_paths, load_bin, tok_file, case_file):
    """Node a's cached case pages alone and beside node b's votes: ({rps, hit}, {rps, hit})."""
    nodes = []
    for i, extra in enumerate((["--db", uri], ["--db", uri, "--no-page-cache"])):
        d = os.path.join(w.work, "beside-%d" % i)
        os.makedirs(d, exist_ok=True)
        n = Server(w.binary, w.data, d, o.threads, "pg_nodes", extra)
        n.start()
        nodes.append(n)
    a, b = nodes
    try:
        wrk(a.url, case_paths, "seq", o.duration, 16)  # every page once: a cache that ran a while
        out = []
        for with_votes in (False, True):
            h0 = cache_counts(a.url)
            t = None
            if with_votes:
                t = threading.Thread(target=votes, args=(load_bin, [b], max(o.conns // 4, 1),
                                                         o.duration, tok_file, case_file))
                t.start()
            r = wrk(a.url, case_paths, "random", o.duration, 16)
            if t:
                t.join()
            h1 = cache_counts(a.url)
            hits, misses = h1[0] - h0[0], h1[1] - h0[1]
            out.append({"rps": r["rps"], "hit": hits / max(hits + misses, 1)})
        return out
    finally:
        for n in nodes:
            n.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", type=int, default=256)
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    o = ap.parse_args()
    for tool in ("wrk", "gcc"):
        if not shutil.which(tool):
            raise SystemExit("pg_nodes: %s is missing" % tool)
    with Workspace("pgnodes", o.laurel) as w, pg_cluster() as pg:
        load_bin = os.path.join(w.work, "votes_load")
        subprocess.run(["gcc", "-O2", "-o", load_bin, os.path.join(HERE, "votes_load.c")],
                       check=True)
        w.demo(o.cases)
        stage, cases, tokens, _, _ = prepare(w.data, o.voters)
        tok_file, case_file = os.path.join(w.work, "tokens"), os.path.join(w.work, "cases")
        write_list(tok_file, tokens)
        write_list(case_file, map(str, cases))
        db = sqlite3.connect(os.path.join(w.data, "laurel.db"))
        paths = make_paths(db, random.Random(2019), 1, 4000)
        db.close()
        case_paths, search_paths = os.path.join(w.work, "case"), os.path.join(w.work, "search")
        write_list(case_paths, paths["case"])
        write_list(search_paths, paths["search"])
        uri = pg.create("laurel")
        subprocess.run([w.binary, "migrate-db", "--from", w.data, "--to", uri], check=True,
                       stdout=subprocess.DEVNULL, timeout=3600)
        setups = {"sqlite": [[]], "pg": [["--db", uri]], "pg x2": [["--db", uri]] * 2}
        res = {k: {"case": [], "search": [], "votes": []} for k in setups}
        rb = []
        for rnd in range(o.rounds):
            for name, extras in setups.items():
                nodes = []
                for i, extra in enumerate(extras):
                    d = os.path.join(w.work, "%s-%d" % (name.replace(" ", ""), i))
                    os.makedirs(d, exist_ok=True)
                    n = Server(w.binary, w.data, d, o.threads, "pg_nodes",
                               extra + ["--no-page-cache"])
                    n.start()
                    nodes.append(n)
                try:
                    if len(nodes) == 1:
                        c = wrk(nodes[0].url, case_paths, "random", o.duration, 16)
                        s = wrk(nodes[0].url, search_paths, "seq", o.duration, 16)
                        res[name]["case"].append(c["rps"])
                        res[name]["search"].append(s["p95_ms"])
                        log("round %d %-6s case %6.0f req/s   search p95 %6.2f ms"
                            % (rnd + 1, name, c["rps"], s["p95_ms"]))
                    v = votes(load_bin, nodes, o.conns, o.duration, tok_file, case_file)
                    res[name]["votes"].append(v)
                    log("round %d %-6s votes %6.0f/s   p99 %6.1f ms   %5.0f us CPU nodes, %5.0f "
                        "us CPU PostgreSQL a vote" % ((rnd + 1, name) + v))
                finally:
                    for n in nodes:
                        n.stop()
            alone, with_votes = beside(w, o, uri, case_paths, load_bin, tok_file, case_file)
            rb.append((alone, with_votes))
            log("round %d beside case pages on node a %6.0f req/s (hits %.3f) alone, %6.0f "
                "(hits %.3f) while node b takes votes" % (rnd + 1, alone["rps"], alone["hit"],
                                                        with_votes["rps"], with_votes["hit"]))
    med = statistics.median
    print("Laurel on PostgreSQL beside SQLite: %d cases, medians of %d rounds of %d s, %d cores"
          % (o.cases, o.rounds, o.duration, os.cpu_count()))
    fields = []
    for name, r in res.items():
        vps = med(v[0] for v in r["votes"])
        line = "  %-6s votes %7.0f/s  p99 %6.1f ms  CPU a vote: nodes %4.0f us, PostgreSQL %4.0f us" % (
            name, vps, med(v[1] for v in r["votes"]), med(v[2] for v in r["votes"]),
            med(v[3] for v in r["votes"]))
        key = name.replace(" ", "")
        fields.append("%s_vps=%.0f" % (key, vps))
        if r["case"]:
            line += "   case %6.0f req/s   search p95 %6.2f ms" % (med(r["case"]), med(r["search"]))
            fields += ["%s_case_rps=%.0f" % (key, med(r["case"])),
                       "%s_search_p95_ms=%.2f" % (key, med(r["search"]))]
        print(line)
    v = {k: med(x[0] for x in r["votes"]) for k, r in res.items()}
    print("  PostgreSQL / SQLite: votes %.2f, case pages %.2f; two nodes / one: votes %.2f"
          % (v["pg"] / v["sqlite"], med(res["pg"]["case"]) / med(res["sqlite"]["case"]),
             v["pg x2"] / v["pg"]))
    alone, voting = (med(x[i]["rps"] for x in rb) for i in (0, 1))
    hit_alone, hit_voting = (med(x[i]["hit"] for x in rb) for i in (0, 1))
    print("  beside: node a's cached case pages %.0f req/s alone (hits %.3f), %.0f while node b "
          "takes votes (hits %.3f): %.2fx" % (alone, hit_alone, voting, hit_voting,
                                              voting / alone))
    fields += ["beside_alone_rps=%.0f" % alone, "beside_votes_rps=%.0f" % voting,
               "beside_alone_hit=%.3f" % hit_alone, "beside_votes_hit=%.3f" % hit_voting]
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    run_main(main)
