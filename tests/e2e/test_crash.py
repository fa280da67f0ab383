"""The crash test: SIGKILL at random moments under writes loses nothing acknowledged.

A writer client (two threads, signed in as the demo submitter) creates drafts
and saves them over and over, each save with a new sequence number in its
title, while the server is killed with SIGKILL after a random delay.  After
every kill the database must pass PRAGMA integrity_check, every draft whose
creation was acknowledged (303) must exist, and every draft must hold a save
at least as new as the last one acknowledged.  Then the server starts again on
the same data (the data-folder lock died with the process) and the next cycle
begins.  LAUREL_CRASH_CYCLES sets the number of cycles (default 20);
bench/crash_soak.sh runs many more.
"""
import os
import random
import re
import signal
import tempfile
import threading
import time

import requests

from conftest import CSRF_RE, LAUREL_BIN, LaurelServer, ON_PG, db_connect, finish, make_demo

SUBMITTER = "zhoujiadu@demo.laurel"
PASSWORD = "laurel-demo-2019"
CYCLES = int(os.environ.get("LAUREL_CRASH_CYCLES", "20"))
SEED = int(os.environ.get("LAUREL_CRASH_SEED", str(int(time.time()))))
TITLE_RE = re.compile(r"崩溃测试 (\d+)-(\d+)")


def sign_in(base):
    s = requests.Session()
    r = s.get(base + "/login", timeout=10)
    tok = CSRF_RE.search(r.text).group(1)
    r = s.post(base + "/login", data={"csrf": tok, "email": SUBMITTER, "password": PASSWORD},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303, "expected to sign in as %s, saw %d" % (SUBMITTER, r.status_code)
    r = s.get(base + "/submit", timeout=10)
    return s, CSRF_RE.search(r.text).group(1)


class Writer:
    """Writes until the server dies; remembers what was acknowledged."""

    def __init__(self, base, session, token, ledger, lock, rnd):
        self.base, self.s, self.token = base, session, token
        self.ledger, self.lock, self.rnd = ledger, lock, rnd
        self.acked = 0
        self.mine = set()

    def run(self):
        try:
            while True:
                # Each writer saves only its own drafts, one request at a time, so the order of
                # its saves is the order of their commits.
                with self.lock:
                    ids = sorted(self.mine & self.ledger["created"])
                if len(ids) < 3 or self.rnd.random() < 0.1:
                    r = self.s.post(self.base + "/submit/new", data={"csrf": self.token},
                                    allow_redirects=False, timeout=10)
                    if r.status_code != 303:
                        raise AssertionError("POST /submit/new: expected 303, saw %d: %s"
                                             % (r.status_code, r.text[:200]))
                    cid = int(r.headers["Location"].rsplit("/", 1)[1])
                    with self.lock:
                        self.ledger["created"].add(cid)
                        self.mine.add(cid)
                    self.acked += 1
                    continue
                cid = self.rnd.choice(ids)
                with self.lock:
                    seq = self.ledger["next_seq"]
                    self.ledger["next_seq"] += 1
                data = {"csrf": self.token, "title": "崩溃测试 %d-%d" % (cid, seq), "track": "",
                        "tags": "", "action": "save", "s1": "背景 %d" % seq}
                r = self.s.post(self.base + "/submit/%d" % cid, data=data, allow_redirects=False,
                                timeout=10)
                if r.status_code != 303:
                    raise AssertionError("POST /submit/%d: expected 303, saw %d: %s"
                                         % (cid, r.status_code, r.text[:200]))
                with self.lock:
                    prev = self.ledger["saved"].get(cid, -1)
                    self.ledger["saved"][cid] = max(prev, seq)
                self.acked += 1
        except requests.RequestException:
            return  # the server was killed: whatever was not acknowledged may be lost


def check_database(data, ledger, cycle):
    db = db_connect(data)
    try:
        if not ON_PG:  # SQLite's file checked whole; PostgreSQL's is the server's own
            ok = db.execute("PRAGMA integrity_check").fetchall()
            assert ok == [("ok",)], "cycle %d: expected integrity_check ok, saw %r" % (
                cycle, ok[:5])
        ids = sorted(ledger["created"])
        rows = dict(db.execute('SELECT id, title FROM "case" WHERE id IN (%s)'
                               % ",".join("?" * len(ids)), ids).fetchall()) if ids else {}
    finally:
        db.close()
    missing = [c for c in ids if c not in rows]
    assert not missing, "cycle %d: acknowledged drafts missing after SIGKILL: %r" % (cycle, missing)
    for cid, seq in ledger["saved"].items():
        m = TITLE_RE.search(rows[cid] or "")
        assert m and int(m.group(1)) == cid and int(m.group(2)) >= seq, (
            "cycle %d: draft %d: expected a save at least as new as acknowledged save %d; saw %r"
            % (cycle, cid, seq, rows[cid]))


def test_sigkill_under_writes_loses_nothing_acknowledged():
    rnd = random.Random(SEED)
    workdir = tempfile.mkdtemp(prefix="laurel-crash-")
    srv = None
    acked_total = 0
    try:
        data = make_demo(workdir, "--cases", "200")
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        ledger = {"created": set(), "saved": {}, "next_seq": 0}
        lock = threading.Lock()
        for cycle in range(CYCLES):
            srv.start()
            s, token = sign_in(srv.url)
            writers = [Writer(srv.url, s if i == 0 else sign_in(srv.url)[0], token, ledger, lock,
                              random.Random(rnd.random())) for i in range(2)]
            # Each session has its own CSRF token: the second writer fetches its own.
            for w in writers[1:]:
                w.token = CSRF_RE.search(w.s.get(srv.url + "/submit", timeout=10).text).group(1)
            threads = [threading.Thread(target=w.run) for w in writers]
            for t in threads:
                t.start()
            time.sleep(rnd.uniform(0.2, 1.2))  # the random moment of the kill, not a wait for it
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(timeout=30)
            srv.proc = None
            for t in threads:
                t.join(timeout=30)
                assert not t.is_alive(), "a writer did not notice the server's death"
            acked_total += sum(w.acked for w in writers)
            check_database(data, ledger, cycle)
            if os.environ.get("LAUREL_CRASH_VERBOSE"):
                print("cycle %d: %d acknowledged, %d drafts" % (cycle, acked_total, len(ledger["created"])))
        assert acked_total >= CYCLES, ("expected writes acknowledged in most cycles; saw %d in "
                                       "%d cycles (seed %d)" % (acked_total, CYCLES, SEED))
        srv.start()  # and it still serves after the last kill
    finally:
        finish(srv, workdir)
