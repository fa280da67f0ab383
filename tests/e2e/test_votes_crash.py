"""Votes survive SIGKILL: every acknowledged vote is in the database exactly once.

Four voters (verified once through the JSON API; their codes read from the
outbox, where they wait without a sender) vote continuously, each from a
thread of its own, while the server is killed with SIGKILL at a random
moment and started again on the same data.  After every kill: PRAGMA
integrity_check is ok; for every (voter, case) the vote rows number at least
the votes acknowledged (201) and at most those plus the requests that died
with the server unanswered (a commit may land just before the kill); and the
counter table vote_total agrees with the rows (same transaction).  The stage
allows many votes per case so that the voters never run out of cases.
LAUREL_CRASH_CYCLES sets the number of cycles (default 20); bench/votes_soak.sh
runs many more.
"""
import collections
import datetime
import hashlib
import os
import random
import re
import signal
import tempfile
import threading
import time

import requests

from conftest import CSRF_RE, LAUREL_BIN, LaurelServer, ON_PG, db_connect, finish, make_demo

ORGANISER = "organiser@demo.laurel"
PASSWORD = "laurel-demo-2019"
CYCLES = int(os.environ.get("LAUREL_CRASH_CYCLES", "20"))
SEED = int(os.environ.get("LAUREL_CRASH_SEED", str(int(time.time()))))
VOTERS = 4


def open_voting(base, stage):
    s = requests.Session()
    tok = CSRF_RE.search(s.get(base + "/login", timeout=10).text).group(1)
    r = s.post(base + "/login", data={"csrf": tok, "email": ORGANISER, "password": PASSWORD},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    page = s.get(base + "/admin/stages/%d/voting" % stage, timeout=10).text
    today = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    r = s.post(base + "/admin/stages/%d/voting" % stage, allow_redirects=False, timeout=30, data={
        "csrf": CSRF_RE.search(page).group(1),
        "opens_on": (today - datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
        "closes_on": (today + datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
        "verify": "both", "per_case": "1000", "per_day": "100000", "per_net": "10000000",
        "live": "1"})
    assert r.status_code == 303, "expected voting opened, saw %d: %s" % (r.status_code,
                                                                        r.text[:300])


def verified(base, data, stage, n):
    tokens = []
    for i in range(n):
        email = "crash-voter-%d-%d@example.org" % (os.getpid(), i)
        r = requests.post(base + "/api/v1/votes/code", json={"stage": stage, "email": email},
                          timeout=30)
        assert r.status_code == 202, r.text
        db = db_connect(data)
        body = db.execute("SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC",
                          (email,)).fetchone()[0]
        db.close()
        code = re.search(r"(\d{6})", body).group(1)
        r = requests.post(base + "/api/v1/votes/verify",
                          json={"stage": stage, "email": email, "code": code}, timeout=30)
        assert r.status_code == 200, r.text
        tokens.append(r.json()["token"])
    return tokens


class Voter:
    def __init__(self, base, token, cases, ledger, lock, rnd):
        self.base, self.token, self.cases = base, token, cases
        self.ledger, self.lock, self.rnd = ledger, lock, rnd
        self.acked = 0

    def run(self):
        s = requests.Session()
        h = {"Authorization": "Bearer " + self.token}
        while True:
            case = self.rnd.choice(self.cases)
            key = (self.token, case)
            try:
                r = s.post(self.base + "/api/v1/votes", json={"case": case}, headers=h, timeout=10)
            except requests.RequestException:
                with self.lock:
                    self.ledger["unanswered"][key] += 1
                return
            if r.status_code != 201:
                raise AssertionError("vote for %d: expected 201, saw %d: %s"
                                     % (case, r.status_code, r.text[:200]))
            with self.lock:
                self.ledger["acked"][key] += 1
            self.acked += 1


def check(data, stage, ledger, voter_of, cycle, base_totals, base_id):
    db = db_connect(data)
    try:
        if not ON_PG:  # SQLite's file checked whole; PostgreSQL's is the server's own
            ok = db.execute("PRAGMA integrity_check").fetchall()
            assert ok == [("ok",)], "cycle %d: integrity_check %r" % (cycle, ok[:5])
        # One snapshot for the three reads: on PostgreSQL a batch whose COMMIT the killed server
        # had already sent may still land meanwhile, between the rows and their totals.
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if ON_PG else "BEGIN")
        rows = dict(((v, c), n) for v, c, n in db.execute(
            "SELECT voter_id, case_id, count(*) FROM vote WHERE stage_id = ? AND id > ? "
            "GROUP BY voter_id, case_id", (stage, base_id)))
        totals = dict(db.execute("SELECT case_id, votes FROM vote_total WHERE stage_id = ?",
                                 (stage,)).fetchall())
        by_case = dict(db.execute("SELECT case_id, count(*) FROM vote WHERE stage_id = ? "
                                  "AND id > ? GROUP BY case_id", (stage, base_id)).fetchall())
        db.execute("COMMIT")
    finally:
        db.close()
    for key in set(ledger["acked"]) | set(ledger["unanswered"]):
        token, case = key
        n = rows.get((voter_of[token], case), 0)
        lo = ledger["acked"][key]
        hi = lo + ledger["unanswered"][key]
        assert lo <= n <= hi, ("cycle %d: case %d, voter %d: expected %d..%d vote rows "
                               "(acknowledged %d), saw %d" % (cycle, case, voter_of[token], lo,
                                                              hi, lo, n))
    # Votes in the database that no request of ours could have made: none.
    for (v, c), n in rows.items():
        assert v in voter_of.values(), "cycle %d: a vote of unknown voter %d" % (cycle, v)
    for c, n in by_case.items():
        want = base_totals.get(c, 0) + n
        assert totals.get(c, 0) == want, ("cycle %d: case %d: vote_total %r, expected %d (%d "
                                          "before, %d rows)" % (cycle, c, totals.get(c), want,
                                                                base_totals.get(c, 0), n))


def test_sigkill_while_voting_loses_no_acknowledged_vote():
    rnd = random.Random(SEED)
    workdir = tempfile.mkdtemp(prefix="laurel-votes-crash-")
    srv = None
    acked = 0
    try:
        data = make_demo(workdir, "--cases", "200")
        db = db_connect(data)
        stage = db.execute("SELECT s.id FROM stage s WHERE s.kind = 'exhibition' AND EXISTS "
                           "(SELECT 1 FROM stage_case c WHERE c.stage_id = s.id) "
                           "ORDER BY s.id DESC").fetchone()[0]  # the edition in review's
        cases = [c for (c,) in db.execute("SELECT case_id FROM stage_case WHERE stage_id = ? "
                                          "ORDER BY case_id LIMIT 50", (stage,))]
        # The demo's own votes (rows up to base_id, their totals) are the starting point.
        base_totals = dict(db.execute("SELECT case_id, votes FROM vote_total WHERE stage_id = ?",
                                      (stage,)).fetchall())
        base_id = db.execute("SELECT coalesce(max(id), 0) FROM vote").fetchone()[0]
        db.close()
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        open_voting(srv.url, stage)
        tokens = verified(srv.url, data, stage, VOTERS)
        db = db_connect(data)
        voter_of = {t: db.execute("SELECT voter_id FROM voter_token WHERE token_hash = ?",
                                  (hashlib.sha256(t.encode()).hexdigest(),)).fetchone()[0]
                    for t in tokens}
        db.close()
        ledger = {"acked": collections.Counter(), "unanswered": collections.Counter()}
        lock = threading.Lock()
        for cycle in range(CYCLES):
            if srv.proc is None:
                srv.start()
            voters = [Voter(srv.url, t, cases, ledger, lock, random.Random(rnd.random()))
                      for t in tokens]
            threads = [threading.Thread(target=v.run) for v in voters]
            for t in threads:
                t.start()
            time.sleep(rnd.uniform(0.2, 1.0))  # the random moment of the kill, not a wait for it
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(timeout=30)
            srv.proc = None
            for t in threads:
                t.join(timeout=30)
                assert not t.is_alive(), "a voter did not notice the server's death"
            acked += sum(v.acked for v in voters)
            check(data, stage, ledger, voter_of, cycle, base_totals, base_id)
            if os.environ.get("LAUREL_CRASH_VERBOSE"):
                print("cycle %d: %d votes acknowledged" % (cycle, acked))
        assert acked >= CYCLES, ("expected votes acknowledged in most cycles; saw %d in %d "
                                 "cycles (seed %d)" % (acked, CYCLES, SEED))
        srv.start()
    finally:
        finish(srv, workdir)
