#!/usr/bin/env python3
"""votes.py — durable acknowledged votes per second over HTTP, against one
transaction per vote.

A fresh demo in a temporary folder; its exhibition stage is opened for voting
with limits high enough that no vote is refused (every limit is still
checked: the stage is open, the case in its pool, the voter's votes for the
case, today's votes of the voter and of the network prefix, each read in the
vote's own transaction); VOTERS verified voters are written into the
database with their tokens before the server starts (the code round-trip is
not what is measured here).  Then, for each round and each connection count
(1, 16, 64, 256), wrk POSTs /api/v1/votes {"case": C} with a random voter's
Bearer token and a random case of the stage for DURATION seconds; a vote
counts when it is answered 201, which laurel sends only after the group
commit holding it is durable (synchronous=FULL).  The reference, in the same
round: bench/votes_baseline.c, one INSERT and COMMIT per vote on a copy of
the database (WAL, synchronous=FULL), from one thread.  After the last round
the server is stopped and the vote rows are counted: at least the 201s, and
no more than the 201s plus the requests in flight when wrk stopped (at most
one per connection per run; wrk does not wait for their answers).

Reports medians over the rounds: votes/s, p50 and p99 latency at each
connection count, the server's CPU time per acknowledged vote (user + system,
all its threads: what a loaded machine does not inflate), the baseline's
votes/s and p99, the ratio, and the server's peak RSS (VmHWM, and VmRSS
sampled every 50 ms).  The last line is
`RESULT key=value ...`.

Usage: python3 bench/votes.py [--laurel build/laurel] [--rounds 3] [--duration 5]
       [--conns 1,16,64,256] [--voters 2000] [--threads NPROC] [--cases 4000]
       [--load wrk|c]
Needs gcc, libsqlite3-dev, python3-requests, and wrk; without wrk (or with
--load c) the load is bench/votes_load.c, the same requests and RESULT line
from one thread over epoll.
"""
import argparse
import datetime
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import (Sampler, Workspace, add_laurel_option, log, proc_kib,  # noqa: E402
                          run_main)

HERE = os.path.dirname(os.path.abspath(__file__))
RESULT_RE = re.compile(r"RESULT (.*)")


def parse(text):
    m = RESULT_RE.search(text)
    if not m:
        raise SystemExit("votes: no RESULT line in:\n" + text[-2000:])
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def cpu_s(pid):
    """The process's user + system CPU seconds so far (every thread)."""
    with open("/proc/%d/stat" % pid) as f:
        x = f.read().rsplit(")", 1)[1].split()
    return (int(x[11]) + int(x[12])) / os.sysconf("SC_CLK_TCK")


def prepare(data, voters):
    """Open the exhibition stage for voting; write `voters` verified voters; (stage, cases, tokens)."""
    db = sqlite3.connect(os.path.join(data, "laurel.db"))
    stage = db.execute("SELECT s.id FROM stage s WHERE s.kind = 'exhibition' AND EXISTS "
                       "(SELECT 1 FROM stage_case c WHERE c.stage_id = s.id) ORDER BY s.id DESC").fetchone()[0]
    cases = [c for (c,) in db.execute("SELECT case_id FROM stage_case WHERE stage_id = ?", (stage,))]
    today = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    db.execute("INSERT OR REPLACE INTO vote_setting (stage_id, opens_on, closes_on, verify, per_case, "
               "per_day, per_net, live) VALUES (?, ?, ?, 'both', 1000000000, 1000000000, "
               "1000000000, 1)", (stage, (today - datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
                                  (today + datetime.timedelta(days=1)).strftime("%Y-%m-%d")))
    tokens = []
    for i in range(voters):
        cur = db.execute("INSERT INTO voter (hmac, kind, masked) VALUES (?, 'email', ?)",
                         (secrets.token_hex(32), "b***@bench.example"))
        tok = secrets.token_urlsafe(32)
        db.execute("INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) "
                   "VALUES (?, ?, ?, 4102444800)",
                   (hashlib.sha256(tok.encode()).hexdigest(), stage, cur.lastrowid))
        tokens.append(tok)
    db.commit()
    voter = db.execute("SELECT min(id) FROM voter").fetchone()[0]
    before = db.execute("SELECT count(*) FROM vote WHERE stage_id = ?", (stage,)).fetchone()[0]
    db.close()
    return stage, cases, tokens, voter, before


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", default="1,16,64,256")
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--load", choices=("wrk", "c"), default="wrk" if shutil.which("wrk") else "c")
    o = ap.parse_args()
    conns = [int(c) for c in o.conns.split(",")]
    for tool in ("wrk", "gcc") if o.load == "wrk" else ("gcc",):
        if not shutil.which(tool):
            raise SystemExit("votes: %s is missing" % tool)
    with Workspace("votes", o.laurel) as w:
        baseline_bin = os.path.join(w.work, "votes_baseline")
        subprocess.run(["gcc", "-O2", "-o", baseline_bin, os.path.join(HERE, "votes_baseline.c"),
                        "-lsqlite3"], check=True)
        load_bin = os.path.join(w.work, "votes_load")
        if o.load == "c":
            subprocess.run(["gcc", "-O2", "-o", load_bin, os.path.join(HERE, "votes_load.c")],
                           check=True)
        w.demo(o.cases)
        # The demo's own votes are in the stage already: only rows added since are compared.
        stage, cases, tokens, voter, rows_before = prepare(w.data, o.voters)
        tok_file, case_file = os.path.join(w.work, "tokens"), os.path.join(w.work, "cases")
        with open(tok_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        with open(case_file, "w") as f:
            f.write("\n".join(map(str, cases)) + "\n")
        # The reference's copy, made before any vote: the same schema, indexes and size.
        base_db = os.path.join(w.work, "baseline.db")
        src = sqlite3.connect(os.path.join(w.data, "laurel.db"))
        dst = sqlite3.connect(base_db)
        src.backup(dst)
        src.close()
        dst.close()
        server = w.serve(o.threads)
        pid = server.proc.pid
        sampler = Sampler(pid)
        sampler.start()
        runs = {c: [] for c in conns}
        base_runs = []
        created_total = 0
        for rnd in range(o.rounds):
            p = subprocess.run([baseline_bin, base_db, str(o.duration), str(stage), str(cases[0]),
                                str(voter)], capture_output=True, text=True, timeout=o.duration * 4 + 60)
            b = parse(p.stdout + p.stderr)
            base_runs.append(b)
            log("round %d: baseline %.0f votes/s, p99 %.2f ms" % (rnd + 1, b["votes_per_s"], b["p99_ms"]))
            for c in conns:
                if o.load == "wrk":
                    cmd = ["wrk", "-t1", "-c%d" % c, "-d%ds" % o.duration, "--latency", "-s",
                           os.path.join(HERE, "votes.lua"), server.url, "--", tok_file, case_file]
                else:
                    host, port = server.url.rsplit("/", 1)[1].split(":")
                    cmd = [load_bin, host, port, str(c), str(o.duration), tok_file, case_file]
                cpu0 = cpu_s(pid)
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=o.duration * 4 + 60)
                r = parse(p.stdout)
                r["us_cpu"] = (cpu_s(pid) - cpu0) / max(r["created"], 1) * 1e6
                r["votes_per_s"] = r["created"] / o.duration
                created_total += int(r["created"])
                runs[c].append(r)
                log("round %d: %3d connections: %.0f votes/s, p50 %.2f ms, p99 %.2f ms, "
                    "%.1f us CPU/vote, refused %d, errors %d"
                    % (rnd + 1, c, r["votes_per_s"], r["p50_ms"], r["p99_ms"], r["us_cpu"],
                       r["other"], r["errors"]))
        hwm = proc_kib(pid, "VmHWM")
        sampler.stop_ev.set()
        sampler.join()
        server.stop()
        w.server = None
        db = sqlite3.connect(os.path.join(w.data, "laurel.db"))
        rows = db.execute("SELECT count(*) FROM vote WHERE stage_id = ?", (stage,)).fetchone()[0]
        rows -= rows_before
        db.close()
    med = lambda xs: statistics.median(xs)  # noqa: E731
    base = med([b["votes_per_s"] for b in base_runs])
    print("durable votes over HTTP, every limit checked; medians of %d rounds of %d s; load: %s"
          % (o.rounds, o.duration, o.load))
    print("  baseline (one transaction per vote): %8.0f votes/s   p99 %7.2f ms"
          % (base, med([b["p99_ms"] for b in base_runs])))
    fields = ["baseline_vps=%.0f" % base]
    for c in conns:
        vps = med([r["votes_per_s"] for r in runs[c]])
        p50 = med([r["p50_ms"] for r in runs[c]])
        p99 = med([r["p99_ms"] for r in runs[c]])
        cpu = med([r["us_cpu"] for r in runs[c]])
        print("  laurel %3d connections:             %8.0f votes/s   p50 %6.2f ms   p99 %7.2f ms"
              "   %.1fx baseline   %5.1f us CPU/vote" % (c, vps, p50, p99, vps / base if base else 0,
                                                         cpu))
        fields += ["c%d_vps=%.0f" % (c, vps), "c%d_p99_ms=%.2f" % (c, p99),
                   "c%d_us_cpu=%.1f" % (c, cpu)]
    print("  peak RSS: VmHWM %.1f MB, sampled VmRSS max %.1f MB" % (hwm / 1024, sampler.max_rss / 1024))
    inflight = o.rounds * sum(conns)
    ok = created_total <= rows <= created_total + inflight
    print("  vote rows added %d, acknowledged %d, in flight at the load's stops at most %d: %s"
          % (rows, created_total, inflight, "ok" if ok else "MISMATCH"))
    fields += ["hwm_mb=%.1f" % (hwm / 1024), "rows=%d" % rows, "acked=%d" % created_total]
    print("RESULT " + " ".join(fields))
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
