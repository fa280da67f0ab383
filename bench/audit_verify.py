#!/usr/bin/env python3
"""audit_verify.py — `laurel audit verify` over the demo with a million votes.

A fresh demo (4,000 cases; its actions' rows and the statement's); then VOTES
votes of VOTERS voters on the exhibition stage's cases are appended to the
database directly, sealed in batches of BATCH votes as the writer seals them
(a row per batch whose digest is the Merkle root of its votes, each row's hash
covering the previous one), computed here from the rules written in
src/store/audit.h alone: that `verify` accepts them is a check of those rules
too.  BATCH defaults to 26, the median batch of bench/audit_votes.py at 64
connections, so the chain has the rows a real vote would leave (about 38,000).

Then `laurel audit verify` runs ROUNDS times (wall time, and the CPU time of
all its threads, which a loaded machine does not inflate); the reference, in the same run,
is a plain read of the same rows (every vote and every audit row through the
sqlite3 command line, no hashing).  Reports the median seconds and the ratio;
the last line is `RESULT key=value ...`.  Verify reads everything each time:
no cache could serve it, and none should (it is a check).

Usage: python3 bench/audit_verify.py [--laurel build/laurel] [--votes 1000000]
       [--batch 26] [--rounds 3]
Needs the sqlite3 command-line shell.
"""
import argparse
import hashlib
import os
import random
import resource
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import Workspace, add_laurel_option, log, run_main  # noqa: E402

ZERO = "0" * 64


def merkle_root(leaves):
    """The root over leaf hashes (audit.h / merkle.h): 0x01 nodes, an odd last hash carried up."""
    if not leaves:
        return bytes(32)
    while len(leaves) > 1:
        up = [hashlib.sha256(b"\x01" + leaves[i] + leaves[i + 1]).digest()
              for i in range(0, len(leaves) - 1, 2)]
        if len(leaves) % 2:
            up.append(leaves[-1])
        leaves = up
    return leaves[0]


def row_hash(prev, rid, at, who, what, obj, case_id, digest, first, last, count):
    def n(v):
        return "" if v is None else str(v)
    text = "\n".join([prev, str(rid), str(at), str(who), what, obj, n(case_id), digest,
                      n(first), n(last), n(count)])
    return hashlib.sha256(text.encode()).hexdigest()


def add_votes(db_path, votes, voters, batch, seed=2019):
    """Append `votes` sealed votes; returns the number of audit rows added."""
    rng = random.Random(seed)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous=OFF")
    stage = db.execute("SELECT s.id FROM stage s WHERE s.kind = 'exhibition' AND EXISTS "
                       "(SELECT 1 FROM stage_case c WHERE c.stage_id = s.id) ORDER BY s.id DESC"
                       ).fetchone()[0]
    cases = [c for (c,) in db.execute("SELECT case_id FROM stage_case WHERE stage_id = ?",
                                      (stage,))]
    first_voter = None
    for i in range(voters):
        cur = db.execute("INSERT INTO voter (hmac, kind, masked) VALUES (?, 'phone', ?)",
                         ("%064x" % rng.getrandbits(256), "138****%04d" % (i % 10000)))
        first_voter = first_voter or cur.lastrowid
    rid, prev = db.execute("SELECT coalesce(max(id), 0), coalesce((SELECT hash FROM audit "
                           "ORDER BY id DESC LIMIT 1), ?) FROM audit", (ZERO,)).fetchone()
    vid = db.execute("SELECT coalesce(max(id), 0) FROM vote").fetchone()[0]
    ords = {}
    rows = 0
    at = int(time.time())
    done = 0
    while done < votes:
        n = min(batch, votes - done)
        leaves, vals = [], []
        for _ in range(n):
            vid += 1
            voter = first_voter + rng.randrange(voters)
            case = rng.choice(cases)
            o = ords[(voter, case)] = ords.get((voter, case), 0) + 1
            day, net, ua = "2019-04-%02d" % rng.randint(1, 30), "10.%d.%d.0/24" % (
                rng.randrange(256), rng.randrange(256)), "%064x" % rng.getrandbits(256)
            vals.append((vid, stage, case, voter, o, day, net, ua))
            leaves.append(hashlib.sha256(b"\x00" + ("%d|%d|%d|%d|%d|%s|%s|%s" % (
                vid, stage, case, voter, o, day, net, ua)).encode()).digest())
        db.executemany("INSERT INTO vote (id, stage_id, case_id, voter_id, ord, day, net, "
                       "ua_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", vals)
        rid += 1
        digest = merkle_root(leaves).hex()
        first, last = vals[0][0], vals[-1][0]
        h = row_hash(prev, rid, at, 0, "votes", "", None, digest, first, last, n)
        db.execute("INSERT INTO audit (id, at, who, what, object, digest, vote_first, vote_last, "
                   "vote_count, prev, hash) VALUES (?, ?, 0, 'votes', '', ?, ?, ?, ?, ?, ?)",
                   (rid, at, digest, first, last, n, prev, h))
        prev = h
        rows += 1
        done += n
    db.commit()
    db.close()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--votes", type=int, default=1000000)
    ap.add_argument("--voters", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=26)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", type=int, default=4000)
    o = ap.parse_args()
    if not shutil.which("sqlite3"):
        raise SystemExit("audit_verify: the sqlite3 shell is missing")
    with Workspace("audit_verify", o.laurel) as w:
        w.demo(o.cases)
        db_path = os.path.join(w.data, "laurel.db")
        db = sqlite3.connect(db_path)
        demo_votes = db.execute("SELECT count(*) FROM vote").fetchone()[0]  # the demo's own
        db.close()
        t0 = time.monotonic()
        rows = add_votes(db_path, o.votes, o.voters, o.batch)
        log("%d votes in %d sealed batches added in %.1f s" % (o.votes, rows,
                                                               time.monotonic() - t0))
        times, base, cpu = [], [], []
        for rnd in range(o.rounds):
            t = time.monotonic()
            subprocess.run(["sqlite3", db_path, "SELECT count(*), sum(length(net)) FROM vote; "
                            "SELECT count(*), sum(length(hash)) FROM audit;"],
                           check=True, capture_output=True, timeout=600)
            base.append(time.monotonic() - t)
            t, ru = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.run([w.binary, "audit", "verify", "--data", w.data],
                               capture_output=True, text=True, timeout=600)
            times.append(time.monotonic() - t)
            ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(ru2.ru_utime - ru.ru_utime + ru2.ru_stime - ru.ru_stime)
            if p.returncode != 0:
                raise SystemExit("audit_verify: verify failed:\n" + p.stdout + p.stderr)
            m = re.search(r"holding (\d+) votes", p.stdout)
            if not m or int(m.group(1)) != demo_votes + o.votes:
                raise SystemExit("audit_verify: expected %d votes checked:\n%s" % (
                    demo_votes + o.votes, p.stdout))
            log("round %d: verify %.2f s, %.2f s CPU (plain read %.2f s)" % (
                rnd + 1, times[-1], cpu[-1], base[-1]))
        log(p.stdout.strip())
    v, b, c = statistics.median(times), statistics.median(base), statistics.median(cpu)
    print("laurel audit verify, %d votes in %d batches of %d (and the demo's %d), medians of %d "
          "rounds" % (o.votes, rows, o.batch, demo_votes, o.rounds))
    print("  verify (whole command): %.2f s wall, %.2f s CPU (user+system, all threads)" % (v, c))
    print("  plain read of the same rows: %.2f s   ratio %.1fx" % (b, v / b))
    print("RESULT verify_s=%.2f verify_cpu_s=%.2f read_s=%.2f ratio=%.2f votes=%d batches=%d" % (
        v, c, b, v / b, o.votes, rows))


if __name__ == "__main__":
    run_main(main)
